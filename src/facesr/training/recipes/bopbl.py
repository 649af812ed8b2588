"""BOPBL's two training stages (``recipe: {type: bopbl, vae: N, ...}``; survey §4.8.2, Wan et al. CVPR 2020).

1. Iterations ``1..vae``: the two VAEs of ``generator`` (:class:`facesr.models.application.bopbl.BOPBL`).
   VAE A reconstructs a batch of synthetic old faces (``lr`` of ``data.train``, bicubic-upsampled) and as many
   real old faces (:func:`facesr.data.old_photos.real_old_faces`: option ``real_old``, a folder under the data
   root, by default the Solvay crops; drawn with replacement);
   VAE B reconstructs the clean faces (``hr``). Each: ``kl`` x mean(z^2) + the image terms of ``losses`` on
   (reconstruction, input) + the adversarial term of its critic (``nets.discriminator_a`` /
   ``nets.discriminator_b``, each naming its term with ``loss``); VAE A also fools ``nets.latent_discriminator``
   (its term x ``latent_gan``), which tells real-old latents (fake) from synthetic ones (real), so both land in
   one space. Decoders see ``mean + N(0, I)``.
2. Afterwards: the mapping alone (both VAEs frozen): ``latent`` x L1(T(z_A(x)), z_B(y)) + the image terms on
   (decoder_B(T(z_A(x))), y) + the adversarial term of ``nets.discriminator_b``.

The image terms are the ``losses`` no critic names (e.g. ``l1``, ``perceptual``), each called on ``(image,
target)``; an adversarial term is a ``gan`` loss (its mode, LSGAN in BOPBL, and weight), averaged over the
critic's scales.

A ``gray`` fraction of the pairs is turned grey on both sides (full-range luma, as PIL's ``convert("L")`` of
the code), and of the real old faces too. Critics are updated every iteration of their stage. Validation is the
``sr`` recipe's (the whole restorer on ``data.val``); it means little before the mapping stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ...errors import ConfigError
from .base import NonFinite
from .sr import SRRecipe

CRITICS = ("discriminator_a", "discriminator_b", "latent_discriminator")


@dataclass
class BOPBLOptions:
    """Stage length, real-old data and loss weights (module doc)."""

    vae: int = 0
    real_old: str = "realworld/old_photos/solvay_lq_faces_512"
    gray: float = 0.1
    kl: float = 1.0
    latent_gan: float = 1.0
    latent: float = 60.0


def grey(x: torch.Tensor) -> torch.Tensor:
    """``[0,1]`` RGB ``N x 3 x H x W`` -> its full-range luma in all three channels."""
    from ...ops.color import rgb_to_y

    return (rgb_to_y(x * 255.0, "full") / 255.0).expand_as(x)


class BOPBLRecipe(SRRecipe):
    name = "bopbl"
    Options = BOPBLOptions

    def setup(self) -> None:
        from ...data.old_photos import real_old_faces
        from ...io import uint8_to_tensor
        from ...losses import WeightedLoss
        from ...losses.weighted import build_loss

        tr, o = self.trainer, self.options
        net = tr.nets["generator"]
        if not all(hasattr(net, k) for k in ("vae_a", "vae_b", "mapping")):
            raise ConfigError(f"recipe bopbl trains BOPBL's VAEs and mapping, not {self.info['display']}")
        missing = [n for n in CRITICS if n not in tr.nets]
        if missing:
            raise ConfigError(f"recipe bopbl needs nets {', '.join(missing)} (parts discriminator / "
                              "latent_discriminator of bopbl)")
        if o.vae < 0 or not 0.0 <= o.gray <= 1.0:
            raise ConfigError(f"recipe bopbl: vae is an iteration count >= 0 and gray a probability; got {o.vae}, "
                              f"{o.gray}")
        self.loss = WeightedLoss(self.cfg.losses).to(tr.device)
        self.adv = {}
        for c in CRITICS:
            term = self.loss.term(tr.net_cfg[c].loss)
            if not hasattr(term.module, "discriminator"):
                raise ConfigError(f"nets.{c}.loss names {term.name!r}, which is not an adversarial (gan) loss")
            self.adv[c] = term
        named = {t.name for t in self.adv.values()}
        self.image_terms = [t for t in self.loss.terms if t.name not in named]
        self.l1 = build_loss("l1").to(tr.device)
        self.net_inputs = {n: () for n in tr.nets}  # no network takes batch keys besides its image
        self.old = uint8_to_tensor(real_old_faces(None, self.cfg.data.train.size, o.real_old))  # under the data root

    def check_data(self, given: bool) -> None:
        item = self.trainer.train_set[0]
        if "lr" not in item or "hr" not in item:
            raise ConfigError(f"recipe bopbl needs 'lr' and 'hr' in the training items; got {', '.join(item)}")

    def stage(self, it: int) -> int:
        """1 (the VAEs) or 2 (the mapping) at iteration ``it``."""
        return 1 if it <= self.options.vae else 2

    # -- helpers -------------------------------------------------------------------------------------
    def _g(self, critic: str, image: torch.Tensor) -> torch.Tensor:
        """Weighted adversarial loss of ``image`` for the generator, averaged over the critic's scales."""
        t = self.adv[critic]
        out = self.trainer.wrapped[critic](image)
        return t.weight * sum(t.module.generator(o) for o in out) / len(out)

    def _d(self, critic: str, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        net, module = self.trainer.wrapped[critic], self.adv[critic].module
        r, f = net(real), net(fake.detach())
        return sum(module.discriminator(a, b) for a, b in zip(r, f)) / len(r)

    def _pixel(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The weighted image terms of ``losses`` on ``[0,1]`` images ``(out, target)``."""
        return sum(t.weight * t.module(out, target) for t in self.image_terms) if self.image_terms \
            else out.new_zeros(())

    def _pairs(self, batch: dict[str, Any]) -> tuple[torch.Tensor, torch.Tensor]:
        """Upsampled LR and HR on the device, a ``gray`` fraction of the pairs turned grey on both sides."""
        from ..data import collate_to

        batch = collate_to(batch, self.trainer.device)
        x, y = self._input(batch["lr"]).float(), batch["hr"].float()
        pick = (torch.rand(x.shape[0]) < self.options.gray).to(x.device).view(-1, 1, 1, 1)
        return torch.where(pick, grey(x), x), torch.where(pick, grey(y), y)

    def _real_old(self, n: int) -> torch.Tensor:
        idx = torch.randint(0, self.old.shape[0], (n,))
        r = self.old[idx].to(self.trainer.device)
        pick = (torch.rand(n) < self.options.gray).to(r.device).view(-1, 1, 1, 1)
        return torch.where(pick, grey(r), r)

    # -- the iteration -------------------------------------------------------------------------------
    def probe(self, batch: dict[str, Any]) -> tuple[nn.Module, torch.Tensor]:
        return self.trainer.nets["generator"], self._input(batch["lr"])

    def step(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        x, y = self._pairs(batch)
        net = self.trainer.nets["generator"]
        stage = self.stage(it)
        train = (net.vae_a, net.vae_b) if stage == 1 else (net.mapping,)
        for m in (net.vae_a, net.vae_b, net.mapping):
            m.requires_grad_(m in train)
        try:
            values = self._vae_step(x, y, it) if stage == 1 else self._mapping_step(x, y, it)
        finally:
            net.requires_grad_(True)
        return {**values, "stage": torch.tensor(float(stage))}

    def _vae_step(self, x: torch.Tensor, y: torch.Tensor, it: int) -> dict[str, torch.Tensor]:
        tr, o = self.trainer, self.options
        net = tr.nets["generator"]
        xa = torch.cat([x, self._real_old(x.shape[0])]) * 2.0 - 1.0  # synthetic, then as many real old faces
        n = x.shape[0]
        for c in CRITICS:
            tr.nets[c].requires_grad_(False)
        with tr.autocast():
            za = net.vae_a.encode(xa)
            ra = (net.vae_a.decode(za + torch.randn_like(za)).float() + 1.0) * 0.5
            zb = net.vae_b.encode(y * 2.0 - 1.0)
            rb = (net.vae_b.decode(zb + torch.randn_like(zb)).float() + 1.0) * 0.5
            za, zb = za.float(), zb.float()
            parts = {
                "kl": o.kl * (za.pow(2).mean() + zb.pow(2).mean()),
                "recon_a": self._pixel(ra, (xa + 1.0) * 0.5),
                "recon_b": self._pixel(rb, y),
                "gan_a": self._g("discriminator_a", ra),
                "gan_b": self._g("discriminator_b", rb),
                "latent_gan": o.latent_gan * self._g("latent_discriminator", za[n:]),  # real old -> "synthetic"
            }
        for c in CRITICS:
            tr.nets[c].requires_grad_(True)
        total = sum(parts.values())
        if not torch.isfinite(total):
            raise NonFinite(it, "VAE loss term(s) " + ", ".join(k for k, v in parts.items() if not torch.isfinite(v)))
        tr.update(total, ["generator"])
        with tr.autocast():
            dl = {"discriminator_a": self._d("discriminator_a", (xa + 1.0) * 0.5, ra),
                  "discriminator_b": self._d("discriminator_b", y, rb),
                  "latent_discriminator": self._d("latent_discriminator", za[:n].detach(), za[n:])}
        for c, loss in dl.items():
            if not torch.isfinite(loss):
                raise NonFinite(it, f"{c} loss")
            tr.update(loss, [c])
        return {**{k: v.detach() for k, v in parts.items()}, "loss": total.detach(),
                **{f"{c}_loss": v.detach() for c, v in dl.items()}}

    def _mapping_step(self, x: torch.Tensor, y: torch.Tensor, it: int) -> dict[str, torch.Tensor]:
        tr, o = self.trainer, self.options
        net = tr.nets["generator"]
        tr.nets["discriminator_b"].requires_grad_(False)
        with tr.autocast():
            with torch.no_grad():
                zx, zy = net.vae_a.encode(x * 2.0 - 1.0), net.vae_b.encode(y * 2.0 - 1.0)
            zm = net.mapping(zx)
            out = (net.vae_b.decode(zm).float() + 1.0) * 0.5
            parts = {"latent": o.latent * self.l1(zm.float(), zy.float()), "recon": self._pixel(out, y),
                     "gan": self._g("discriminator_b", out)}
        tr.nets["discriminator_b"].requires_grad_(True)
        total = sum(parts.values())
        if not torch.isfinite(total):
            raise NonFinite(it, "mapping loss term(s) " + ", ".join(k for k, v in parts.items()
                                                                   if not torch.isfinite(v)))
        tr.update(total, ["generator"])
        with tr.autocast():
            dl = self._d("discriminator_b", y, out)
        if not torch.isfinite(dl):
            raise NonFinite(it, "discriminator_b loss")
        tr.update(dl, ["discriminator_b"])
        return {**{k: v.detach() for k, v in parts.items()}, "loss": total.detach(),
                "discriminator_b_loss": dl.detach()}


RECIPE = BOPBLRecipe
