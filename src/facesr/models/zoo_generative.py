"""Zoo entries of the generative-prior leaf of the general family (survey §4.1.2): the project's
StyleGAN2-style face prior and the methods built on it (PULSE, GPEN, GFP-GAN, GLEAN). Metadata only (no
torch): the registry imports this module when it is built.
"""

from __future__ import annotations

from .registry import _add  # noqa: F401  (entries call _add(name, "module:Class", family=..., ...))

_GEN = "facesr.models.generative"
_SECTION = "General FSR Methods"
_PRIOR_NOTE = ("the survey's pretrained StyleGAN (FFHQ 1024 px) cannot be obtained offline: every prior is one "
               "this project trains on CelebA faces (recipe stylegan, configs/generative/)")

_add("stylegan2", f"{_GEN}.stylegan2:StyleGAN2Generator", aliases=("stylegan", "face_prior"), table7=False,
     display="StyleGAN2 prior", family="general", section=_SECTION, category="generative prior",
     paper="Analyzing and Improving the Image Quality of StyleGAN (Karras et al.)", venue="CVPR 2020",
     input="lr", scales=(1, 2, 4, 8, 16), recipe="stylegan",
     parts={"discriminator": f"{_GEN}.stylegan2:StyleGAN2Discriminator"},
     code="NVlabs/stylegan2 config-e/f layout, as rosinality/stylegan2-pytorch and yangxy/GPEN @ 2c736702: "
          "face_model/gpen_model.py (Generator, Discriminator)",
     notes="unconditional face generator (the zoo's input only sets how many faces are drawn): mapping network "
           "(pixel norm + 8 equalised linear layers, lr x0.01), 4x4 constant, two modulated/demodulated 3x3 "
           "convs per level (the first upsampling: transposed conv + [1,3,3,1] FIR) with noise inputs, skip "
           "toRGB; residual discriminator with minibatch stddev (group 4). 29,328,669 params at 128 px with "
           "channel_multiplier 2 (24,525,213 with 1), discriminator 28,389,121 (23,882,369); 30,276,583 at 512 "
           "px = GFP-GAN's decoder (methods.md 30.28M); concat_noise (GPEN's variant) 55,821,735 at 512 px "
           "(methods.md 55.82M). Trained by recipe stylegan (non-saturating logistic loss, lazy R1, style "
           f"mixing, EMA; validation FID of samples); {_PRIOR_NOTE}. Ours: no path-length regularisation")
_add("pulse", f"{_GEN}.pulse:PULSE", table7=False, display="PULSE", family="general", section=_SECTION,
     category="generative prior", prior_weights="stylegan2",
     paper="PULSE: Self-Supervised Photo Upsampling via Latent Space Exploration of Generative Models "
           "(Menon et al.)", venue="CVPR 2020", input="lr", scales=(1, 2, 4, 8, 16),
     code="adamian98/pulse @ 40cacb97: PULSE.py, loss.py, SphericalOptimizer.py, run.py (defaults)",
     notes="no training: Eq. 14 latent search over a trained stylegan2 prior (weights: pulse:PRIOR, any "
           "stylegan run's checkpoint or export); per-layer latents on their spheres (spherical Adam, lr 0.4, "
           "100 steps, linear1cycledrop), w = lrelu(v std + mean) from a Gaussian fit of the mapping network's "
           "last pre-activations, loss 100 L2 (MATLAB-bicubic downscale vs LR, eps 2e-3) + 0.05 GEOCROSS, "
           "first 5 noise layers optimised, last zeroed; params = the prior's (none trained). Ours: 10,000 "
           f"draws for the fit (PULSE: 1,000,000), the best face seen is returned; {_PRIOR_NOTE}")
_add("gpen", f"{_GEN}.gpen:GPEN", table7=False, display="GPEN", family="general", section=_SECTION,
     category="generative prior", paper="GAN Prior Embedded Network for Blind Face Restoration in the Wild "
     "(Yang et al.)", venue="CVPR 2021", input="upsampled", scales=(1, 2, 4, 8, 16), full_size=True,
     recipe="gan_prior", parts={"discriminator": f"{_GEN}.stylegan2:StyleGAN2Discriminator"},
     code="yangxy/GPEN @ 2c736702: face_model/gpen_model.py (FullGenerator), train_simple.py",
     notes="encoder (1x1 conv, blurred stride-2 3x3 convs to 4x4, linear) -> code through the prior's mapping "
           "network; encoder features fed to the prior's concatenated noise inputs; prior (stylegan2 with "
           "concat_noise) pretrained as a GAN, then fine-tuned with the encoder (recipe gan_prior: "
           "non-saturating GAN + smooth L1 + identity, D logistic + lazy R1). 57,069,085 params at 128 px "
           "(channel_multiplier 1) = methods.md's 57.07M; 57,627,170 at 256 (57.63M), 71,005,223 at 512 with "
           "channel_multiplier 2 (71.01M, prior 55,821,735 = 55.82M). Ours: identity loss on dlib's ResNet "
           f"(IR-SE-50 ArcFace is not available offline), no path-length regularisation; {_PRIOR_NOTE}")
_add("gfpgan", f"{_GEN}.gfpgan:GFPGAN", aliases=("gfp_gan",), table7=False, display="GFP-GAN", family="general",
     section=_SECTION, category="generative prior",
     paper="Towards Real-World Blind Face Restoration with Generative Facial Prior (Wang et al.)",
     venue="CVPR 2021", input="upsampled", scales=(1, 2, 4, 8, 16), full_size=True, recipe="gan_prior",
     parts={"discriminator": f"{_GEN}.stylegan2:StyleGAN2Discriminator",
            "left_eye": f"{_GEN}.gfpgan:LeftEyeDiscriminator", "right_eye": f"{_GEN}.gfpgan:RightEyeDiscriminator",
            "mouth": f"{_GEN}.gfpgan:MouthDiscriminator"},
     code="TencentARC/GFPGAN @ 7552a779: gfpgan/archs/gfpganv1_clean_arch.py, gfpganv1_arch.py "
          "(FacialComponentDiscriminator), gfpgan/models/gfpgan_model.py",
     notes="degradation-removal U-Net (half the prior's widths) -> one w per prior layer (different_w, "
           "input_is_latent) and per-level SFT scale/shift applied to half the prior's channels (channel-split "
           "SFT); frozen prior (stylegan2); pyramid RGB outputs; recipe gan_prior with facial-component "
           "discriminators (left eye, right eye, mouth boxes from 68 landmarks, 1,110,785 params each), "
           "component style loss, identity loss, lazy R1. 67,325,548 params at 128 px (channel_multiplier 1) "
           "= methods.md's 67.33M; 86,444,252 at 512 with channel_multiplier 2 (86.44M = prior 30,276,583 + "
           "U-Net/SFT 56,167,669). Ours: identity network dlib's ResNet (ArcFace not available offline), "
           f"component boxes from DFDNet's landmark rule; {_PRIOR_NOTE}")
_add("glean", f"{_GEN}.glean:GLEAN", table7=False, display="GLEAN", family="general", section=_SECTION,
     category="generative prior",
     paper="GLEAN: Generative Latent Bank for Large-Factor Image Super-Resolution (Chan et al.)", venue="CVPR 2021",
     input="lr", scales=(4, 8, 16), recipe="gan_prior",
     parts={"discriminator": f"{_GEN}.stylegan2:StyleGAN2Discriminator"},
     code="open-mmlab/mmagic: mmagic/models/editors/glean/glean_styleganv2.py, configs/glean/glean_ffhq_16x.py",
     notes="RRDB encoder (23 blocks, 64 ch, growth 32) + stride-2 convs to 4x4 + linear to one w per layer; frozen "
           "stylegan2 latent bank whose features (and RGB skip) take the encoder's by concat + 3x3 conv at every "
           "level up to the LR size; sub-pixel decoder concatenating the bank's larger features. At 128 px with "
           "the prior's channel_multiplier 2: 160,595,996 params at x8 (131,267,327 trained, bank 29,328,669), "
           "151,172,208 at x4, 170,019,784 at x16; methods.md gives no count. As mmagic's code, the fused RGB "
           "skip never reaches the output (the decoder reads the bank's features), so fusion_skip gets no "
           f"gradient. Loss (recipe gan_prior): MSE + 0.01 VGG16 conv4_3 + 0.01 GAN; {_PRIOR_NOTE}")
