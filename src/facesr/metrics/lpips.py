"""LPIPS v0.1 (Zhang et al. 2018) with AlexNet or VGG16, from offline weights; plus the survey variant.

Standard LPIPS: RGB in ``[-1, 1]`` -> scaling layer ``(x - shift) / scale`` -> backbone taps
(AlexNet ReLUs 1..5 or VGG16 relu1_2/2_2/3_3/4_3/5_3) -> unit-normalise over channels
(``x / (||x|| + 1e-10)``) -> squared difference -> 1x1 "lin" conv (official v0.1 weights from the
``lpips`` package) -> spatial mean -> sum over the five layers. Lower is better.

``alex-y-raw`` reproduces the survey's published script (Face-Hallucination-Benchmark
``calc_lpips.py``): the uint8 SR/HR are reduced to the rounded BT.601 Y plane (values 16..235),
border-cropped by the protocol's crop, and fed **un-normalised** to LPIPS-alex (the scaling layer
broadcasts the single plane to three channels). Its numbers are not comparable with standard
LPIPS; it exists only to reproduce the survey's tables and is always labelled as such.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import nn

from ..backbones import FeatureExtractor
from ..backbones.sources import LPIPS_LIN
from ..errors import InputError
from .base import Metric

SHIFT = (-0.030, -0.088, -0.188)
SCALE = (0.458, 0.448, 0.450)
TAPS = {"alex": ("alexnet", (1, 4, 7, 9, 11)), "vgg": ("vgg16", (3, 8, 15, 22, 29))}
#: Smallest square input each backbone accepts up to its last tap.
MIN_SIZE = {"alex": 31, "vgg": 16}
VARIANTS = ("alex", "vgg", "alex-y-raw")


@functools.cache
def _lin_weights(net: str) -> tuple[torch.Tensor, ...]:
    state = torch.load(LPIPS_LIN[net].path(), map_location="cpu")
    return tuple(state[f"lin{k}.model.1.weight"].to(torch.float32) for k in range(5))


class LPIPSNet(nn.Module):
    """LPIPS v0.1 distance network. ``forward(x, y)`` takes inputs already on LPIPS's scale
    (``[-1, 1]`` RGB for the standard metric) as ``N x 3 x H x W`` and returns ``float32 [N]``.
    """

    def __init__(self, net: str = "alex") -> None:
        super().__init__()
        if net not in TAPS:
            raise InputError(f"unknown LPIPS backbone {net!r} (alex or vgg)")
        arch, taps = TAPS[net]
        self.net = net
        self.features = FeatureExtractor(arch, layers=taps, normalize="none")
        for k, w in enumerate(_lin_weights(net)):
            self.register_buffer(f"lin{k}", w.clone(), persistent=False)
        self.register_buffer("shift", torch.tensor(SHIFT).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("scale", torch.tensor(SCALE).view(1, 3, 1, 1), persistent=False)
        self.eval().requires_grad_(False)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        size = min(x.shape[-2:])
        if size < MIN_SIZE[self.net]:
            raise InputError(f"LPIPS-{self.net} needs images of at least {MIN_SIZE[self.net]}x"
                             f"{MIN_SIZE[self.net]} px, got {x.shape[-2]}x{x.shape[-1]}")
        n = x.shape[0]
        z = (torch.cat([x, y]) - self.shift) / self.scale
        total = torch.zeros(n, dtype=z.dtype, device=z.device)
        for k, f in enumerate(self.features(z).values()):
            f = f / (f.pow(2).sum(dim=1, keepdim=True).sqrt() + 1e-10)
            d = (f[:n] - f[n:]).pow(2)
            total = total + F.conv2d(d, getattr(self, f"lin{k}")).mean(dim=(1, 2, 3))
        return total


def survey_y_plane(x: torch.Tensor, crop: int) -> torch.Tensor:
    """``[0,1]`` RGB -> the survey script's LPIPS input: rounded uint8 RGB -> rounded Y601
    (16..235), cropped by ``crop`` px per side, replicated to 3 channels, float32 (not normalised).
    """
    from ..ops.color import rgb_to_y

    v = (x.detach().to(torch.float64).clamp(0, 1) * 255.0).round()
    y = rgb_to_y(v, "y601").round()
    if crop:
        if 2 * crop >= min(y.shape[-2:]):
            h, w = y.shape[-2:]
            raise InputError(f"border crop of {crop} px leaves nothing of a {h}x{w} image")
        y = y[..., crop:-crop, crop:-crop]
    return y.expand(-1, 3, -1, -1).to(torch.float32)


class LPIPS(Metric):
    """LPIPS v0.1 distance (lower is better). The variant is ``net`` when given, else the
    protocol's ``lpips`` field: ``alex``/``vgg`` (RGB in [-1,1]) or ``alex-y-raw`` (survey script).
    Inputs are ``[0,1] float NCHW RGB``; pairs are scored in batches of ``batch_size``.
    """

    name = "lpips"
    higher_better = False
    needs_hr = True
    fixed_variant: str | None = None

    def __init__(self, protocol="facesr", scale: float = 1, device: str = "cpu", net: str | None = None,
                 batch_size: int = 50) -> None:
        super().__init__(protocol=protocol, scale=scale, device=device)
        variant = net or self.fixed_variant or self.protocol.lpips
        if variant not in VARIANTS:
            raise InputError(f"unknown LPIPS variant {variant!r} (known: {', '.join(VARIANTS)})")
        self.variant = variant
        self.batch_size = max(1, int(batch_size))
        self.net = LPIPSNet("vgg" if variant == "vgg" else "alex").to(self.device)

    @torch.no_grad()
    def score(self, sr: torch.Tensor, hr: torch.Tensor | None) -> torch.Tensor:
        assert hr is not None
        out = []
        crop = self.protocol.crop_for(self.scale)
        for i in range(0, sr.shape[0], self.batch_size):
            a, b = sr[i:i + self.batch_size].to(self.device), hr[i:i + self.batch_size].to(self.device)
            if self.variant == "alex-y-raw":
                a, b = survey_y_plane(a, crop), survey_y_plane(b, crop)
            else:
                a, b = a.to(torch.float32) * 2 - 1, b.to(torch.float32) * 2 - 1
            out.append(self.net(a, b).to("cpu", torch.float64))
        return torch.cat(out)

    def describe(self) -> str:
        if self.variant == "alex-y-raw":
            conv = (f"LPIPS-alex v0.1 on the raw rounded Y601 plane (16..235, not normalised), "
                    f"crop {self.protocol.crop_for(self.scale)} px: the survey script's variant, "
                    f"NOT comparable with standard LPIPS")
        else:
            conv = f"LPIPS v0.1 {'AlexNet' if self.variant == 'alex' else 'VGG16'}, RGB in [-1,1], no crop"
        return f"{conv}; protocol {self.protocol.name}"


class LPIPSAlex(LPIPS):
    """LPIPS v0.1 AlexNet on RGB in [-1,1], whatever the protocol."""

    name = "lpips_alex"
    fixed_variant = "alex"


class LPIPSVGG(LPIPS):
    """LPIPS v0.1 VGG16 on RGB in [-1,1], whatever the protocol."""

    name = "lpips_vgg"
    fixed_variant = "vgg"


class LPIPSSurveyY(LPIPS):
    """The survey script's LPIPS-alex on the raw, border-cropped Y plane (not standard LPIPS)."""

    name = "lpips_survey_y"
    fixed_variant = "alex-y-raw"
