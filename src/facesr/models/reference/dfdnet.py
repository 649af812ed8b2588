"""DFDNet (Li et al., ECCV 2020): blind face restoration with deep multi-scale component dictionaries.

methods.md §8.5; layers after ``csxmli2016/DFDNet @ df949706: models/networks.py`` (``UNetDictFace``,
test-only) at the project's 128 px faces (the paper: 512):

* **Offline**: multi-scale component dictionaries: K-means centres of backbone features of the
  training faces' eyes (with brows), nose and mouth at four layers (``facesr data dictionary``,
  :mod:`facesr.models.reference.dictionary`). The paper's VGGFace is not available offline: the backbone is the
  project's ImageNet VGG-19 (:mod:`facesr.backbones`, Caffe weights), at the layers the reference code
  taps (conv2_2, conv3_4, conv4_4, conv5_4, before their ReLU), each divided by a constant that brings
  it to unit scale on faces (ours: the Caffe weights' features are hundreds of times larger than the
  decoder can take).
* **Dictionary feature transfer** per component and layer: the degraded face's component features
  (box from its landmarks) are compared with every atom after AdaIN (atoms take the component's
  channel statistics) by inner product; the best atom, through an attention block on
  ``atom - component``, is added to the features inside the box (confidence-weighted residual).
* **Decoder**: a multi-scale dilation block on conv5_4, then 4 StyleGAN-style up-blocks whose
  output is modulated (scale and shift, SFT) by the updated features of each layer, and a
  reconstruction head (SN-conv, 2 residual blocks, conv, tanh).

At 128 px the VGG features are 64, 32, 16 and 8 px; atoms are DFDNet's component sizes (80, 80, 50,
110 px at 512) over the layer's stride, at least 2 x 2 (the coarsest layers' components would be
smaller than a feature pixel). 96,449,935 trainable parameters = methods.md's 96.45M (the widths do not
depend on the face size), besides the frozen VGG-19 (20.0M) and the dictionaries (buffers loaded from
the ``dictionary`` file, not part of the weights). The four ToRGB heads of the reference code (unused in
its released forward) give intermediate outputs ``sr_up0..3`` (through tanh) in training for a multi-scale
loss (ours).
"""

from __future__ import annotations

import os

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError, InputError
from .common import ReferenceNet
from .components import PART_SIZES_512, PARTS, crop, part_boxes, paste
from .layers import Blur, MSDilateBlock, lrelu, sn_conv

#: VGG-19 layers the dictionaries live on, their channels and strides on the face
VGG_LAYERS: tuple[str, ...] = ("conv2_2", "conv3_4", "conv4_4", "conv5_4")
VGG_CHANNELS: tuple[int, ...] = (128, 256, 512, 512)
VGG_STRIDES: tuple[int, ...] = (2, 4, 8, 16)
#: divisors that bring each layer's features to a standard deviation near 1 on faces (ours; measured on
#: CelebA-1000: the Caffe VGG-19 reads 0-255 pixels, its pre-ReLU features have std 457, 1076, 755 and 71)
VGG_FEATURE_STD: tuple[float, ...] = (450.0, 1000.0, 750.0, 70.0)
DICTIONARY_FORMAT = "facesr-dictionary-1"


def atom_size(part: str, level: int, face_size: int = 128) -> int:
    """Side of ``part``'s atoms at VGG layer ``level``: DFDNet's part size scaled to the face, over the
    layer's stride, floored, at least 2."""
    return max(2, int(PART_SIZES_512[part] * face_size / 512) // VGG_STRIDES[level])


def feature_scale_tag() -> str:
    """How the features of a dictionary were scaled (its metadata ``feature_std``; must match DFDNet's)."""
    return ",".join(f"{v:g}" for v in VGG_FEATURE_STD)


def dictionary_key(part: str, level: int) -> str:
    return f"{part}.{VGG_LAYERS[level]}"


class ScaledVGG(nn.Module):
    """The frozen VGG-19 that DFDNet and its dictionaries read (project weights, Caffe normalisation), its
    features divided by :data:`VGG_FEATURE_STD` (the decoder's SFT blocks multiply by functions of them:
    at the Caffe scale they overflow within four blocks)."""

    def __init__(self, pretrained: bool = True) -> None:
        super().__init__()
        from ...backbones import FeatureExtractor

        meta = torch.empty(0).device.type == "meta"  # built for counting: no weights to read
        self.features = FeatureExtractor("vgg19", layers=VGG_LAYERS, pretrained=pretrained and not meta)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        feats = self.features(x)
        return {k: feats[k] / s for k, s in zip(VGG_LAYERS, VGG_FEATURE_STD)}

    def train(self, mode: bool = True) -> ScaledVGG:  # frozen: always in eval mode
        super().train(False)
        return self


def vgg_extractor(pretrained: bool = True) -> nn.Module:
    """:class:`ScaledVGG`."""
    return ScaledVGG(pretrained)


def component_features(feats: dict[str, torch.Tensor], landmarks: torch.Tensor, face_size: int
                       ) -> dict[str, torch.Tensor]:
    """Each component's features at every layer, cropped from VGG ``feats`` by the boxes of
    ``landmarks`` and resampled to the atom size: ``{dictionary_key: N x C x s x s}``."""
    boxes = part_boxes(landmarks, face_size)
    out = {}
    for level, layer in enumerate(VGG_LAYERS):
        for p, part in enumerate(PARTS):
            out[dictionary_key(part, level)] = crop(feats[layer], boxes[:, p], atom_size(part, level, face_size),
                                                    face_size)
    return out


def load_dictionary(path: str | os.PathLike[str]) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Atoms ``{dictionary_key: K x C x s x s}`` and metadata of a file written by
    :func:`facesr.models.reference.dictionary.build_dictionary`."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), "pt") as fh:
            meta = fh.metadata() or {}
            atoms = {k: fh.get_tensor(k).float() for k in fh.keys()}
    except FileNotFoundError:
        raise InputError(f"{path}: no such dictionary file (build one with 'facesr data dictionary')") from None
    except Exception as exc:
        raise InputError(f"{path}: cannot read the dictionary ({type(exc).__name__}: {exc})") from None
    if meta.get("format") != DICTIONARY_FORMAT:
        raise InputError(f"{path}: not a facesr component dictionary (format {meta.get('format')!r})")
    return atoms, meta


def select_atoms(patch: torch.Tensor, atoms: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """For each component patch (N x C x s x s): the atom (K x C x s x s) with the largest inner
    product after AdaIN to the patch's channel statistics, returned AdaIN-ed (N x C x s x s).

    With z the atoms normalised per channel, ``<patch, z * sd + mean>`` = ``<patch * sd, z>`` + a term
    that is the same for every atom, so the scores are one matrix product."""
    z = atoms.flatten(2)
    z = (z - z.mean(-1, keepdim=True)) / (z.var(-1, keepdim=True) + eps).sqrt()       # K x C x s^2
    flat = patch.flatten(2)
    mean = flat.mean(-1, keepdim=True)
    sd = (flat.var(-1, keepdim=True) + eps).sqrt()                                    # N x C x 1
    scores = (flat * sd).flatten(1) @ z.flatten(1).t().to(flat.dtype)                # N x K
    best = z[scores.argmax(dim=1)].to(flat.dtype)                                     # N x C x s^2
    return (best * sd + mean).reshape(patch.shape)


def attention_block(c: int) -> nn.Sequential:
    return nn.Sequential(sn_conv(c, c), lrelu(), sn_conv(c, c))


def to_rgb(c: int) -> nn.Sequential:
    return nn.Sequential(sn_conv(c, c), lrelu(), sn_conv(c, 3))


class StyledUpBlock(nn.Module):
    """Blur + SN-conv + LReLU (twice, as the reference code), spatial feature transform by the updated
    encoder features (scale: 2 SN-convs; shift: 2 SN-convs + sigmoid), bilinear x2 + SN-conv + LReLU."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(Blur(cin), sn_conv(cin, cout), lrelu(), lrelu())
        self.scale = nn.Sequential(sn_conv(cin, cout), lrelu(), sn_conv(cout, cout))
        self.shift = nn.Sequential(sn_conv(cin, cout), lrelu(), sn_conv(cout, cout), nn.Sigmoid())
        self.up = nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                                sn_conv(cout, cout), lrelu())

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        return self.up(self.conv(x) * self.scale(style) + self.shift(style))


class UpResBlock(nn.Module):
    """x + conv - LReLU - conv (plain convolutions)."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1), lrelu(), nn.Conv2d(c, c, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class DFDNet(ReferenceNet):
    """Upsampled degraded face N x 3 x 128 x 128 -> N x 3 x 128 x 128, restored with the component
    dictionaries of file ``dictionary`` (None: random atoms, ``atoms`` per component and layer, only
    for trial runs; on the meta device the file is not read). No reference of the same person is needed
    (``reference`` is ignored if given)."""

    upsamples = False
    size_multiple = 16
    conditions: tuple[str, ...] = ()
    needs_landmarks = True

    def __init__(self, scale: int = 8, dictionary: str | None = None, atoms: int = 512, face_size: int = 128,
                 vgg_pretrained: bool = True) -> None:
        super().__init__(scale)
        self.face_size = int(face_size)
        self.dictionary_path = dictionary
        self.vgg = vgg_extractor(vgg_pretrained)
        self.attention = nn.ModuleDict({dictionary_key(p, lv).replace(".", "_"): attention_block(c)
                                        for lv, c in enumerate(VGG_CHANNELS) for p in PARTS})
        f = VGG_CHANNELS[-1] // 8  # the decoder's widths follow VGG's: 512 at conv5_4 (the reference's ngf 64)
        self.msdilate = MSDilateBlock(8 * f, (4, 3, 2, 1), variant="dfd")
        self.ups = nn.ModuleList([StyledUpBlock(8 * f, 8 * f), StyledUpBlock(8 * f, 4 * f),
                                  StyledUpBlock(4 * f, 2 * f), StyledUpBlock(2 * f, f)])
        self.head = nn.Sequential(sn_conv(f, f), lrelu(), UpResBlock(f), UpResBlock(f), nn.Conv2d(f, 3, 3, 1, 1),
                                  nn.Tanh())
        self.to_rgb = nn.ModuleList([to_rgb(8 * f), to_rgb(4 * f), to_rgb(2 * f), to_rgb(f)])
        self.aux_outputs = ("sr_up0", "sr_up1", "sr_up2", "sr_up3")
        self._init_dictionary(dictionary, atoms)

    def _init_dictionary(self, path: str | None, atoms: int) -> None:
        on_meta = torch.empty(0).device.type == "meta"  # built for counting: the file is not read
        loaded, meta = load_dictionary(path) if path and not on_meta else ({}, {})
        if loaded and int(meta.get("face_size", self.face_size)) != self.face_size:
            raise ConfigError(f"{path}: dictionary built for {meta.get('face_size')} px faces, DFDNet runs at "
                              f"{self.face_size}")
        if loaded and meta.get("feature_std") != feature_scale_tag():
            raise ConfigError(f"{path}: dictionary of features scaled by {meta.get('feature_std')!r}, DFDNet "
                              f"scales them by {feature_scale_tag()!r}: rebuild it with 'facesr data dictionary'")
        for lv, c in enumerate(VGG_CHANNELS):
            for part in PARTS:
                key, s = dictionary_key(part, lv), atom_size(part, lv, self.face_size)
                if loaded:
                    if key not in loaded or tuple(loaded[key].shape[1:]) != (c, s, s):
                        got = tuple(loaded[key].shape) if key in loaded else "missing"
                        raise ConfigError(f"{path}: atoms {key} are {got}, expected K x {c} x {s} x {s}")
                    value = loaded[key]
                else:
                    value = torch.randn(atoms, c, s, s)
                self.register_buffer("dict_" + key.replace(".", "_"), value, persistent=False)

    def atoms(self, part: str, level: int) -> torch.Tensor:
        return getattr(self, "dict_" + dictionary_key(part, level).replace(".", "_"))

    def transfer(self, feats: dict[str, torch.Tensor], landmarks: torch.Tensor) -> list[torch.Tensor]:
        """Every layer's features updated with the dictionaries in the component boxes."""
        size = float(self.face_size)
        boxes = part_boxes(landmarks, size)
        updated = []
        for lv, layer in enumerate(VGG_LAYERS):
            f = feats[layer]
            upd = f
            for p, part in enumerate(PARTS):
                s = atom_size(part, lv, self.face_size)
                patch = crop(f, boxes[:, p], s, size)
                swap = select_atoms(patch, self.atoms(part, lv))
                att = self.attention[dictionary_key(part, lv).replace(".", "_")](swap - patch)
                pasted, _ = paste(att * swap, boxes[:, p], f.shape[-2], f.shape[-1], size)
                upd = upd + pasted
            updated.append(upd)
        return updated

    def forward(self, x: torch.Tensor, reference: torch.Tensor | None = None, landmarks: torch.Tensor | None = None,
                reference_landmarks: torch.Tensor | None = None, aux: bool = False):
        self.check_input(x)
        if x.shape[-1] != self.face_size or x.shape[-2] != self.face_size:
            raise InputError(f"DFDNet runs on {self.face_size} x {self.face_size} faces (its dictionaries' size), "
                             f"got {x.shape[-2]} x {x.shape[-1]}")
        lms = self.face_landmarks(x, landmarks)
        feats = self.vgg(x)
        updated = self.transfer(feats, lms)
        h = self.msdilate(feats[VGG_LAYERS[-1]])
        outs = []
        for up, style in zip(self.ups, reversed(updated)):
            h = up(h, style)
            outs.append(h)
        sr = (self.head(h) + 1.0) / 2.0
        if not aux:
            return sr
        extra = {f"sr_up{i}": (torch.tanh(F.interpolate(rgb(o), size=x.shape[-2:], mode="bilinear",
                                                        align_corners=False)) + 1.0) / 2.0
                 for i, (rgb, o) in enumerate(zip(self.to_rgb, outs))}
        return {"sr": sr, **extra}

    def example_conditions(self, x: torch.Tensor, k: int | None = None) -> dict[str, torch.Tensor]:
        from .common import example_landmarks

        return {"landmarks": example_landmarks(x.shape[0], x.shape[-1], x)}
