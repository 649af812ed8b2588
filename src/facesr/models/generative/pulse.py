"""PULSE (Menon et al., "PULSE: Self-Supervised Photo Upsampling via Latent Space Exploration of Generative
Models", CVPR 2020): the survey's Eq. 14, ``min_z ||G(z) downscaled - I_LR||``, by gradient descent in the
latent space of a trained face prior, without training.

As ``adamian98/pulse @ 40cacb97`` (``PULSE.py``, ``loss.py``, ``SphericalOptimizer.py``, ``run.py``
defaults): one latent vector per layer of the prior (``N x num_ws x style_dim``, or one shared with
``tile_latent``) drawn from N(0, I) and kept on its sphere (each vector's initial radius) by the spherical
optimiser (Adam, learning rate 0.4, 100 steps, the ``linear1cycledrop`` schedule); the latent ``v`` enters
the prior as ``w = act(v * std + mean)``, the Gaussian that the mapping network's last pre-activation
outputs follow (fitted on ``fit_samples`` draws; PULSE inverts StyleGAN's last leaky ReLU the same way).
Loss: ``100 L2 + 0.05 GEOCROSS``, L2 the mean squared error of the downscaled face against the LR face
(MATLAB bicubic here; clamped below at ``eps`` = 2e-3 per face), GEOCROSS the mean squared geodesic distance
between the per-layer latents. Noise (``noise``): ``trainable`` (the first ``trainable_noise`` = 5 layers
optimised on their spheres too, the others fixed draws, the last layer zero as PULSE's "bad" layer 17 of
18), ``fixed`` or ``zero``. The face with the lowest loss seen is returned, at the prior's size resized
(bicubic) to the LR size times ``scale`` when they differ.

The prior is any trained :class:`~.stylegan2.StyleGAN2Generator` (``prior``), e.g. from a ``stylegan``
training run: ``facesr enhance --model pulse:runs/generative/stylegan2_128/checkpoints/best.pt``. Without
one the network holds an untrained prior (only for counting and tests).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ...errors import ConfigError
from ..base import SRNet
from .layers import fused_leaky_relu

NOISE_MODES = ("trainable", "fixed", "zero")
SCHEDULES = ("fixed", "linear1cycle", "linear1cycledrop")


def schedule_factor(name: str, step: int, steps: int) -> float:
    """PULSE's learning-rate factor at ``step`` of ``steps`` (``fixed``, ``linear1cycle`` or
    ``linear1cycledrop``: up from 0.1 to 1 and down over 90% of the steps, then to 0.001)."""
    if name == "fixed":
        return 1.0
    if name == "linear1cycle":
        return (9 * (1 - abs(step / steps - 0.5) * 2) + 1) / 10
    if step < 0.9 * steps:
        return (9 * (1 - abs(step / (0.9 * steps) - 0.5) * 2) + 1) / 10
    return 0.1 + (step - 0.9 * steps) / (0.1 * steps) * (0.001 - 0.1)


class SphericalAdam:
    """Adam whose parameters are projected back after every step onto the spheres they started on (one
    sphere per vector over dimensions 2 and up, i.e. per latent vector and per noise map)."""

    def __init__(self, params: list[torch.Tensor], lr: float) -> None:
        self.params = params
        self.opt = torch.optim.Adam(params, lr=lr)
        with torch.no_grad():
            self.radii = [self._norm(p) for p in params]

    @staticmethod
    def _norm(p: torch.Tensor) -> torch.Tensor:
        return (p.square().sum(tuple(range(2, p.dim())), keepdim=True) + 1e-9).sqrt()

    @torch.no_grad()
    def step(self) -> None:
        self.opt.step()
        for p, r in zip(self.params, self.radii):
            p.div_(self._norm(p)).mul_(r)


def geocross(ws: torch.Tensor) -> torch.Tensor:
    """PULSE's GEOCROSS per face (``N``): mean over layer pairs of the squared geodesic distance ``2 atan2(|x -
    y|, |x + y|)`` of the per-layer latents ``ws`` (``N x L x D``), times ``D / 8``; 0 for one shared latent."""
    if ws.shape[1] == 1:
        return ws.new_zeros(ws.shape[0])
    x, y = ws[:, None], ws[:, :, None]
    a = ((x - y).square().sum(-1) + 1e-9).sqrt()
    b = ((x + y).square().sum(-1) + 1e-9).sqrt()
    d = 2 * torch.atan2(a, b)
    return (d.square() * ws.shape[-1]).mean((1, 2)) / 8.0


class PULSE(SRNet):
    """LR face ``N x 3 x h x w`` in ``[0,1]`` -> ``N x 3 x (h scale) x (w scale)`` face found in the prior's
    latent space. ``prior``: a trained prior network (else an untrained one built with ``prior_options``).
    The search's settings are PULSE's defaults (module doc); ``seed`` fixes the initial latents and noise so
    a face gives the same result every time. After a call, ``last_l2`` holds each face's best L2 (``<= eps``:
    PULSE's success criterion)."""

    def __init__(self, scale: int = 8, prior: nn.Module | None = None, prior_options: dict[str, Any] | None = None,
                 steps: int = 100, lr: float = 0.4, l2_weight: float = 100.0, geocross_weight: float = 0.05,
                 eps: float = 2e-3, noise: str = "trainable", trainable_noise: int = 5, tile_latent: bool = False,
                 schedule: str = "linear1cycledrop", fit_samples: int = 10000, seed: int = 0,
                 kernel: str = "matlab") -> None:
        super().__init__(scale)
        if noise not in NOISE_MODES or schedule not in SCHEDULES or steps < 1:
            raise ConfigError(f"PULSE: noise must be one of {', '.join(NOISE_MODES)}, schedule one of "
                              f"{', '.join(SCHEDULES)}, steps >= 1 (got {noise!r}, {schedule!r}, {steps})")
        if prior is None:
            from .stylegan2 import StyleGAN2Generator

            prior = StyleGAN2Generator(**dict(prior_options or {}))
        self.prior = prior.eval().requires_grad_(False)
        self.steps, self.lr, self.eps, self.seed, self.kernel = int(steps), float(lr), float(eps), int(seed), kernel
        self.l2_weight, self.geocross_weight = float(l2_weight), float(geocross_weight)
        self.noise_mode, self.trainable_noise, self.tile_latent = noise, int(trainable_noise), bool(tile_latent)
        self.schedule, self.fit_samples = schedule, int(fit_samples)
        self.register_buffer("fit_mean", torch.zeros(0), persistent=False)
        self.register_buffer("fit_std", torch.zeros(0), persistent=False)
        self.last_l2: torch.Tensor | None = None

    def train(self, mode: bool = True) -> PULSE:  # the prior stays frozen, in eval mode
        super().train(mode)
        self.prior.eval()
        return self

    # -- the search ------------------------------------------------------------------------------------
    def _fit(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and std of the mapping network's last pre-activations over ``fit_samples`` draws (cached)."""
        if self.fit_mean.numel() == 0:
            dev = next(self.prior.parameters()).device
            g = torch.Generator().manual_seed(12345)
            pre = torch.cat([self.prior.mapping(torch.randn(min(4096, self.fit_samples - i), self.prior.style_dim,
                                                            generator=g).to(dev), last_activation=False)
                             for i in range(0, self.fit_samples, 4096)])
            self.fit_mean, self.fit_std = pre.mean(0), pre.std(0)
        return self.fit_mean, self.fit_std

    def _start(self, n: int, device: torch.device) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
        """Initial latents and noise (seeded), and the tensors the optimiser moves."""
        p = self.prior
        g = torch.Generator().manual_seed(self.seed)
        latent = torch.randn(n, 1 if self.tile_latent else p.num_ws, p.style_dim, generator=g).to(device)
        noise, free = [], []
        for i, shape in enumerate(p.noise_shapes(n)):
            t = torch.randn(shape, generator=g).to(device)
            if self.noise_mode == "zero" or i == p.num_layers - 1:
                t = torch.zeros(shape, device=device)
            elif self.noise_mode == "trainable" and i < self.trainable_noise:
                free.append(t.requires_grad_(True))
            noise.append(t)
        return latent.requires_grad_(True), noise, free

    def _ws(self, latent: torch.Tensor) -> torch.Tensor:
        mean, std = self._fit()
        return fused_leaky_relu(latent.expand(-1, self.prior.num_ws, -1) * std + mean)

    def _resize(self, faces: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        from ...ops import imresize

        return faces if tuple(faces.shape[-2:]) == size else imresize(faces, size=size, kernel=self.kernel)

    def search(self, lr: torch.Tensor) -> torch.Tensor:
        """The search itself (gradients on, whatever the caller's mode): the best face of each LR face, at the
        prior's size, in ``[0,1]``."""
        p = self.prior
        size = tuple(lr.shape[-2:])
        latent, noise, free = self._start(lr.shape[0], lr.device)
        opt = SphericalAdam([latent, *free], self.lr)
        sched = torch.optim.lr_scheduler.LambdaLR(opt.opt, lambda k: schedule_factor(self.schedule, k, self.steps))
        best_loss = torch.full((lr.shape[0],), float("inf"), device=lr.device)
        best = torch.zeros(lr.shape[0], 3, p.size, p.size, device=lr.device)
        best_l2 = best_loss.clone()
        for _ in range(self.steps):
            ws = self._ws(latent)
            face = (p.synthesis(ws, noise) + 1.0) / 2.0
            l2 = (self._resize(face, size) - lr).square().mean((1, 2, 3))
            per_face = self.l2_weight * l2.clamp(min=self.eps) + self.geocross_weight * geocross(ws)
            with torch.no_grad():
                better = per_face < best_loss
                best_loss = torch.where(better, per_face, best_loss)
                best_l2 = torch.where(better, l2, best_l2)
                best[better] = face[better].detach()
            opt.opt.zero_grad(set_to_none=True)
            per_face.sum().backward()
            opt.step()
            sched.step()
        self.last_l2 = best_l2.detach()
        return best

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        out_size = self.output_size(*x.shape[-2:])
        if x.is_meta:  # shapes and counts only (facesr zoo): one synthesis pass, i.e. one step's forward
            ws = torch.zeros(x.shape[0], self.prior.num_ws, self.prior.style_dim, device=x.device)
            return self._resize(self.prior.synthesis(ws), out_size)
        with torch.inference_mode(False), torch.enable_grad():
            lr = x.detach().float().clone()
            faces = self.search(lr)
        return self._resize(faces, out_size).to(x.dtype)
