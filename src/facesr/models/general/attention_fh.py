"""Attention-FH (Cao et al., CVPR'17 / Shi et al., TPAMI'20, "Attention-Aware Face Hallucination via
Deep Reinforcement Learning"; survey §4.1.3): a recurrent policy network picks, step after step, the
facial patch to enhance next from the current whole-face result and what it picked before; a local
enhancement network improves that patch and the face is updated. The policy is trained with
REINFORCE (recipe ``reinforce``), the reward being the PSNR the face gains.

Paper's: the state (the current face), the recurrent policy over candidate patch locations conditioned
on the history, the local enhancement network applied to the selected patch, joint training of both
with a long-term reward on the whole face. Ours (layers and sizes; no code is public):

* input: the bicubic-upsampled face (``upsampled``), H and W multiples of ``grid``; candidate patches
  are the ``(grid - 1)^2`` windows of 2 x 2 cells of a ``grid`` x ``grid`` cell lattice (cell = H /
  ``grid``; 32 x 32 windows with stride 16 on a 128-px face for grid 8);
* policy: encoder 4 x [conv 3x3 stride 2 + ReLU] (32/64/64/64) -> adaptive 4 x 4 average -> FC
  (-> ``hidden``); an LSTM cell (``hidden``) takes it with the one-hot previous action; FC -> logits
  over the windows;
* local enhancement: the window (and its location as two coordinate planes) through ``enh_depth``
  3x3 convs (``enh_features`` channels, ReLU), predicting a residual; the window is replaced by the
  enhanced one (overlaps: the latest step wins);
* ``steps`` steps. Evaluation picks the most likely window (deterministic); training samples (the
  recipe) or a policy-free mode visits windows in raster order.

``forward(x, aux=True)`` (training) samples the windows and returns ``sr`` and, per step, ``log_probs``
and ``entropy`` (``N x steps``) and ``frames`` (``N x (steps + 1) x 3 x H x W``: the face before
each step and the result), from which the recipe computes the per-step PSNR gains.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError
from ..base import SRNet


class PolicyNet(nn.Module):
    """Recurrent policy: (face ``N x 3 x H x W``, previous action one-hot, LSTM state) -> logits, state."""

    def __init__(self, actions: int, hidden: int = 256, widths: tuple[int, ...] = (32, 64, 64, 64)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = 3
        for w in widths:
            layers += [nn.Conv2d(cin, w, 3, 2, 1), nn.ReLU(inplace=True)]
            cin = w
        self.encoder = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(4), nn.Flatten(),
                                     nn.Linear(cin * 16, hidden), nn.ReLU(inplace=True))
        self.cell = nn.LSTMCell(hidden + actions, hidden)
        self.head = nn.Linear(hidden, actions)
        self.actions, self.hidden = actions, hidden

    def forward(self, face: torch.Tensor, prev: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        h, c = self.cell(torch.cat([self.encoder(face * 2.0 - 1.0), prev], dim=1), state)
        return self.head(h), (h, c)


class LocalEnhancer(nn.Module):
    """Residual CNN on a window ``N x 3 x p x p`` plus its normalised location (2 constant planes)."""

    def __init__(self, features: int = 64, depth: int = 8) -> None:
        super().__init__()
        if depth < 2:
            raise ConfigError(f"Attention-FH enh_depth must be at least 2, got {depth}")
        layers: list[nn.Module] = [nn.Conv2d(5, features, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(features, features, 3, padding=1), nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(features, 3, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def forward(self, window: torch.Tensor, where: torch.Tensor) -> torch.Tensor:
        planes = where[:, :, None, None].expand(-1, -1, *window.shape[-2:])
        return window + self.body(torch.cat([window * 2.0 - 1.0, planes], dim=1)) * 0.5


class AttentionFH(SRNet):
    """Attention-FH: bicubic-upsampled ``[0,1] N x 3 x H x W`` -> same size, ``steps`` patch updates."""

    upsamples = False
    aux_outputs: tuple[str, ...] = ("log_probs", "entropy", "frames")

    def __init__(self, scale: int = 8, steps: int = 16, grid: int = 8, hidden: int = 256, enh_features: int = 64,
                 enh_depth: int = 8, policy_widths: tuple[int, ...] = (32, 64, 64, 64)) -> None:
        super().__init__(scale)
        if steps < 1 or grid < 2:
            raise ConfigError(f"Attention-FH needs steps >= 1 and grid >= 2, got {steps}, {grid}")
        self.steps, self.grid = int(steps), int(grid)
        self.size_multiple = self.grid
        self.min_size = 2 * self.grid
        self.actions = (self.grid - 1) ** 2
        self.policy = PolicyNet(self.actions, hidden, tuple(policy_widths))
        self.enhancer = LocalEnhancer(enh_features, enh_depth)
        ij = torch.stack(torch.meshgrid(torch.arange(grid - 1), torch.arange(grid - 1), indexing="ij"), -1)
        self.register_buffer("centres", ((ij.reshape(-1, 2).float() + 1.0) / grid) * 2.0 - 1.0, persistent=False)

    def _windows(self, x: torch.Tensor) -> torch.Tensor:
        """All candidate windows of ``x``: ``N x (3 p^2) x actions``."""
        cell = x.shape[-1] // self.grid
        return F.unfold(x, 2 * cell, stride=cell)

    def _paste(self, x: torch.Tensor, window: torch.Tensor, onehot: torch.Tensor) -> torch.Tensor:
        """``x`` with the window at the one-hot location replaced by ``window`` (``N x 3 x p x p``)."""
        h, w = x.shape[-2:]
        cell = w // self.grid
        p = 2 * cell
        sel = onehot[:, None, :]
        content = F.fold(window.reshape(x.shape[0], -1, 1) * sel, (h, w), p, stride=cell)
        mask = F.fold(torch.ones_like(window[:, :1]).reshape(x.shape[0], -1, 1) * sel, (h, w), p, stride=cell)
        return x * (1.0 - mask) + content

    def step(self, x: torch.Tensor, onehot: torch.Tensor) -> torch.Tensor:
        """Enhance the window of ``x`` at the one-hot location ``onehot`` (``N x actions``)."""
        cell = x.shape[-1] // self.grid
        window = torch.einsum("nda,na->nd", self._windows(x), onehot).reshape(x.shape[0], 3, 2 * cell, 2 * cell)
        where = onehot @ self.centres.to(x)
        return self._paste(x, self.enhancer(window, where), onehot)

    def forward(self, x: torch.Tensor, aux: bool = False, policy: str = "greedy"
                ) -> torch.Tensor | dict[str, torch.Tensor]:
        """``policy``: ``greedy`` (most likely window), ``sample`` (training; the default with ``aux``) or
        ``raster`` (windows in order, no policy)."""
        self.check_input(x)
        if aux:
            policy = "sample"
        if policy not in ("greedy", "sample", "raster"):
            raise ConfigError(f"Attention-FH policy must be greedy, sample or raster, got {policy!r}")
        n = x.shape[0]
        prev = x.new_zeros(n, self.actions)
        state = None
        logps, ents, frames = [], [], [x]
        for t in range(self.steps):
            if policy == "raster":
                a = torch.full((n,), t % self.actions, dtype=torch.long, device=x.device)
            else:
                logits, state = self.policy(x, prev, state)
                logp = torch.log_softmax(logits, dim=1)
                a = torch.multinomial(logp.exp(), 1).squeeze(1) if policy == "sample" else logits.argmax(dim=1)
                logps.append(logp.gather(1, a[:, None]).squeeze(1))
                ents.append(-(logp.exp() * logp).sum(dim=1))
            prev = (a[:, None] == torch.arange(self.actions, device=x.device)).to(x.dtype)  # one-hot
            x = self.step(x, prev)
            frames.append(x)
        if not aux:
            return x
        return {"sr": x, "log_probs": torch.stack(logps, dim=1), "entropy": torch.stack(ents, dim=1),
                "frames": torch.stack(frames, dim=1)}
