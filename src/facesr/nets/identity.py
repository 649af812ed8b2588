"""dlib's ResNet face-recognition network (``dlib_face_recognition_resnet_model_v1.dat``) in torch.

A differentiable port for identity losses (survey Eq. 18): the weights are read from dlib's own
file (:mod:`facesr.nets.dlib_format`), converted once and cached as safetensors under
``$FACESR_CACHE/weights``. The file comes from the ``face-recognition-models`` package (found by
path, never downloaded).

Architecture (dlib's ``dnn_face_recognition_ex``; 29 conv layers): input ``(x - mean) / 256`` on
0..255 RGB; conv 7x7/2 (32) + affine + ReLU; max-pool 3x3/2; residual stages
32 x3 | 64 down + x3 | 128 down + x2 | 256 down + x2 | 256 down; global average pool; FC 256 -> 128
(no bias). A residual block is conv3x3(stride) - affine - ReLU - conv3x3 - affine, added to its
input (a "down" block adds a 2x2/2 average pool of the input, zero-padded to the larger channel
count and spatial size, as dlib's ``add_prev``), then ReLU. dlib's unpadded stride-2 convolutions
are kept (padding 0), so sizes go 150 -> 72 -> 35 -> 17 -> 8 -> 4 -> 2.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..errors import InputError

CACHE_NAME = "dlib_face_recognition_resnet_v1.safetensors"
CHIP_SIZE = 150
#: (channels, down-sampling first block, blocks) of the residual stages, input side first.
STAGES = ((32, False, 3), (64, True, 4), (128, True, 3), (256, True, 3), (256, True, 1))


class Affine(nn.Module):
    """Per-channel ``gamma * x + beta`` (dlib's ``affine`` layer: a frozen batch norm)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma.view(1, -1, 1, 1) + self.beta.view(1, -1, 1, 1)


def add_prev(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """dlib's ``add_prev``: sum of two tensors zero-padded (bottom/right/last channels) to the larger size."""
    if a.shape == b.shape:
        return a + b
    shape = [max(x, y) for x, y in zip(a.shape, b.shape)]
    out = a.new_zeros(shape)
    out[: a.shape[0], : a.shape[1], : a.shape[2], : a.shape[3]] += a
    out[: b.shape[0], : b.shape[1], : b.shape[2], : b.shape[3]] += b
    return out


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, down: bool) -> None:
        super().__init__()
        stride = 2 if down else 1
        self.down = down
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=0 if down else 1)
        self.bn1 = Affine(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.bn2 = Affine(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        skip = F.avg_pool2d(x, 2, 2) if self.down else x
        return F.relu(add_prev(y, skip))


class DlibFaceResNet(nn.Module):
    """128-d face descriptors of ``[0,1] float NCHW RGB`` faces (resized to 150x150 bilinearly if
    needed; dlib's aligned 150x150 chips give dlib's own descriptors)."""

    def __init__(self, mean: tuple[float, float, float] = (122.782, 117.001, 104.298)) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1))
        self.conv1 = nn.Conv2d(3, 32, 7, stride=2)
        self.bn1 = Affine(32)
        blocks, cin = [], 32
        for cout, down, n in STAGES:
            for i in range(n):
                blocks.append(ResBlock(cin, cout, down and i == 0))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(256, 128, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 3:
            raise InputError(f"the face-recognition network needs N x 3 x H x W RGB, got {tuple(x.shape)}")
        if x.shape[-2:] != (CHIP_SIZE, CHIP_SIZE):
            x = F.interpolate(x, size=(CHIP_SIZE, CHIP_SIZE), mode="bilinear", align_corners=False)
        h = (x * 255.0 - self.mean) / 256.0
        h = F.max_pool2d(F.relu(self.bn1(self.conv1(h))), 3, 2)
        h = self.blocks(h)
        return self.fc(h.mean(dim=(2, 3)))


def state_from_dlib(path: str | Path) -> tuple[dict[str, torch.Tensor], tuple[float, float, float]]:
    """Convert dlib's ``.dat`` file to this module's state dict (and the input mean)."""
    from .dlib_format import read_layers

    layers = read_layers(path)
    ref = DlibFaceResNet()
    convs = [m for m in ref.modules() if isinstance(m, nn.Conv2d)]
    affines = [m for m in ref.modules() if isinstance(m, Affine)]
    names = {m: n for n, m in ref.named_modules()}
    got_c = [layer for layer in layers if layer.kind == "con"]
    got_a = [layer for layer in layers if layer.kind == "affine"]
    got_f = [layer for layer in layers if layer.kind == "fc"]
    if len(got_c) != len(convs) or len(got_a) != len(affines) or len(got_f) != 1:
        raise InputError(f"{path}: expected {len(convs)} conv, {len(affines)} affine and 1 fc layers, found "
                         f"{len(got_c)}, {len(got_a)}, {len(got_f)}")
    state: dict[str, torch.Tensor] = {}
    for conv, layer in zip(convs, got_c):
        f = layer.fields
        w_shape = tuple(conv.weight.shape)
        stride = conv.stride[0]
        if (f["filters"], f["nr"], f["stride_y"], f["padding_y"]) != (w_shape[0], w_shape[2], stride, conv.padding[0]):
            raise InputError(f"{path}: conv layer {names[conv]} differs from dlib's ({f})")
        n = int(np.prod(w_shape))
        if layer.params.size != n + w_shape[0]:
            raise InputError(f"{path}: conv layer {names[conv]} has {layer.params.size} values, "
                             f"expected {n + w_shape[0]}")
        state[f"{names[conv]}.weight"] = torch.from_numpy(layer.params[:n].reshape(w_shape).copy())
        state[f"{names[conv]}.bias"] = torch.from_numpy(layer.params[n:].copy())
    for aff, layer in zip(affines, got_a):
        c = aff.gamma.numel()
        if layer.params.size != 2 * c:
            raise InputError(f"{path}: affine layer {names[aff]} has {layer.params.size} values, expected {2 * c}")
        state[f"{names[aff]}.gamma"] = torch.from_numpy(layer.params[:c].copy())
        state[f"{names[aff]}.beta"] = torch.from_numpy(layer.params[c:].copy())
    fc = got_f[0].params  # (inputs, outputs): y = x @ params
    state["fc.weight"] = torch.from_numpy(np.ascontiguousarray(fc.T))
    mean = tuple(float(v) for v in layers[0].fields["mean"])
    state["mean"] = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
    return state, mean  # type: ignore[return-value]


@functools.cache
def _cached_state_path() -> Path:
    from ..faces.dlib_models import model_path
    from ..io import atomic_write
    from ..paths import cache_dir

    target = cache_dir("weights") / CACHE_NAME
    if not target.is_file():
        from safetensors.torch import save_file

        state, _ = state_from_dlib(model_path("resnet"))
        with atomic_write(target) as tmp:
            save_file({k: v.contiguous() for k, v in state.items()}, str(tmp))
    return target


def dlib_face_resnet(device: str | torch.device = "cpu") -> DlibFaceResNet:
    """The pretrained network (frozen, eval mode), converted from dlib's file on first use."""
    from safetensors.torch import load_file

    net = DlibFaceResNet()
    net.load_state_dict(load_file(str(_cached_state_path())))
    return net.eval().requires_grad_(False).to(device)
