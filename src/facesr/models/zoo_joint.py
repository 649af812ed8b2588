"""Zoo entries of the joint tasks (survey §4.7: completion, deblurring, illumination, alignment,
frontalization) and of the pre-prior / parallel-prior leaves of the prior-guided family (§4.2.1-4.2.2).
Metadata only (no torch): the registry imports this module when it is built.
"""

from __future__ import annotations

from .registry import _add  # noqa: F401  (entries call _add(name, "module:Class", family=..., ...))

# -- deblurring (§4.7.2) and the parallel-prior leaf (§4.2.2) ----------------------------------------
_add("dgfan", "facesr.models.joint.dgfan:DGFAN", table7=False, display="DGFAN", family="joint",
     section="Joint Face Deblurring and FSR (§4.7.2)", task="deblurring",
     paper="Deblurring and Super-Resolution Using Deep Gated Fusion Attention Networks for Face Images "
           "(Yang & Chang)", venue="ICASSP 2020", input="lr", scales=(2, 4, 8, 16), train_inputs=(),
     recipe="deblur",
     code="none public; layout of the gated fusion network it builds on (Zhang et al., BMVC 2018), widths ours",
     notes="structure stream (deblurring encoder-decoder, 3 levels x 6 residual blocks, deblurred-LR output "
           "supervised by the sharp LR: recipe deblur) + detail stream (LR and its Sobel magnitude, 8 "
           "residual blocks) -> gated fusion with channel attention -> 8 RCABs, sub-pixel upsampling; "
           "12,128,810 params at x8, 11,981,098 at x4 (ours: the paper states no count)")
_add("jasrnet", "facesr.models.prior.jasrnet:JASRNet", table7=False, display="JASRNet", family="prior",
     section="Prior-guided FSR Methods", prior_category="parallel-prior", priors=("heatmaps",),
     paper="Joint Super-Resolution and Alignment of Tiny Faces (Yin, Robinson, Zhang & Fu)", venue="AAAI 2020",
     input="lr", scales=(4, 8, 16), train_inputs=("landmarks",),
     code="none public; modules of the paper's Fig. 3, widths ours",
     notes="shared encoder (conv + 4 residual groups x 8 RCABs, every group's output fused by 1x1 + 3x3 conv) "
           "-> SR branch (sub-pixel x scale) and alignment branch (sub-pixel to HR/4, 2 hourglasses -> 68 "
           "heatmaps), trained jointly by pixel + heatmap loss; 4,292,683 params at x8 (alignment branch "
           "1,262,984), 3,997,259 at x4 (ours: the paper states no count)")

# -- the pre-prior leaf (§4.2.1) -------------------------------------------------------------------------
_add("psfrgan", "facesr.models.prior.psfrgan:PSFRGAN", aliases=("psfr_gan",), table7=False, display="PSFR-GAN",
     family="prior", section="Prior-guided FSR Methods", prior_category="pre-prior", priors=("parsing",),
     paper="Progressive Semantic-Aware Style Transformation for Blind Face Restoration (Chen et al.)",
     venue="CVPR 2021", input="upsampled", scales=(1, 2, 4, 8, 16), full_size=True, train_inputs=("parsing",),
     recipe="psfrgan",
     parts={"discriminator": "facesr.models.prior.psfrgan:PSFRDiscriminator",
            "parsenet": "facesr.models.prior.parsenet:ParseNet"},
     code="chaofengc/PSFRGAN @ ab853cdc: models/psfrnet.py, models/networks.py, models/loss.py",
     notes="ParseNet (19 CelebAMask-HQ classes; trained first on the prepared cache's landmark-drawn parsing "
           "maps, then frozen) -> one-hot map + LR face guide SPADE residual blocks that grow a learned 16x16 "
           "constant to 128 px; generator 45,502,467 params = methods.md's 45.50M at 128 px (45,956,995 = "
           "45.96M at 512 px, tested); ParseNet 14,220,246 at 128 px (21,303,254 = the paper's 21.30M at 512 "
           "px, tested); 2 patch discriminators at 128 px (the paper's 3 at 512 px); L1 x10 + hinge GAN + "
           "feature matching x10 + semantic-aware style x1000 (recipe psfrgan)")

# -- frontalization (§4.7.5) -------------------------------------------------------------------------------
_add("tann", "facesr.models.joint.tann:TANN", table7=False, display="TANN", family="joint",
     section="Joint Face Frontalization and FSR (§4.7.5)", task="frontalization",
     paper="Can We See More? Joint Frontalization and Hallucination of Unaligned Tiny Faces (Yu, Shiri, Ghanem "
           "& Porikli)", venue="TPAMI 2020", input="lr", scales=(4, 8), train_inputs=("lr_frontal",),
     recipe="frontalize", parts={"discriminator": "facesr.models.joint.tann:TANNDiscriminator"},
     code="none public; layout from the paper and Yu's URDGN/TDN (strided convs, STNs, deconvolutions), widths ours",
     notes="transformer (STN on the image, conv, 2 x [4x4 stride-2 conv, STN]) maps non-frontal and frontal LR "
           "faces into one latent space (latent MSE pulls the non-frontal code to the frontal one), 4x4 "
           "transposed convs upsample it; adversarial training against real frontal faces; pose pairs of CelebA "
           "identities (facesr.data.pose_pairs, yaw from 5 landmarks); 1,437,205 params at x8, 1,420,757 at x4, "
           "discriminator 706,977 (ours: the paper states no count)")

# -- completion (§4.7.1), illumination (§4.7.3) and alignment (§4.7.4) ------------------------------
_J = "facesr.models.joint"
_add("fcsrgan", f"{_J}.fcsrgan:FCSRGAN", table7=False, display="FCSR-GAN", family="joint",
     section="Joint Face Completion and FSR (§4.7.1)", task="completion", degradation="occlusion",
     paper="FCSR-GAN: Joint Face Completion and Super-resolution via Multi-task Learning (Cai et al.)",
     venue="IEEE T-BIOM 2019", input="lr", scales=(2, 4, 8, 16), train_inputs=(), recipe="fcsrgan",
     parts={"discriminator": "facesr.models.reference.common:ReferenceDiscriminator"},
     code="none public; the paper's two models and staged training, layers ours",
     notes="paper: a face completion model (FCM) and an SR model (SRM) in sequence; FCM pretrained, SRM "
           "trained with the FCM fixed, then both fine-tuned (recipe fcsrgan); adversarial, perceptual, "
           "pixel, smooth, style and face prior losses. Ours: FCM = skip-connected encoder-decoder at the "
           "LR size (64-256 channels, 4 residual blocks at h/4), SRM = 16 residual blocks of 64 + sub-pixel "
           "x2 stages; face prior loss through the package's frozen hourglass (fan_heatmap); spectral-norm "
           "PatchGAN critic; 8,069,574 params at x8 (FCM 6,404,291), 7,921,862 at x4 (the paper states none)")
_add("cpgan", f"{_J}.cpgan:CPGAN", table7=False, display="CPGAN", family="joint",
     section="Joint Illumination Compensation and FSR (§4.7.3)", task="illumination", degradation="illumination",
     paper="Copy and Paste GAN: Face Hallucination from Shaded Thumbnails (Zhang et al.); landmark "
           "estimation of Recursive Copy and Paste GAN (TPAMI 2021)",
     venue="CVPR 2020", input="lr", scales=(2, 4, 8, 16), references=1, same_identity=True,
     train_inputs=("hr",), recipe="sr",
     parts={"discriminator": "facesr.models.reference.common:ReferenceDiscriminator"},
     code="none public; the paper's internal/external copy-and-paste nets, layers ours",
     notes="paper: internal CPnet (self-similarity copy-and-paste at the LR size), external CPnet pasting "
           "features of a normally lit HR guide face while upsampling coarse to fine, illumination "
           "compensation loss; Re-CPGAN: landmark heatmaps estimated per stage and fed back. Ours: 64 "
           "channels, 2 internal blocks, deconvolution x2 per stage, guide keys average-pooled to <= 1024 "
           "positions, guide = another CelebA face of the same person (data.train.priors [reference]), "
           "heatmap targets from the package's hourglass on the HR face, illumination loss = Gram "
           "(style) loss of SR vs guide; 1,017,103 params at x8, 749,707 at x4 (the paper states none)")
_add("mtdn", f"{_J}.mtdn:MTDN", table7=False, display="MTDN", family="joint",
     section="Joint Face Alignment and FSR (§4.7.4)", task="alignment", degradation="misalign",
     paper="Hallucinating Unaligned Face Images by Multiscale Transformative Discriminative Networks "
           "(Yu, Porikli, Fernando & Hartley)", venue="IJCV 2020", input="lr", scales=(4, 8, 16),
     train_inputs=(), recipe="sr",
     parts={"discriminator": "facesr.models.general.urdgn:URDGNDiscriminator"},
     code="none public; the paper's layout (STN layers inside a deconvolutional generator), widths ours",
     notes="paper: spatial transformer layers inside the upsampling network line unaligned LR faces up; a "
           "discriminator trained on upright real faces (class-specific loss); one network for 16-32 px "
           "inputs. Ours: per x2 stage [STN (at <= 32 px), conv, 4x4 deconv], widths 256/128/64/32; one "
           "network per scale; URDGN's discriminator (the same authors'); 1,666,575 params at x8, "
           "1,518,345 at x4 (the paper states none)")
_add("tdae", f"{_J}.tdae:TDAE", table7=False, display="TDAE", family="joint",
     section="Joint Face Alignment and FSR (§4.7.4)", task="alignment", degradation="misalign",
     paper="Hallucinating Very Low-Resolution Unaligned and Noisy Face Images by Transformative "
           "Discriminative Autoencoders (Yu & Porikli)", venue="CVPR 2017", input="lr", scales=(4, 8, 16),
     train_inputs=(), recipe="sr",
     parts={"discriminator": "facesr.models.general.urdgn:URDGNDiscriminator"},
     code="none public; the survey's three steps, layers ours",
     notes="paper/survey: decoder upsamples and coarsely aligns (I_CSR), encoder downsamples it to an "
           "aligned, denoised LR face (I_CLR), a second decoder upsamples that. Ours: MTDN's transformative "
           "upsampler for both decoders, stride-2 encoder with an STN at <= 32 px; I_CSR also supervised by "
           "the HR face; 4,225,133 params at x8, 3,817,371 at x4 (the paper states none)")
