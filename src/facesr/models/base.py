"""The contract every zoo network keeps, input validation, and the LR -> network-input helper.

Every network takes and returns ``[0,1] float NCHW RGB`` tensors (outputs are not clipped).
Two kinds of input handling exist (registry metadata ``input``):

* ``"lr"``: the raw low-resolution face goes in; the network enlarges it ``scale`` times.
* ``"upsampled"``: the network keeps the size of its input and expects the LR face already
  bicubic-upsampled to the HR size (SRCNN, VDSR, SPARNet, ...).

Callers should not care: :func:`super_resolve` (or :func:`model_input` followed by the network)
always takes the LR face and returns the HR-size result. Which bicubic kernel pre-upsamples is
protocol-dependent and therefore an explicit argument (default MATLAB ``imresize``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import torch
from torch import nn

from ..errors import ConfigError, InputError

InputMode = Literal["lr", "upsampled"]
INPUT_MODES: tuple[str, ...] = ("lr", "upsampled")


class SRNet(nn.Module):
    """Base class of the zoo's super-resolution networks.

    ``upsamples``: True when the network enlarges its input ``scale`` times (raw-LR input),
    False when it keeps the size (bicubic-upsampled, HR-size input). ``size_multiple`` and
    ``min_size`` state what the architecture needs of the input's height and width;
    subclasses call :meth:`check_input` first thing in ``forward``.
    """

    upsamples: bool = True
    size_multiple: int = 1
    min_size: int = 1

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = int(scale)

    def input_hint(self) -> str:
        """What the network expects, for error messages."""
        if self.upsamples:
            return f"a raw LR face ({128 // self.scale}x{128 // self.scale} for a 128x128 result)"
        return "a bicubic-upsampled HR-size face (128x128 for a 128x128 result)"

    def check_input(self, x: torch.Tensor) -> None:
        """Raise :class:`InputError` unless ``x`` is a float N x 3 x H x W batch of a size that fits."""
        name = type(self).__name__
        if not isinstance(x, torch.Tensor):
            raise InputError(f"{name} expects a torch tensor, got {type(x).__name__}")
        if x.dim() != 4 or x.shape[1] != 3:
            raise InputError(f"{name} expects an N x 3 x H x W RGB batch, got shape {tuple(x.shape)}")
        if not x.dtype.is_floating_point:
            raise InputError(f"{name} expects a float tensor in [0,1], got {x.dtype}")
        h, w = int(x.shape[-2]), int(x.shape[-1])
        m, lo = self.size_multiple, self.min_size
        if h % m or w % m or h < lo or w < lo:
            need = []
            if m > 1:
                need.append(f"multiples of {m}")
            if lo > 1:
                need.append(f"at least {lo}")
            raise InputError(
                f"{name} (x{self.scale}) needs height and width {' and '.join(need)}, got {h}x{w}; "
                f"it expects {self.input_hint()}"
            )

    def output_size(self, h: int, w: int) -> tuple[int, int]:
        """Output height and width for an input of ``h x w``."""
        return (h * self.scale, w * self.scale) if self.upsamples else (h, w)


def check_scale(method: str, scale: int, supported: tuple[int, ...]) -> int:
    """Return ``scale`` as int, or raise :class:`ConfigError` naming the supported scales."""
    try:
        s = int(scale)
    except (TypeError, ValueError):
        s = None
    if s is None or s != scale or s not in supported:
        raise ConfigError(
            f"{method} does not support scale {scale!r}; supported: {', '.join(f'x{v}' for v in supported)}"
        )
    return s


def _input_mode(spec: str | Mapping[str, Any] | SRNet) -> str:
    if isinstance(spec, SRNet):
        return "lr" if spec.upsamples else "upsampled"
    mode = spec.get("input") if isinstance(spec, Mapping) else spec
    if mode not in INPUT_MODES:
        raise ConfigError(f"unknown input handling {mode!r}; expected one of {', '.join(INPUT_MODES)}")
    return str(mode)


def model_input(
    lr: torch.Tensor, spec: str | Mapping[str, Any] | SRNet, scale: int, *, kernel: str = "matlab"
) -> torch.Tensor:
    """The tensor a network needs, made from the LR face ``lr`` ([0,1] float NCHW RGB).

    ``spec``: ``"lr"`` / ``"upsampled"``, a registry metadata mapping (key ``input``), or the
    network itself. ``"upsampled"`` networks get ``lr`` bicubic-upsampled ``scale`` times with
    ``kernel`` (``facesr.ops.imresize`` kernels: ``matlab``, ``pil``, ``cv2``, ``bilinear``);
    ``"lr"`` networks get ``lr`` unchanged.
    """
    if _input_mode(spec) == "lr":
        return lr
    from ..ops import imresize

    return imresize(lr, scale, kernel=kernel)


#: ``for_inference``'s bf16 policy, per shipped weights file, keyed by :func:`weights_digest`: the scores
#: of fp32 and bf16-autocast inference measured by ``benchmarks/inference_precision.py`` (protocol
#: ``facesr``, MATLAB-bicubic LR, all 1,000 celeba1000 faces; ``--emit`` prints these entries). bf16 is
#: used only for weights listed here whose entry passes :func:`bf16_acceptable` (<= 0.02 dB PSNR lost on
#: >= 1,000 faces and LPIPS not higher at 4 decimals); every other network runs in fp32.
#: Measured by ``benchmarks/inference_precision.py --limit 1000 --emit`` (Xeon with AMX-BF16, 2 threads,
#: batch 16, channels-last, torch 2.13.0): the three bundled rcan-lite scales lose 0.0033 / 0.0015 /
#: 0.0008 dB (paired standard error 0.0003) with LPIPS level or lower, at 2.2-2.3x the faces/s.
INFERENCE_BF16: dict[str, dict[str, Any]] = {
    "6c022ee4b78f52df": {"label": "rcan-lite x4", "params": 1042307, "faces": 1000, "psnr": (30.7226, 30.7193),
                         "lpips": (0.13273, 0.13268), "ssim": (0.88196, 0.88193), "faces_per_s": (83.2, 185.4)},
    "fa2cb231213c102b": {"label": "rcan-lite x8", "params": 1079299, "faces": 1000, "psnr": (26.0944, 26.0928),
                         "lpips": (0.28762, 0.2872), "ssim": (0.74029, 0.74024), "faces_per_s": (176.4, 412.1)},
    "f541515580b1350e": {"label": "rcan-lite x16", "params": 1116291, "faces": 1000,
                         "psnr": (22.0916, 22.0908), "lpips": (0.53033, 0.52997), "ssim": (0.58046, 0.58038),
                         "faces_per_s": (219.9, 450.9)},
}

#: the limits of :func:`bf16_acceptable`
BF16_MAX_PSNR_LOSS = 0.02
BF16_MIN_FACES = 1000
INFERENCE_PRECISIONS = ("auto", "fp32", "bf16")
PRECISION_ENV = "FACESR_INFERENCE_PRECISION"


def bf16_acceptable(entry: Mapping[str, Any]) -> bool:
    """Whether a measured entry of :data:`INFERENCE_BF16` allows bf16: measured on at least
    :data:`BF16_MIN_FACES` faces, PSNR down by at most :data:`BF16_MAX_PSNR_LOSS` dB, LPIPS not up
    (compared at the 4 decimals it is reported with)."""
    try:
        (psnr32, psnr16), (lp32, lp16) = entry["psnr"], entry["lpips"]
        faces = int(entry["faces"])
    except (KeyError, TypeError, ValueError):
        return False
    return (faces >= BF16_MIN_FACES and psnr16 - psnr32 >= -BF16_MAX_PSNR_LOSS - 1e-9
            and round(lp16, 4) <= round(lp32, 4))


def weights_digest(model: nn.Module) -> str:
    """A 16-hex-digit SHA-256 of ``model``'s state (names, dtypes, shapes and values): identifies
    the weights however they were loaded."""
    import hashlib

    h = hashlib.sha256()
    for name, t in model.state_dict().items():
        t = t.detach()
        h.update(f"{name}:{t.dtype}:{tuple(t.shape)};".encode())
        if t.dtype == torch.bfloat16:
            t = t.view(torch.int16)
        h.update(t.cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def inference_policy(model: nn.Module) -> dict[str, Any] | None:
    """The :data:`INFERENCE_BF16` entry of ``model``'s weights, or ``None`` (unmeasured)."""
    if not INFERENCE_BF16:
        return None
    n = sum(p.numel() for p in model.parameters())
    if not any(int(e.get("params", -1)) == n for e in INFERENCE_BF16.values()):
        return None  # no entry of this size: skip hashing
    return INFERENCE_BF16.get(weights_digest(model))


def _inference_dtype(model: nn.Module, device: torch.device, precision: str) -> str:
    import os

    if precision == "auto":
        precision = os.environ.get(PRECISION_ENV, "").strip().lower() or "auto"
        if precision not in INFERENCE_PRECISIONS:
            raise ConfigError(f"{PRECISION_ENV} must be one of {', '.join(INFERENCE_PRECISIONS)}, "
                              f"got {precision!r}")
    if precision != "auto":
        return precision
    entry = inference_policy(model)
    if entry is None or not bf16_acceptable(entry):
        return "fp32"
    from ..hardware import native_bf16

    return "bf16" if native_bf16(device) else "fp32"  # emulated bf16 is slower than fp32


def super_resolve(model: SRNet, lr: torch.Tensor, *, kernel: str = "matlab",
                  **conditions: torch.Tensor) -> torch.Tensor:
    """Run ``model`` on the LR face ``lr`` ([0,1] float NCHW RGB) -> HR-size result (not clipped).
    ``conditions``: extra network inputs, e.g. ``attributes`` (``N x k``) for given-attribute methods.

    Pre-upsamples with ``kernel`` when the network expects an HR-size input. A network prepared by
    :func:`for_inference` gets its input in the same (channels-last) memory layout and runs in the
    precision chosen there (bf16 autocast: the result is returned as float32).
    """
    x = model_input(lr, model, model.scale, kernel=kernel)
    if getattr(model, "_facesr_channels_last", False):
        x = x.contiguous(memory_format=torch.channels_last)
    if getattr(model, "_facesr_precision", "fp32") == "bf16":
        with torch.autocast(x.device.type, dtype=torch.bfloat16):
            y = model(x, **conditions)
        return y.float()
    return model(x, **conditions)


def for_inference(model: SRNet, device: str | torch.device = "cpu", precision: str = "auto") -> SRNet:
    """``model`` in eval mode on ``device``; on CPU also in channels-last memory layout, where oneDNN's
    convolutions are faster (about 1.2x for the bundled RCAN at batch 16 on 2 cores). Use
    :func:`super_resolve` to run it.

    ``precision``: ``fp32``, ``bf16`` (autocast; weights stay float32) or ``auto``: the environment
    variable ``FACESR_INFERENCE_PRECISION`` when set (``fp32``/``bf16``/``auto``), else bf16 only for
    weights whose measured entry in :data:`INFERENCE_BF16` passes :func:`bf16_acceptable` and on a
    device that computes bf16 natively (AVX512-BF16/AMX-BF16 CPU, CUDA); fp32 for everything else,
    e.g. any network that was not measured. The choice is ``model._facesr_precision``.
    """
    if precision not in INFERENCE_PRECISIONS:
        raise ConfigError(f"precision must be one of {', '.join(INFERENCE_PRECISIONS)}, got {precision!r}")
    model = model.eval()
    chosen = _inference_dtype(model, torch.device(device), precision)
    model = model.to(device)
    if torch.device(device).type == "cpu":
        model = model.to(memory_format=torch.channels_last)
        model._facesr_channels_last = True
    model._facesr_precision = chosen
    return model
