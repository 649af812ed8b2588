"""SiGAN (Hsu et al., TIP'19, "SiGAN: Siamese Generative Adversarial Network for Identity-Preserving
Face Hallucination"): twin generators with shared weights trained with a pair contrastive loss
(survey Eq. 23-24), plus a discriminator.

Generator (``jesse1029/SiGAN @ 4870a600: srez_model_sia.py``, ``_generator_model``; methods.md
§6.2), raw LR in, [0,1] inside:

* per x2 stage with width n (x4: 416, 240 as released; x8: 416, 240, 240; x16: 416, 240, 240,
  240): conv 1x1 (-> n) + ReLU; dense blocks (the released code's ``nums = [2, 3, 4]``: 2, 3, 4 per
  stage; x16 repeats 4 in its fourth stage, ours), each 3 x
  [BN-ReLU-conv 3x3 (-> 64), BN-ReLU-conv 3x3 (-> 16)] with the 16 new channels concatenated
  (+48), then a transition BN + conv 3x3 (same width); nearest x2 -> BN -> ReLU -> ConvT 3x3 s1 (-> n);
* head: conv 3x3 (256) + BN + ReLU, conv 3x3 (256) + ReLU, conv 1x1 (256) + ReLU, conv 1x1 (3),
  sigmoid.

Identity embedding ``F_E`` (Eq. 24): the released code flattens the last stage's 128 x 128 x 240
features into an FC layer (503M weights, which the survey does not count); ours average-pools
them first: FC (240 -> 128) + softmax, so Eq. 24's L1 distance lies in [0, 2] and the paper's
margin 0.5 keeps its meaning.

Twin generators with shared weights are one network applied to both faces of a pair. In training
(``aux=True``) it gets the batch's LR faces and, per face, ``reference`` (another HR face of the
same identity, data prior ``reference``) and ``identity`` (its label, prior ``identity``). The
reference is reduced to the LR size with MATLAB bicubic (``pair_kernel``) and super-resolved by the
twin. Pairs: (face, its reference), same identity (y = 1), and (face, the next face of the batch),
y = 1 iff both identity labels are known and equal. Returns ``feat1``, ``feat2``, ``same`` (the
contrastive loss's inputs) and ``sr_down``: the SR face box-averaged to the LR size (the released
code's LR-consistency term ``L1(down(SR), LR)`` replaces an HR pixel loss).

Discriminator (:class:`SiGANDiscriminator`): 4 x [conv 3x3 s2 + BN + ReLU] (64 / 128 / 256 / 384),
conv 3x3 (384) + BN + ReLU, conv 1x1 (384) + BN + ReLU, conv 1x1 (-> 1), spatial mean: one logit per
face; data in [-1,1] inside.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError, InputError
from ...priors.hints import prior_hint
from ..base import SRNet

#: stage widths per scale (one x2 stage each).
WIDTHS: dict[int, tuple[int, ...]] = {4: (416, 240), 8: (416, 240, 240), 16: (416, 240, 240, 240)}
#: dense blocks per stage.
BLOCKS: dict[int, tuple[int, ...]] = {4: (2, 3), 8: (2, 3, 4), 16: (2, 3, 4, 4)}

IDENTITY_HINT = prior_hint(["identity", "reference"])


def _bn_relu_conv(cin: int, cout: int, k: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(), nn.Conv2d(cin, cout, k, padding=k // 2))


class SiGANDenseBlock(nn.Module):
    """``units`` x [BN-ReLU-conv (-> bottleneck), BN-ReLU-conv (-> growth)], concatenated; transition."""

    def __init__(self, cin: int, units: int = 3, bottleneck: int = 64, growth: int = 16) -> None:
        super().__init__()
        self.units = nn.ModuleList(
            nn.Sequential(_bn_relu_conv(cin + i * growth, bottleneck), _bn_relu_conv(bottleneck, growth))
            for i in range(units)
        )
        self.out_channels = cin + units * growth
        self.transition = nn.Sequential(nn.BatchNorm2d(self.out_channels),
                                        nn.Conv2d(self.out_channels, self.out_channels, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for unit in self.units:
            x = torch.cat([x, unit(x)], dim=1)
        return self.transition(x)


class SiGAN(SRNet):
    """SiGAN generator: raw LR [0,1] RGB ``N x 3 x h x w`` -> ``N x 3 x sh x sw``.

    ``widths`` / ``blocks``: per-stage widths and dense-block counts (one value: every stage).
    ``forward(x)`` super-resolves; ``forward(x, reference=..., identity=..., aux=True)`` also
    runs the twin on the references and returns the pair outputs (module doc).
    """

    upsamples = True
    conditions: tuple[str, ...] = ()
    training_inputs: tuple[str, ...] = ("identity", "reference")
    aux_outputs: tuple[str, ...] = ("feat1", "feat2", "same", "sr_down")

    def __init__(self, scale: int = 8, widths: tuple[int, ...] | None = None, blocks: tuple[int, ...] | None = None,
                 head_width: int = 256, embedding: int = 128, pair_kernel: str = "matlab") -> None:
        super().__init__(scale)
        if scale not in WIDTHS:
            raise ConfigError(f"SiGAN supports scales {', '.join(f'x{s}' for s in WIDTHS)}, not x{scale}")
        stages_n = len(WIDTHS[scale])
        widths = tuple(int(w) for w in (widths if widths is not None else WIDTHS[scale]))
        blocks = tuple(int(b) for b in (blocks if blocks is not None else BLOCKS[scale]))
        widths = widths * stages_n if len(widths) == 1 else widths  # one value: every stage
        blocks = blocks * stages_n if len(blocks) == 1 else blocks
        if len(widths) != stages_n or len(blocks) != stages_n:
            raise ConfigError(f"SiGAN x{scale} needs {len(WIDTHS[scale])} stage widths and block counts, got "
                              f"widths {list(widths)}, blocks {list(blocks)}")
        self.pair_kernel = pair_kernel
        stages: list[nn.Module] = []
        cin = 3
        for i, n in enumerate(widths):
            layers: list[nn.Module] = [nn.Conv2d(cin, n, 1), nn.ReLU()]
            c = n
            for _ in range(blocks[i]):
                block = SiGANDenseBlock(c)
                layers.append(block)
                c = block.out_channels
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), nn.BatchNorm2d(c), nn.ReLU(),
                       nn.ConvTranspose2d(c, n, 3, 1, padding=1)]
            stages.append(nn.Sequential(*layers))
            cin = n
        self.stages = nn.Sequential(*stages)
        h = head_width
        self.head = nn.Sequential(
            nn.Conv2d(cin, h, 3, padding=1), nn.BatchNorm2d(h), nn.ReLU(),
            nn.Conv2d(h, h, 3, padding=1), nn.ReLU(), nn.Conv2d(h, h, 1), nn.ReLU(), nn.Conv2d(h, 3, 1),
        )
        self.embed = nn.Linear(cin, embedding)

    def example_training_inputs(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Neutral training inputs for a trial run on ``x`` (tests): grey references, distinct labels."""
        n, h, w = x.shape[0], x.shape[-2] * self.scale, x.shape[-1] * self.scale
        return {"reference": torch.full((n, 3, h, w), 0.5, device=x.device),
                "identity": torch.arange(n, device=x.device)}

    def _run(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.stages(x)
        sr = torch.sigmoid(self.head(f))
        return sr, torch.softmax(self.embed(f.mean(dim=(2, 3))), dim=1)

    def forward(self, x: torch.Tensor, reference: torch.Tensor | None = None, identity: torch.Tensor | None = None,
                aux: bool = False):
        self.check_input(x)
        if not aux:
            return self._run(x)[0]
        if reference is None or identity is None:
            raise InputError(f"SiGAN training needs identity pairs: {IDENTITY_HINT}")
        n, h, w = x.shape[0], x.shape[-2], x.shape[-1]
        if reference.shape[0] != n or identity.reshape(-1).shape[0] != n:
            raise InputError(f"SiGAN: {n} faces but {reference.shape[0]} references / {identity.numel()} labels")
        from ...ops import imresize

        ref_lr = imresize(reference.to(x), size=(h, w), kernel=self.pair_kernel)
        sr, emb = self._run(torch.cat([x, ref_lr], dim=0))
        sr, emb, emb_ref = sr[:n], emb[:n], emb[n:]
        ident = identity.reshape(-1).to(x.device)
        other = ident.roll(1)
        same_next = ((ident == other) & (ident >= 0)).to(x.dtype)
        return {
            "sr": sr,
            "feat1": torch.cat([emb, emb]),
            "feat2": torch.cat([emb_ref, emb.roll(1, dims=0)]),
            "same": torch.cat([torch.ones(n, dtype=x.dtype, device=x.device), same_next]),
            "sr_down": F.avg_pool2d(sr, self.scale),
        }


class SiGANDiscriminator(nn.Module):
    """SiGAN's discriminator: [0,1] RGB ``N x 3 x H x W`` faces -> ``N x 1`` logits (spatial mean)."""

    def __init__(self, widths: tuple[int, ...] = (64, 128, 256, 384)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = 3
        for c in widths:
            layers += [nn.Conv2d(cin, c, 3, 2, padding=1), nn.BatchNorm2d(c), nn.ReLU()]
            cin = c
        layers += [nn.Conv2d(cin, cin, 3, padding=1), nn.BatchNorm2d(cin), nn.ReLU(), nn.Conv2d(cin, cin, 1),
                   nn.BatchNorm2d(cin), nn.ReLU(), nn.Conv2d(cin, 1, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 3:
            raise InputError(f"SiGAN discriminator expects N x 3 x H x W faces, got {tuple(x.shape)}")
        return self.net(x * 2.0 - 1.0).mean(dim=(2, 3))
