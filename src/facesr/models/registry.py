"""The model zoo registry: names -> lazily imported network classes, with the metadata to list them.

Each entry carries: ``family`` in the survey's taxonomy (general / prior / attribute / identity /
reference / joint (§4.7) / application (§4.8)), ``section`` (its Table 7 heading), ``display`` name,
``paper``, ``venue``, ``input``
handling (``"lr"``: raw LR face; ``"upsampled"``: bicubic-upsampled HR-size face), supported
``scales``, ``table7`` (the survey's published row, :mod:`facesr.models.table7`), ``defaults``
(constructor arguments a variant fixes), ``parts`` (discriminators / auxiliary heads that live
with the method: part name -> ``"module:Class"``), ``code`` (reference implementation) and
``notes``. Listing never imports a model module or torch.

Only implemented architectures are registered. Table 7 methods that later issues will add keep
their published row in :data:`facesr.models.table7.TABLE7`; :func:`create` names them as "not
implemented in this version" instead of "unknown".
"""

from __future__ import annotations

import contextlib
import inspect
from typing import Any

from ..errors import ConfigError, UnknownNameError
from ..registry import Registry
from .table7 import TABLE7

FAMILIES: tuple[str, ...] = ("general", "prior", "attribute", "identity", "reference", "joint", "application")
SURVEY_SCALES: tuple[int, ...] = (4, 8, 16)

MODELS: Registry = Registry("model")


def _add(name: str, target: str, *, aliases: tuple[str, ...] = (), table7: bool = True, **meta: Any) -> None:
    row = TABLE7.get(name) if table7 else None
    meta.setdefault("defaults", {})
    meta.setdefault("parts", {})
    if row is not None:
        meta.setdefault("section", row.section)
    if meta["family"] not in FAMILIES or meta["input"] not in ("lr", "upsampled") or "section" not in meta:
        raise ValueError(f"bad metadata for model {name!r}")
    MODELS.add(name, target, aliases=aliases, table7=row, **meta)


_G = "facesr.models.general"
_ALL = (2, 3, 4, 8, 16)

_add("srcnn", f"{_G}.srcnn:SRCNN", display="SRCNN", family="general",
     paper="Image Super-Resolution Using Deep Convolutional Networks (Dong et al.)",
     venue="ECCV 2014 / TPAMI 2016", input="upsampled", scales=_ALL,
     code="yjn870/SRCNN-pytorch @ 064dbaac: models.py",
     notes="9-1-5 on the Y channel by default: 8,129 params = the survey's 0.01M, but 0.132 GMACs; "
           "channels=3 (RGB) gives 20,099 params and 0.328 GMACs = the survey's 0.3G")
_add("vdsr", f"{_G}.vdsr:VDSR", display="VDSR", family="general",
     paper="Accurate Image Super-Resolution Using Very Deep Convolutional Networks (Kim et al.)",
     venue="CVPR 2016", input="upsampled", scales=_ALL,
     code="twtygqyy/pytorch-vdsr @ 514b0210: vdsr.py",
     notes="20 bias-free 3x3 convs, global residual, Y channel by default (channels=3: RGB)")
_add("rcan", f"{_G}.rcan:RCAN", display="RCAN", family="general",
     paper="Image Super-Resolution Using Very Deep Residual Channel Attention Networks (Zhang et al.)",
     venue="ECCV 2018", input="lr", scales=_ALL,
     code="yulunzhang/RCAN @ f722e5d0: RCAN_TrainCode/code/model/rcan.py",
     notes="10 residual groups x 20 RCABs, 64 channels, reduction 16; pixel range 255 inside")
_add("nlsn", f"{_G}.nlsn:NLSN", display="NLSN", family="general",
     paper="Image Super-Resolution with Non-Local Sparse Attention (Mei et al.)", venue="CVPR 2021",
     input="lr", scales=_ALL,
     code="HarukiYqM/Non-Local-Sparse-Attention @ fb3d4225: src/model/nlsn.py, attention.py",
     chunk_size={2: 144, 3: 144, 4: 144, 8: 144, 16: 32},
     notes="chunk 144 (paper) up to x8; x16 (8x8 LR, 64 positions) uses chunk 32, which keeps x8's 2 hash "
           "buckets (144 > 64 positions gives 0 buckets and crashes the reference code); eval mode uses "
           "fixed random rotations so inference is deterministic")
_add("urdgn", f"{_G}.urdgn:URDGN", display="URDGN", family="general",
     paper="Ultra-Resolving Face Images by Discriminative Generative Networks (Yu & Porikli)",
     venue="ECCV 2016", input="lr", scales=(4, 8, 16),
     code="XinYuANU/URDGN @ 04eec4c9: train_ytc_xin_128_D.lua",
     parts={"discriminator": f"{_G}.urdgn:URDGNDiscriminator"},
     notes="generator as the released Lua (nearest x2 + conv; the paper says deconvolution); x8 is the "
           "paper's scale, x4/x16 drop/add a 16->32 stage (ours)")
_add("wasrnet", f"{_G}.wasrnet:WaSRNet", aliases=("wavelet_srnet", "waveletsrnet"), display="WaSRNet",
     family="general",
     paper="Wavelet-SRNet: A Wavelet-based CNN for Multi-scale Face Super Resolution (Huang et al.)",
     venue="ICCV 2017", input="lr", scales=(2, 4, 8, 16), code="hhb072/WaveletSRNet @ f0219900: networks.py",
     notes="predicts 4^r x 3 Haar wavelet-packet coefficient maps at LR size (r = log2 scale) and applies a "
           "fixed inverse transform")
_add("sparnet", f"{_G}.sparnet:SPARNet", display="SPARNet", family="general",
     paper="Learning Spatial Attention for Face Super-Resolution (Chen et al.)", venue="TIP 2021",
     input="upsampled", scales=_ALL,
     code="chaofengc/Face-SPARNet @ b1a09862: models/sparnet.py, models/blocks.py",
     notes="SPARNet(res_depth=10, att_name='spar', norm='bn', relu='leakyrelu'); in_size 128")
_add("bfr", f"{_G}.bfr:BFR", aliases=("blind_restorer",), table7=False, display="BFR", family="general",
     section="General FSR Methods", category="real-world",
     paper="this project's blind face restorer (real-world FSR, survey §4.1.2; after RCAN, Zhang et al. ECCV 2018, "
           "and the pixel-unshuffle input of Real-ESRGAN, Wang et al. ICCVW 2021)",
     venue="facesr", input="upsampled", scales=tuple(range(1, 17)), full_size=True,
     parts={"discriminator": f"{_G}.bfr:PatchDiscriminator"},
     code="ours: RCAN trunk (yulunzhang/RCAN layout) on a pixel-unshuffled full-size face",
     notes="one set of weights for x1 (restore only) to x16: the LR face bicubic-upsampled to 128 px, folded "
           "4x4 into 48 channels, RCAN 6x8x32 trunk at 32x32, x4 sub-pixel upsampler, global residual; "
           "trained on the realworld/blind degradations")
_add("sparnet_light", f"{_G}.sparnet:SPARNet", aliases=("sparnet_light_attn3d",), table7=False,
     display="SPARNet-Light-Attn3D", family="general", section="General FSR Methods",
     paper="Learning Spatial Attention for Face Super-Resolution (Chen et al.)", venue="TIP 2021",
     input="upsampled", scales=_ALL, defaults={"res_depth": 1, "att_name": "spar3d"},
     code="chaofengc/Face-SPARNet @ b1a09862: models/sparnet.py", variant_of="sparnet",
     notes="light variant: one body FAU, 3-D (per-channel) attention maps; no Table 7 row")

# -- the other leaves of the survey's Fig. 3 (§4.1): local / mixed CNNs, pixel-wise GAN, RL, ensemble ---------
_GS = "General FSR Methods"
_add("srdsi", f"{_G}.srdsi:SRDSI", table7=False, display="SRDSI", family="general", section=_GS,
     category="local CNN",
     paper="Face super-resolution via definition-scalable inference (PCA basic face + compensation face)",
     venue="Pattern Recognition 2019", input="upsampled", scales=(4, 8, 16),
     code="none public; the split and the two restorers from the survey (§4.1.1), layers ours",
     notes="paper's: PCA split into a basic face (VDSR) and a compensation face (sparse representation), "
           "fused; ours: RGB VDSR (20 x 64, 667,008 params, the only trained weights), 20 ISTA steps over "
           "coupled 8x8 patch dictionaries (256 atoms), fusion = sum, 64 PCA components of 128-px faces; PCA "
           "basis and dictionaries are buffers fitted by python -m facesr.training.srdsi_bases "
           "(option bases=FILE; DCT bases before fitting)")
_add("dpdfn", f"{_G}.dpdfn:DPDFN", table7=False, display="DPDFN", family="general", section=_GS,
     category="mixed CNN",
     paper="Dual-Path Deep Fusion Network for Face Image Hallucination (Jiang et al.)", venue="TNNLS 2020",
     input="lr", scales=_ALL, code="none public; GMN / LRN / FRM roles from the paper's abstract, layers ours",
     notes="paper's: global memory subnetwork (recurrent dense residual learning), local reinforcement "
           "subnetwork (patch-wise mappings on local regions), fusion and reconstruction module, no prior; "
           "ours: 64 features, shared dense block (4 x growth 32) unrolled 4 times, 2x2 regions with their "
           "own residual blocks (grouped convs), sub-pixel upsampler + bicubic residual; 1,359,683 params at x8 "
           "(the paper states none)")
_add("spgan", f"{_G}.spgan:SPGAN", table7=False, display="SPGAN", family="general", section=_GS,
     category="general GAN",
     paper="Supervised Pixel-Wise GAN for Face Super-Resolution (Zhang & Ling)", venue="TMM 2020",
     input="lr", scales=(2, 4, 8, 16), parts={"discriminator": f"{_G}.spgan:SPGANDiscriminator"},
     code="Merle314/Supervised-Pixel-Wise-GAN (README only); layers ours",
     notes="paper's: pixel-wise discriminator D(lr, x) with a score map the image's size (loss spgan, Eq. "
           "19-20), identity features of a face-recognition net fed to D at several scales, attention-"
           "weighted identity loss (identity_sp, Eq. 21-22); ours: EDSR-style generator (8 LR + 2 per-stage "
           "residual blocks, 64 features, bicubic residual), U-Net discriminator with dlib's 128-d "
           "descriptor (in place of the paper's recognition net) added at 4 scales; G 1,517,571 params at x8, D "
           "3,267,009 (the paper states none)")
_add("attention_fh", f"{_G}.attention_fh:AttentionFH", aliases=("attentionfh",), table7=False,
     display="Attention-FH", family="general", section=_GS, category="reinforcement learning",
     paper="Attention-Aware Face Hallucination via Deep Reinforcement Learning (Cao et al.; Shi et al.)",
     venue="CVPR 2017 / TPAMI 2020", input="upsampled", scales=_ALL, recipe="reinforce",
     code="none public; layers ours",
     notes="paper's: recurrent policy network choosing the next facial patch from the current face and the "
           "history, local enhancement network on the patch, joint training with a long-term reward; ours: "
           "16 steps over 49 windows (32x32, stride 16 on 128 px), conv encoder + LSTM(256) policy, 8-layer "
           "residual enhancer; recipe reinforce (REINFORCE, reward = PSNR gain per step, running baseline); "
           "evaluation takes the most likely window; 1,170,996 params (the paper states none)")
_add("atfmn", f"{_G}.atfmn:ATFMN", aliases=("atmfn",), table7=False, display="ATFMN", family="general",
     section=_GS, category="ensemble",
     paper="ATMFN: Adaptive-Threshold-based Multi-Model Fusion Network for Compressed Face Hallucination "
           "(Jiang et al.)", venue="TMM 2020", input="lr", scales=(4, 8, 16), recipe="ensemble",
     parts={"discriminator": f"{_G}.atfmn:ATFMNDiscriminator"},
     code="kuijiang94/ATMFN @ 12300ed2: src/ATMFN.py (TF, x8)",
     notes="CNN, GAN and RNN (ConvLSTM) candidate branches, a sigmoid weight-map U-Net per candidate, fusion "
           "network, as the released code (bias-free convs, per-channel PReLU): 32,877,699 params at x8 "
           "(the paper states none); x4/x16 one stage fewer/more (ours); the discriminator (76.5M, FC on 8x8x1024) "
           "judges the GAN candidate (recipe ensemble)")

_P = "facesr.models.prior"
_FSRNET_PAPER = "FSRNet: End-to-End Learning Face Super-Resolution with Facial Priors (Chen et al.)"
_DIC_PAPER = "Deep Face Super-Resolution with Iterative Collaboration between Attentive Recovery and " \
             "Landmark Estimation (Ma et al.)"
_HOURGLASS = f"{_P}.hourglass:StackedHourglass"
_add("fsrnet", f"{_P}.fsrnet:FSRNet", display="FSRNet", family="prior", paper=_FSRNET_PAPER, venue="CVPR 2018",
     input="upsampled", scales=(2, 4, 8, 16), prior_category="in-prior", priors=("heatmaps", "parsing"),
     train_inputs=("landmarks", "parsing"),
     code="cs-giung/FSRNet-pytorch @ 5b67fdf0: nets.py (blocks unshared)",
     notes="coarse SR -> prior branch (68 heatmaps + 11 parsing maps at half size, 2 hourglasses) and fine "
           "encoder -> decoder; 3,272,463 params; stride-2 design: 15.3 GMACs (the survey's 39.0G is the "
           "design without stride-2 stages)")
_add("fsrgan", f"{_P}.fsrnet:FSRNet", table7=False, display="FSRGAN", family="prior",
     section="Prior-guided FSR Methods", paper=_FSRNET_PAPER, venue="CVPR 2018", input="upsampled",
     scales=(2, 4, 8, 16), prior_category="in-prior", priors=("heatmaps", "parsing"),
     train_inputs=("landmarks", "parsing"),
     variant_of="fsrnet", parts={"discriminator": f"{_P}.fsrnet:FSRNetDiscriminator"},
     code="cs-giung/FSRNet-pytorch @ 5b67fdf0: nets.py, train_GAN.py",
     notes="FSRNet's generator trained with perceptual + LR-conditioned adversarial losses; no Table 7 row")
_add("superfan", f"{_P}.superfan:SuperFAN", aliases=("super_fan",), display="Super-FAN", family="prior",
     paper="Super-FAN: Integrated facial landmark localization and super-resolution of real-world low "
           "resolution faces in arbitrary poses with GANs (Bulat & Tzimiropoulos)", venue="CVPR 2018",
     input="lr", scales=(2, 4, 8, 16), prior_category="post-prior", priors=("heatmaps",),
     train_inputs=(), parts={"critic": f"{_P}.superfan:SuperFANCritic", "landmarks": _HOURGLASS},
     code="jzijin/Super-FAN @ d77f313a: model/model.py (x4; one more ConvT stage per x2)",
     notes="12 residual blocks at LR, BN-ReLU-ConvT stages (3 residual blocks after the first); x8 = the x4 "
           "paper network + 1 ConvT stage: 1,363,140 params = the survey's 1.3M; heatmap loss through a "
           "frozen stacked-hourglass landmark net (loss fan_heatmap) + perceptual + WGAN-GP")
_add("dic", f"{_P}.dic:DIC", display="DIC", family="prior", paper=_DIC_PAPER, venue="CVPR 2020", input="lr",
     scales=(8,), prior_category="in-prior", priors=("heatmaps",), train_inputs=("landmarks",),
     parts={"landmarks": _HOURGLASS},
     code="Maclory/Deep-Iterative-Collaboration @ 3ff19f1e: code/networks/dic_arch.py, srfbn_hg_arch.py",
     notes="4 steps of feedback SR + recurrent hourglass (68 heatmaps at 32x32) with part-attention fusion; "
           "21,803,849 params (SR 9.80M + HG 12.00M) = the survey's 20.8M; 45.3 GMACs (survey 14.8G)")
_add("dicgan", f"{_P}.dic:DIC", table7=False, display="DICGAN", family="prior", section="Prior-guided FSR Methods",
     paper=_DIC_PAPER, venue="CVPR 2020", input="lr", scales=(8,), prior_category="in-prior",
     priors=("heatmaps",), train_inputs=("landmarks",), variant_of="dic",
     parts={"discriminator": f"{_P}.dic:LightCNNDiscriminator", "landmarks": _HOURGLASS},
     code="Maclory/Deep-Iterative-Collaboration @ 3ff19f1e: code/options/train/train_DICGAN_CelebA.json",
     notes="DIC's generator + feature loss (dlib ResNet in place of LightCNN) + vanilla GAN with a LightCNN-9 "
           "layout discriminator; no Table 7 row")


# -- attribute-constrained (survey §4.3) and identity-preserving (§4.4) families -------------------
_A = "facesr.models.attribute"
_I = "facesr.models.identity"
_FSRSA_PAPER = "Super-Resolving Very Low-Resolution Face Images with Supplementary Attributes (Yu et al.)"
_AACNN_PAPER = "Attribute Augmented Convolutional Neural Network for Face Hallucination (Lee et al.)"
_add("fsrsa", f"{_A}.fsrsa:FSRSA", display="FSRSA", family="attribute", paper=_FSRSA_PAPER, venue="CVPR 2018",
     input="lr", scales=(4, 8, 16), modes=("given", "estimated"), train_inputs=("attributes",),
     parts={"discriminator": f"{_A}.fsrsa:FSRSADiscriminator"},
     code="XinYuANU/FaceAttr @ 0650116b: train_encoder_decoder_Stack_skip_perception.lua",
     notes="attributes concatenated at the 1x1 bottleneck of a U-Net encoder-decoder, STN up-convs; "
           "attribute-conditional discriminator (Eq. 16); n_attributes 18 (paper), 9 UTKFace, 40 CelebA")
_add("fsrsa_est", f"{_A}.fsrsa:FSRSA", table7=False, display="FSRSA-est", family="attribute",
     section="Attribute-constrained FSR Methods", paper=_FSRSA_PAPER, venue="CVPR 2018", input="lr",
     scales=(4, 8, 16), defaults={"mode": "estimated"}, variant_of="fsrsa", train_inputs=("attributes",),
     parts={"discriminator": f"{_A}.fsrsa:FSRSADiscriminator"},
     code="XinYuANU/FaceAttr @ 0650116b (generator); the attribute head is ours",
     notes="attributes estimated from the bottleneck by a head trained with Eq. 17; none needed at test time")
_add("aacnn", f"{_A}.aacnn:AACNN", display="AACNN", family="attribute", paper=_AACNN_PAPER, venue="CVPRW 2018",
     input="lr", scales=(4, 8, 16), modes=("given", "estimated"), train_inputs=("attributes",),
     code="jingang-cv/tf-AACNN @ 750c783d; hamidreza-dastmalchi/AACNN @ c31bbb2c: generator.py",
     notes="attribute branch (FC -> LR-size map -> convs) fused into the transposed-conv SR branch at every "
           "scale; n_attributes 38 (paper), 9 UTKFace, 40 CelebA")
_add("aacnn_est", f"{_A}.aacnn:AACNN", table7=False, display="AACNN-est", family="attribute",
     section="Attribute-constrained FSR Methods", paper=_AACNN_PAPER, venue="CVPRW 2018", input="lr",
     scales=(4, 8, 16), defaults={"mode": "estimated"}, variant_of="aacnn", train_inputs=("attributes",),
     code="jingang-cv/tf-AACNN @ 750c783d (generator); the attribute head is ours",
     notes="attributes estimated from the image branch by a head trained with Eq. 17; none needed at test time")
_add("sicnn", f"{_I}.sicnn:SICNN", display="SICNN", family="identity",
     paper="Super-Identity Convolutional Neural Network for Face Hallucination (Zhang et al.)", venue="ECCV 2018",
     input="lr", scales=(2, 4, 8, 16), train_inputs=(), parts={"recognizer": f"{_I}.sicnn:SICNNRecognizer"},
     code="thu-scc/ASC19-FaceSR-SICNN @ b200efef: model.py (CNN-H; third stage enabled for x8)",
     notes="CNN-H (dense blocks + transposed convs); super-identity loss = loss 'identity' with variant "
           "'normalized' on dlib's ResNet (the paper's SphereFace CNN-R is not available offline)")
_add("sigan", f"{_I}.sigan:SiGAN", display="SiGAN", family="identity",
     paper="SiGAN: Siamese Generative Adversarial Network for Identity-Preserving Face Hallucination (Hsu et al.)",
     venue="TIP 2019", input="lr", scales=(4, 8, 16), train_inputs=("identity", "reference"),
     parts={"discriminator": f"{_I}.sigan:SiGANDiscriminator"},
     code="jesse1029/SiGAN @ 4870a600: srez_model_sia.py",
     notes="twin generators with shared weights on (face, same-identity reference) and (face, other face) "
           "pairs, contrastive loss Eq. 23-24 on a pooled 128-d embedding (the released FC on unpooled "
           "features has 503M weights)")
_add("wasrgan", f"{_G}.wasrnet:WaSRNet", display="WaSRGAN", family="identity",
     paper="Wavelet Domain Generative Adversarial Network for Multi-scale Face Hallucination (Huang et al.)",
     venue="IJCV 2019", input="lr", scales=(2, 4, 8, 16), train_inputs=(), generator_from="wasrnet",
     parts={"discriminator": f"{_I}.wasrgan:WaveletDiscriminator"},
     code="none public; generator = hhb072/WaveletSRNet @ f0219900: networks.py",
     notes="the WaSRNet generator trained with wavelet + wavelet-domain adversarial + identity (L1) losses; "
           "the discriminator on Haar sub-bands is ours")


_add("iadfh", f"{_I}.iadfh:IADFH", table7=False, display="IADFH", family="identity",
     section="Identity-preserving FSR Methods",
     paper="Identity-Aware Deep Face Hallucination via Adversarial Face Verification (Kazemi et al.)",
     venue="BTAS 2019", input="lr", scales=(4, 8, 16), train_inputs=("identity", "reference"),
     parts={"discriminator": f"{_I}.iadfh:IADFHDiscriminator"},
     code="none public; layers ours",
     notes="paper's: multi-scale generator with an output at every intermediate resolution, three-way pair "
           "discriminator (fake / genuine / imposter) trained with the adversarial face verification loss "
           "(afvl, Eq. 25-26), perceptual similarity loss; ours: EDSR-style generator (8 LR + 2 per-stage "
           "residual blocks, 64 features, to-RGB per stage), 5-conv pair discriminator on concatenated faces; "
           "pairs from the batch's same-identity references (data priors identity + reference); G 1,521,033 params "
           "at x8, D 6,957,379 (the paper states none)")


def model_info(name: str) -> dict[str, Any]:
    """Registry name and metadata of model ``name`` (aliases accepted); no import."""
    entry = _entry(name)
    return {"name": entry.name, **entry.meta}


def list_models(family: str | None = None) -> list[dict[str, Any]]:
    """Name and metadata of every registered model, optionally of one taxonomy ``family``."""
    if family is not None and family not in FAMILIES:
        raise UnknownNameError(f"unknown model family {family!r} (known: {', '.join(FAMILIES)})")
    rows = [{"name": e.name, **e.meta} for e in MODELS]
    return [r for r in rows if family is None or r["family"] == family]


def not_implemented() -> list[str]:
    """Table 7 methods whose architecture this version does not have yet (registry keys)."""
    return [k for k in TABLE7 if k not in MODELS]


def _entry(name: str):
    if name not in MODELS:
        key = str(name).strip().lower().replace("-", "_")
        if key in TABLE7 or key.replace("_", "") in TABLE7:
            row = TABLE7.get(key) or TABLE7[key.replace("_", "")]
            raise UnknownNameError(
                f"model {name!r} ({row.method}, {row.family} family in the survey's Table 7) is not "
                f"implemented yet in this version; implemented: {', '.join(MODELS.names())}"
            )
    return MODELS.entry(name)


def _check_overrides(cls: type, display: str, overrides: dict[str, Any]) -> None:
    params = inspect.signature(cls.__init__).parameters
    accepted = [p for p in params if p not in ("self", "scale")]
    unknown = [k for k in overrides if k not in accepted]
    if unknown:
        raise ConfigError(
            f"{display} has no option {', '.join(map(repr, unknown))}; options: {', '.join(accepted)}"
        )


def _build(cls: type, display: str, seed: int | None, device: Any, kwargs: dict[str, Any]):
    import torch

    _check_overrides(cls, display, {k: v for k, v in kwargs.items() if k != "scale"})
    rng = torch.random.fork_rng(devices=[]) if seed is not None else contextlib.nullcontext()
    dev = torch.device(device) if device is not None else contextlib.nullcontext()
    with rng, dev:
        if seed is not None:
            torch.manual_seed(seed)
        try:
            return cls(**kwargs)
        except TypeError as exc:  # a wrongly typed override
            raise ConfigError(f"{display}: bad option value ({exc})") from None


def create(name: str, scale: int = 8, *, seed: int | None = None, device: Any = None, **overrides: Any):
    """Build network ``name`` for ``scale`` with fresh weights (no pretrained weights are loaded).

    ``overrides`` change constructor arguments (e.g. ``channels=3`` for SRCNN, ``n_resgroups=2``
    for RCAN); a variant's fixed ``defaults`` apply first. ``seed``: initialise under this seed
    without touching the global RNG. ``device``: build directly there (``"meta"`` for counting).
    """
    from .base import check_scale

    info = model_info(name)
    scale = check_scale(info["display"], scale, tuple(info["scales"]))
    kwargs = {**info["defaults"], **overrides, "scale": scale}
    return _build(MODELS.entry(name).load(), info["display"], seed, device, kwargs)


def create_part(name: str, part: str, scale: int = 8, *, seed: int | None = None, device: Any = None,
                **overrides: Any):
    """Build an auxiliary module of method ``name`` (e.g. ``part="discriminator"`` of URDGN)."""
    from ..registry import Entry
    from .base import check_scale

    info = model_info(name)
    parts = info["parts"]
    if part not in parts:
        have = ", ".join(parts) or "none"
        raise UnknownNameError(f"{info['display']} has no part {part!r} (parts: {have})")
    scale = check_scale(info["display"], scale, tuple(info["scales"]))
    cls = Entry(name=f"{name}.{part}", target=parts[part]).load()
    kwargs = dict(overrides)
    if "scale" in inspect.signature(cls.__init__).parameters:
        kwargs["scale"] = scale
    return _build(cls, f"{info['display']} {part}", seed, device, kwargs)


# -- reference FSR (survey §4.5, Table 8): single-face, multi-face and dictionary-guided -------------
def _add_reference(name: str, target: str, **meta: Any) -> None:
    """A reference method: no Table 7 row; its Table 8 row (:mod:`facesr.models.table8`) where it has one."""
    from .table8 import TABLE8

    meta.setdefault("parts", {"discriminator": f"{_R}.common:ReferenceDiscriminator"})
    _add(name, target, table7=False, family="reference", section="Reference FSR Methods",
         table8=TABLE8.get(name), **meta)


_R = "facesr.models.reference"
_FACE128 = "built at this project's 128 px faces (the survey's Table 8 used 256 px)"
_add_reference(
    "gfrnet", f"{_R}.gfrnet:GFRNet", display="GFRNet", subfamily="single-face guided",
    paper="Learning Warped Guidance for Blind Face Restoration (Li et al.)", venue="ECCV 2018",
    input="upsampled", scales=(1, 2, 4, 8, 16), references=1, same_identity=True, alignment="landmarks",
    train_inputs=("hr",),
    code="csxmli2016/GFRNet @ d76a096a (Torch7, test-only; layers inside the .t7)",
    notes=f"WarpNet (pix2pix encoder-decoder without skips) predicts a dense flow from concat(degraded face, "
          f"guide); the guide is warped by bilinear sampling; RecNet (U-Net) restores from concat(degraded face, "
          f"warped guide); WarpNet trained by the landmark loss (flow at the 68 ground-truth landmarks -> guide "
          f"landmarks, both from the package's hourglass net) + TV of the flow; VGG19 perceptual loss in place "
          f"of VGG-Face (not available offline); {_FACE128}, 7 stages instead of 8; 72,520,069 params")
_add_reference(
    "gwainet", f"{_R}.gwainet:GWAInet", display="GWAInet", subfamily="single-face guided",
    paper="Exemplar Guided Face Image Super-Resolution without Facial Landmarks (Dogan, Gu & Timofte)",
    venue="CVPRW 2019", input="lr", scales=(2, 4, 8, 16), references=1, same_identity=True,
    alignment="flow field", train_inputs=(),
    code="berkdogan2/GWAInet @ e3e2333d: model.py (TF1, test-only; warper_11, model_guidance_9)",
    notes=f"flow warper (stride-8 encoder, 8 residual blocks, 3 sub-pixel stages) trained end to end without "
          f"landmarks; guide feature extractor fused into the SR branch at three stages; 4,293,445 params "
          f"(warper 1,297,154 + generator 2,996,291) = methods.md's 4.29M; identity loss on dlib's ResNet "
          f"(the paper's face-recognition net is not available offline); {_FACE128}")
_add_reference(
    "asffnet", f"{_R}.asffnet:ASFFNet", display="ASFFNet", subfamily="multi-face guided",
    paper="Enhanced Blind Face Restoration with Multi-Exemplar Images and Adaptive Spatial Feature Fusion "
          "(Li et al.)", venue="CVPR 2020", input="upsampled", scales=(1, 2, 4, 8, 16), references="3-10",
    same_identity=True, alignment="moving least squares", train_inputs=(),
    code="csxmli2016/ASFFNet512 @ 328e1661: models/ASFFNet.py, utils/ROI_MLS.py (512-px re-implementation, "
         "test-only)",
    notes=f"guidance selection by weighted least-squares landmark alignment (learned landmark weights, "
          f"straight-through in training), MLS warping of guide features (landmarks 17-67), AdaIN, 4 ASFF "
          f"blocks + SFF layer, dilated decoder; 23,626,007 params (ASFFNet512's 23.63M + 68 landmark "
          f"weights); landmarks from the package's hourglass net unless given; {_FACE128}")
_add_reference(
    "mefsr", f"{_R}.mefsr:MEFSR", display="MEFSR", subfamily="multi-face guided",
    paper="Multiple Exemplars-based Hallucination for Face Super-resolution and Editing (Wang, Oramas & "
          "Tuytelaars)", venue="ACCV 2020 (the survey's Fig. 8: WACV 2020)", input="lr", scales=(2, 4, 8, 16),
    references="3-10", same_identity=True, alignment="none", train_inputs=(),
    code="none public; layout from the paper, widths ours",
    notes=f"every exemplar encoded at each stage's size and merged by pixel-wise weighted averaging (PWAve: "
          f"softmax over exemplars of per-pixel scores) at every x2 stage and at the HR size; 2,407,431 params "
          f"at x8; {_FACE128}")
_add_reference(
    "jsrfc", f"{_R}.jsrfc:JSRFC", display="JSRFC", subfamily="dictionary-guided",
    paper="Recovering Extremely Degraded Faces by Joint Super-Resolution and Facial Composite (Li et al.)",
    venue="ICTAI 2019", input="lr", scales=(2, 4, 8, 16), references="any", same_identity=False,
    alignment="landmarks", train_inputs=(),
    code="none public; steps from the survey (§4.5.3), layers ours",
    notes=f"per component (eyes with brows, nose, mouth) the reference whose component, aligned by a landmark "
          f"similarity and brought to the LR resolution, is closest is pasted into a composite; composite + "
          f"mask concatenated with the LR branch; 1,716,675 params at x8; {_FACE128}")
_add_reference(
    "dfdnet", f"{_R}.dfdnet:DFDNet", display="DFDNet", subfamily="dictionary-guided",
    paper="Blind Face Restoration via Deep Multi-scale Component Dictionaries (Li et al.)", venue="ECCV 2020",
    input="upsampled", scales=(1, 2, 4, 8, 16), references="none (offline dictionaries)", same_identity=False,
    alignment="none", train_inputs=(),
    code="csxmli2016/DFDNet @ df949706: models/networks.py (UNetDictFace, test-only)",
    notes=f"K-means component dictionaries (facesr data dictionary) over VGG-19 conv2_2/3_4/4_4/5_4 features "
          f"of the training faces (the project's ImageNet VGG-19 in place of VGGFace, which is not available "
          f"offline); atom selection by inner product after AdaIN, attention-weighted dictionary feature "
          f"transfer, SFT up-blocks; 96,449,935 trainable params = methods.md's 96.45M, besides the frozen "
          f"VGG-19 (20,024,384) and the dictionaries; {_FACE128}")


# -- joint tasks (survey §4.7), applications (§4.8), real-world GANs (§4.1.2) and generative priors
# (§4.1.2): their entries live in torch-free modules --------------------------------------------------
def _load_more_entries() -> None:
    import importlib

    for module in ("zoo_joint", "zoo_application", "zoo_realworld", "zoo_generative"):
        importlib.import_module(f"{__package__}.{module}")


_load_more_entries()
