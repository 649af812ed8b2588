"""AACNN (Lee et al., CVPRW'18, "Attribute Augmented CNN for Face Hallucination"): an attribute
branch whose features are fused into the SR branch at every scale.

Layout (TF code ``jingang-cv/tf-AACNN @ 750c783d``, ``hamidreza-dastmalchi/AACNN @ c31bbb2c:
generator.py``; methods.md §5.2), PReLU(0.25) wherever an activation is used, data in [-1,1]
inside, raw LR in:

* branch A (image): 3 x conv 3x3 (3 -> 32 -> 32 -> 32);
* branch B (attributes): FC (k -> h*w*3) + PReLU, reshaped to h x w x 3, 3 x conv 3x3 (32);
* fusion: [A || B] (64) -> conv 3x3 -> 32 (``p1``, no activation) -> 3 x conv 3x3 (32) + PReLU ->
  one transposed conv per x2 stage (x8: ConvT 3x3 (32 -> 64) = f1, ConvT 3x3 (64 -> 64) = f2,
  ConvT 5x5 (64 -> 128) = f3, PReLU between);
* main path: ConvT 3x3 s1 (3 -> 512) on the LR face || p1 -> PReLU, then per x2 stage ConvT s2
  concatenated with the fusion feature of that size (x8: 544 -> 256 || f1, 320 -> 128 || f2,
  192 -> 64 || f3), PReLU; ConvT 5x5 s1 (192 -> 3) -> tanh.

x8 is the survey's setting of the paper's network (16x16 -> 128x128, 38 CelebA attributes); x4 and
x16 drop or add a stage (tables below, ours). Stride-2 transposed convs use padding k // 2 and
output padding 1 (exact doubling, TF "SAME").
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError
from ..base import SRNet
from .conditioning import UNKNOWN, AttributeConditioned, AttributeHead

#: main-path widths (the s1 ConvT, then one per x2 stage) per scale.
MAIN: dict[int, tuple[int, ...]] = {4: (512, 256, 128), 8: (512, 256, 128, 64), 16: (512, 256, 128, 64, 32)}
#: (kernel of the main-path ConvT, fusion width, fusion ConvT kernel) per x2 stage.
STAGES: dict[int, tuple[tuple[int, int, int], ...]] = {
    4: ((3, 64, 3), (5, 128, 5)),
    8: ((3, 64, 3), (5, 64, 3), (5, 128, 5)),
    16: ((3, 64, 3), (5, 64, 3), (5, 64, 3), (5, 128, 5)),
}


def _convt(cin: int, cout: int, k: int, stride: int) -> nn.ConvTranspose2d:
    return nn.ConvTranspose2d(cin, cout, k, stride, padding=k // 2, output_padding=stride - 1)


def _convs(cin: int, width: int, n: int) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i in range(n):
        layers += [nn.Conv2d(cin if i == 0 else width, width, 3, padding=1), nn.PReLU(init=0.25)]
    return layers


class AACNN(AttributeConditioned, SRNet):
    """AACNN generator: raw LR [0,1] RGB ``N x 3 x h x w`` (+ ``attributes N x k``) -> ``N x 3 x sh x sw``.

    ``lr_size``: the LR side the attribute FC is built for (default ``128 / scale``; the FC makes
    an h x w map, so other sizes are an error). ``mode``: ``given`` or ``estimated`` (a head on
    branch A's pooled features predicts the attributes; :mod:`.conditioning`).
    """

    upsamples = True
    lr_size_reason = "the attribute FC makes a map of that size; option lr_size"

    def __init__(self, scale: int = 8, n_attributes: int = 38, mode: str = "given", unknown: float = UNKNOWN,
                 lr_size: int | None = None, width: int = 32) -> None:
        super().__init__(scale)
        if scale not in STAGES:
            raise ConfigError(f"AACNN supports scales {', '.join(f'x{s}' for s in STAGES)}, not x{scale}")
        self.setup_attributes("AACNN", mode, n_attributes, unknown)
        self.lr_size = int(lr_size) if lr_size is not None else 128 // scale
        h = self.lr_size
        self.size_multiple = self.min_size = h
        k, w = self.n_attributes, width
        self.branch_a = nn.Sequential(*_convs(3, w, 3))
        self.attr_fc = nn.Sequential(nn.Linear(k, h * h * 3), nn.PReLU(init=0.25))
        self.branch_b = nn.Sequential(*_convs(3, w, 3))
        self.head = AttributeHead(w, k) if self.mode == "estimated" else None
        self.p1 = nn.Conv2d(2 * w, w, 3, padding=1)
        self.fusion_convs = nn.Sequential(*_convs(w, w, 3))
        self.fusion_up = nn.ModuleList()
        cin = w
        for _, fw, fk in STAGES[scale]:
            self.fusion_up.append(_convt(cin, fw, fk, 2))
            cin = fw
        main = MAIN[scale]
        self.main_in = _convt(3, main[0], 3, 1)
        self.main_up = nn.ModuleList()
        cin = main[0] + w
        for (mk, fw, _), cout in zip(STAGES[scale], main[1:]):
            self.main_up.append(_convt(cin, cout, mk, 2))
            cin = cout + fw
        self.main_out = _convt(cin, 3, 5, 1)
        n_act = 1 + len(STAGES[scale])
        self.main_act = nn.ModuleList(nn.PReLU(init=0.25) for _ in range(n_act))
        self.fusion_act = nn.ModuleList(nn.PReLU(init=0.25) for _ in range(len(STAGES[scale]) - 1))

    def forward(self, x: torch.Tensor, attributes: torch.Tensor | None = None, aux: bool = False):
        self.check_input(x)
        n, h = x.shape[0], self.lr_size
        xi = x * 2.0 - 1.0
        fa = self.branch_a(xi)
        attrs = self.resolve(attributes, n, lambda: self.head(fa.mean(dim=(2, 3))))
        fb = self.branch_b(self.attr_fc(attrs.to(xi)).view(n, 3, h, h))
        p1 = self.p1(torch.cat([fa, fb], dim=1))
        f = self.fusion_convs(p1)
        fused = []
        for i, up in enumerate(self.fusion_up):
            f = up(f)
            fused.append(f)
            if i < len(self.fusion_act):
                f = self.fusion_act[i](f)
        m = self.main_act[0](torch.cat([self.main_in(xi), p1], dim=1))
        for i, (up, skip) in enumerate(zip(self.main_up, fused)):
            m = self.main_act[i + 1](torch.cat([up(m), skip], dim=1))
        sr = (torch.tanh(self.main_out(m)) + 1.0) / 2.0
        return self.finish(sr, attrs, aux, self.mode)
