"""Zoo entries of the applications (survey §4.8: face video SR, old photos, audio-guided and 3D FSR).
Metadata only (no torch): the registry imports this module when it is built.
"""

from __future__ import annotations

from .registry import _add  # noqa: F401  (entries call _add(name, "module:Class", family=..., ...))

_APP = "facesr.models.application"

# -- face video SR (§4.8.1) ----------------------------------------------------------------------------
_add("videofsr", f"{_APP}.videofsr:VideoFSR", aliases=("video_fsr",), table7=False, display="VideoFSR",
     family="application", section="Face Video Super-Resolution (§4.8.1)", application="video",
     paper="after the survey's [190] (per-frame generator + fusion into the central frame) and [191] (Video "
           "Face Super-Resolution with Motion-Adaptive Feedback Cell, Xin et al.)",
     venue="AAAI 2020 ([191]); the network is this project's", input="lr", scales=(2, 4, 8, 16),
     temporal=True, train_inputs=(), code="none copied; layers ours (no official code was used)",
     notes="from the papers: centre-frame SR from 2k+1 LR frames, one shared per-frame encoder and a fusion "
           "module that estimates the central frame ([190]); the motion between the centre and each neighbour "
           "fed back into the centre's features through learned motion-adaptive weights ([191]'s MAFC idea). "
           "Ours: widths and depths (64 features, 5 encoder + 10 reconstruction residual blocks), flow-style "
           "feature alignment by a small stride-2 net + bilinear warping (zero-initialised: identity warp at "
           "start), the gate form centre + sigmoid(conv[centre, D]) * conv(D), per-pixel temporal attention "
           "before a 1x1 fusion conv, the bicubic global residual, a 4-D input taken as a still clip; trained on "
           "clips synthesised from still faces (smooth similarity motion, per-clip blind degradation: "
           "facesr.data.video_clips)")

# -- old photo restoration (§4.8.2) ---------------------------------------------------------------------
_add("bopbl", f"{_APP}.bopbl:BOPBL", table7=False, display="BOPBL", family="application",
     section="Old Photo Restoration (§4.8.2)", application="old photos",
     paper="Bringing Old Photos Back to Life (Wan et al.; journal version: Old Photo Restoration via Deep Latent "
           "Space Translation)", venue="CVPR 2020 (survey [195])", input="upsampled", scales=(1, 2, 4, 8, 16),
     recipe="bopbl", train_inputs=(),
     parts={"discriminator": f"{_APP}.bopbl:BOPBLDiscriminator",
            "latent_discriminator": f"{_APP}.bopbl:BOPBLLatentDiscriminator"},
     code="microsoft/Bringing-Old-Photos-Back-to-Life (Global/): layer settings read from its README training "
          "commands and options; no code copied",
     notes="from the paper and its code: VAE A (real old + synthetic degraded faces -> latent Z_X, latent "
           "discriminator closing the domain gap), VAE B (clean faces -> Z_Y), mapping Z_X -> Z_Y trained with both "
           "VAEs frozen; reduced VAE (decoder on mean + N(0,I), KL = mean z^2, weight 1); latent 64 x H/4 x W/4 "
           "(mc 64, two stride-2 4x4 convs, 4+4 IN residual blocks); mapping 64-128-256-512-512, 6 residual blocks "
           "at 512; LSGAN multiscale patch D (2 scales, 3 layers, 64); latent L1 weight 60; 10 % of pairs grey on "
           "both sides; 50 % real old faces in VAE A's batches. 37,879,494 params (VAEs 872,131 each, mapping "
           "36,135,232); D 5,529,474, latent D 2,827,201. Ours: 128 px faces (the paper: 256 px photos), the LR "
           "face bicubic-upsampled first, L1 reconstruction (x10) in the VAEs and the mapping in place of the "
           "code's VGG + D feature matching, one Adam for all stages (the code: TTUR for the mapping), VAE B's "
           "critic reused for the mapping's output, no partial non-local block (no scratches here); real old "
           "faces = the 29 Solvay 1927 crops, synthetic = the realworld chain")

# -- 3-D face point-cloud SR (§4.8.4) -----------------------------------------------------------------------
_add("fsr3d", f"{_APP}.fsr3d:FSR3D", aliases=("fsr_3d", "face_point_cloud_sr"), table7=False, display="FSR3D",
     family="application", section="3D FSR (§4.8.4)", application="3d", modality="point cloud",
     paper="after the survey's [202] (a 3D face point cloud super-resolution network); design after PU-Net (Yu "
           "et al., CVPR 2018) with DGCNN edge convolutions (Wang et al., TOG 2019)",
     venue="survey [202]; the network is this project's", input="lr", scales=(2, 4, 8, 16), recipe="fsr3d",
     train_inputs=(), code="none copied; [202]'s layers were not available here, layers ours",
     notes="input N x P x 3 points (not an image), output N x (P * scale) x 3; scale = point upsampling ratio "
           "(x4: 120 -> 480 points, x8: 60 -> 480, for MediaPipe's 478-point meshes). Ours: 3 edge convs (k 16, 64 "
           "channels, static kNN graph on the input points) densely joined + global max feature, 1x1 fuse to 256, "
           "PU-Net's per-ratio expansion branches (256 -> 256 -> 128), offsets 128 -> 64 -> 3 from each input "
           "point; Chamfer loss; 518,723 params at x4, 913,475 at x8. Data: MediaPipe face meshes fitted to the "
           "local photos (no 3-D scans exist here), sparse noisy subsets as LR (facesr.data.face_clouds); "
           "metrics: Chamfer distance and normal error (facesr.metrics.point_cloud)")

# -- audio-guided FSR (§4.8.3) ---------------------------------------------------------------------------------
_add("audiofsr", f"{_APP}.audiofsr:AudioFSR", aliases=("audio_fsr", "ear_for_face"), table7=False,
     display="AudioFSR", family="application", section="Audio-guided FSR (§4.8.3)", application="audio",
     paper="Learning to Have an Ear for Face Super-Resolution (Meishvili, Jenni & Favaro)",
     venue="CVPR 2020 (survey [197])", input="lr", scales=(4, 8, 16), recipe="audiofsr", conditions=("audio",),
     train_inputs=(), code="gmeishvili/ear_for_face_super_resolution (TF test code): layer settings read from "
                           "networks.py / test.py; no code copied",
     notes="from the paper and its code: LR encoder (3x3 convs + IN, x3 channels per scale to 1024, FC 6144 x2) "
           "and spectrogram encoder (4x4 convs doubling to 2048 over 6 scales, FC 8192, FC 6144) to 12 x 512 "
           "codes (StyleGAN W+ at 128 px), FC3 residual fusion w = E_l + F(E_l, E_a), StyleGAN synthesis "
           "generator; x16 (8 px) is the paper's scale. 574,743,043 params at x16 (E_l 78.9M, E_a 318.7M, F "
           "151.0M, G 26.1M), 660,077,059 at x8. Ours: the generator trained end to end with the encoders (no "
           "pretrained StyleGAN here; the paper pretrains G and inverts it), a conv before the first AdaIN, "
           "PyTorch padding (the audio encoder ends at 2 x 2, the code's TF SAME at 3 x 3). Data: NO audio-visual "
           "faces exist here: synthetic voices tied to CelebA identity labels (facesr.data.synthetic_audio), so "
           "the audio identifies training identities but carries no real voice-face correlation (gender, age); "
           "on unseen identities it carries nothing")
