"""Zoo entries of the general family's GAN leaves beyond SPGAN (survey §4.1.2): HiFaceGAN / PCA-SRGAN and
the real-world (unpaired) GANs LRGAN, CR and RWSR. Metadata only (no torch): the registry imports this
module when it is built.
"""

from __future__ import annotations

from .registry import _add  # noqa: F401  (entries call _add(name, "module:Class", family=..., ...))

_G = "facesr.models.general"
_GS = "General FSR Methods"
_REAL = ("real LR faces: the realworld crops (WHU-SCF surveillance, CMU+MIT) and the CelebA/UTKFace faces of highest "
         "NIQE (facesr.data.real_lr)")

# -- real-world GANs (§4.1.2): learn from real LR faces without pairs -----------------------------------------
_add("lrgan", f"{_G}.lrgan:LRGAN", table7=False, display="LRGAN", family="general", section=_GS,
     category="real-world GAN",
     paper="To learn image super-resolution, use a GAN to learn how to do image degradation first (Bulat, Yang & "
           "Tzimiropoulos)", venue="ECCV 2018", input="lr", scales=(2, 4, 8, 16), recipe="lrgan",
     parts={"degrader": f"{_G}.lrgan:HighToLow", "discriminator": f"{_G}.lrgan:SNResDiscriminator",
            "lr_discriminator": f"{_G}.lrgan:SNResLRDiscriminator"},
     code="jingyang2017/Face-and-Image-super-resolution @ 65fceff8: model.py (GEN_DEEP), H2L.py (Gen_h2l_0424), "
          "Discriminator.py (x4, 64 px)",
     notes="paper's: High-to-Low GAN (HR + noise -> LR like unpaired real LR faces; MSE to the average-pooled HR + "
           "hinge GAN, spectral-norm ResNet critics), then Low-to-High GAN on its outputs (recipe lrgan, two stages); "
           f"{_REAL}. Low-to-High as the released GEN_DEEP: 12 pre-activation blocks of 256 at LR, 3 per further "
           "x2 level (128, 96), 16,011,171 params at x8, 15,478,019 at x4 (the released x4 net's 15,490,403 "
           "less a 1x1 conv its forward never calls); High-to-Low 2,587,331 at x8 for 128 px faces (1,064,960 "
           "of them the noise projection); critics 1,398,529 (HR) and 1,348,993 (LR, x8). Ours: the x8/x16 "
           "levels, the 128 px High-to-Low (5 halvings at x8)")
_add("cr", f"{_G}.cr:CR", table7=False, display="CR", family="general", section=_GS, category="real-world GAN",
     paper="Characteristic Regularisation for Super-Resolving Face Images (Cheng, Zhu & Gong)", venue="WACV 2020",
     input="lr", scales=(2, 4, 8, 16), recipe="cr",
     parts={"to_real": f"{_G}.cr:CycleGenerator", "real_discriminator": f"{_G}.cr:LRPatchDiscriminator",
            "art_discriminator": f"{_G}.cr:LRPatchDiscriminator", "discriminator": f"{_G}.bfr:PatchDiscriminator"},
     code="none public; translator = CycleGAN's ResNet generator and PatchGAN (Zhu et al. ICCV 2017) at the LR size",
     notes="paper's: a CycleGAN maps real LR faces to artificial (bicubic) LR faces (cycle loss Eq. 13), an SR "
           "model pretrained on artificial pairs is fine-tuned on the mapped real faces (recipe cr, two stages); "
           f"{_REAL}. Ours: translator = CycleGAN resnet_6blocks (7,837,699 params) with a global skip, SR model = "
           "the EDSR-style generator of SPGAN (1,517,571 at x8), fine-tuning by LR consistency (bicubic-downscaled "
           "SR vs the mapped face) + pixel loss on artificial pairs + a spectral-norm PatchGAN critic; 9,355,270 "
           "params at x8 (the paper states none)")
_add("rwsr", f"{_G}.rwsr:RWSR", table7=False, display="RWSR", family="general", section=_GS,
     category="real-world GAN",
     paper="Real-World Super-Resolution of Face-Images from Surveillance Cameras (Aakerberg, Nasrollahi & Moeslund)",
     venue="arXiv 2021 / IET Image Processing 2022", input="lr", scales=(2, 4, 8, 16), recipe="rwsr",
     parts={"discriminator": f"{_G}.rwsr:VGGDiscriminator"},
     code="none public; ESRGAN networks (xinntao/ESRGAN: RRDBNet_arch.py; BasicSR discriminator_vgg_128)",
     notes="paper's: estimate blur kernels, noise and JPEG compression from real LR faces, synthesise LR/HR pairs "
           "with them, train ESRGAN with LPIPS in place of its VGG loss (recipe rwsr); "
           f"{_REAL}. Ours: Gaussian blur and noise by analysis by synthesis (facesr.degradation.estimate; the "
           "paper used KernelGAN and noise patches), JPEG quality from the files. RRDBNet 23 blocks: 16,734,915 "
           "params at x8, 16,697,987 at x4 (ESRGAN's); VGG-128 critic 14,499,401")

# -- general GANs (§4.1.2): PCA-SRGAN's projection discriminator ----------------------------------------------
_add("pca_srgan", f"{_G}.rwsr:RWSR", aliases=("pcasrgan",), table7=False, display="PCA-SRGAN", family="general",
     section=_GS, category="general GAN",
     paper="PCA-SRGAN: Incremental Orthogonal Projection Discrimination for Face Super-resolution (Dou et al.)",
     venue="ACM MM 2020", input="lr", scales=(2, 4, 8, 16), recipe="pca_srgan", generator_from="rwsr",
     parts={"discriminator": f"{_G}.pca_srgan:PCADiscriminator"},
     code="none public; generator and critic layers of ESRGAN (xinntao/ESRGAN), the projection ours",
     notes="paper's: the discriminator sees the faces' projections onto the leading principal components of the "
           "training faces, more components as training goes on, then whole faces; no perceptual loss (recipe "
           "pca_srgan). Ours: ESRGAN's RRDBNet as generator (16,734,915 params at x8, the network of rwsr), VGG-128 "
           "critic (14,499,401) on the projections, PCA of 500 training faces with 128 components (buffers, kept in "
           "checkpoints), components shown growing geometrically from 4 to 128 over the schedule")
