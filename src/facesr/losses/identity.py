"""Identity-preserving losses: the face-recognition loss (survey Eq. 18) with its variants,
SPGAN's attention-weighted identity loss (Eq. 19-22), A-Softmax, SiGAN's contrastive loss
(Eq. 23-24) and IADFH's adversarial face verification loss (Eq. 25-26)."""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError
from .adversarial import spgan_maps

IDENTITY_VARIANTS = ("l1", "l2", "mse", "normalized", "cosine")


def identity_distance(f_sr: torch.Tensor, f_hr: torch.Tensor, variant: str) -> torch.Tensor:
    """Per-sample distance ``[N]`` of two ``N x D`` embeddings.

    ``l1``: mean absolute difference (WaSRGAN, F = 1); ``l2``: Euclidean norm (F = 2);
    ``mse``: mean squared difference (FH-GAN); ``normalized``: squared Euclidean distance of the
    L2-normalised embeddings (SICNN's super-identity loss); ``cosine``: ``1 - cos``.
    """
    if variant == "l1":
        return (f_sr - f_hr).abs().mean(dim=1)
    if variant == "l2":
        return (f_sr - f_hr).norm(dim=1)
    if variant == "mse":
        return (f_sr - f_hr).pow(2).mean(dim=1)
    if variant == "normalized":
        return (F.normalize(f_sr, dim=1) - F.normalize(f_hr, dim=1)).pow(2).sum(dim=1)
    if variant == "cosine":
        return 1.0 - F.cosine_similarity(f_sr, f_hr, dim=1)
    raise ConfigError(f"unknown identity-loss variant {variant!r} (known: {', '.join(IDENTITY_VARIANTS)})")


def _network(network: nn.Module | str) -> nn.Module:
    if isinstance(network, nn.Module):
        return network
    if network in ("dlib", "dlib_resnet"):
        from ..nets.identity import dlib_face_resnet

        return dlib_face_resnet()
    raise ConfigError(f"unknown identity network {network!r} (known: dlib_resnet)")


class IdentityLoss(nn.Module):
    """Eq. 18: ``||FR(hr) - FR(sr)||_F`` with a frozen face-recognition network ``FR``.

    ``network``: a module mapping ``[0,1] float NCHW RGB`` faces to ``N x D`` embeddings, or the
    name ``dlib_resnet`` (:func:`facesr.nets.identity.dlib_face_resnet`, 128-d, differentiable);
    ``None``: the inputs are embeddings already (e.g. the outputs of a recognition network that the
    run trains, ``inputs: [<net>_fake, <net>_real]``: SICNN's domain-integrated training).
    ``variant``: see :func:`identity_distance`. :meth:`per_sample` returns the ``[N]`` distances.
    """

    def __init__(self, network: nn.Module | str | None = "dlib_resnet", variant: str = "l1") -> None:
        super().__init__()
        if variant not in IDENTITY_VARIANTS:
            known = ", ".join(IDENTITY_VARIANTS)
            raise ConfigError(f"unknown identity-loss variant {variant!r} (known: {known})")
        self.variant = variant
        self.network = None if network is None else _network(network)
        if self.network is not None:
            self.network.requires_grad_(False)
            self.network.eval()

    def train(self, mode: bool = True) -> IdentityLoss:  # the recognition network stays in eval mode
        super().train(mode)
        if self.network is not None:
            self.network.eval()
        return self

    def per_sample(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        if self.network is None:  # embeddings given
            return identity_distance(sr.float(), hr.detach().float(), self.variant)
        f_sr = self.network(sr)
        with torch.no_grad():
            f_hr = self.network(hr.detach())
        return identity_distance(f_sr, f_hr, self.variant)

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        return self.per_sample(sr, hr).mean()


class AttentionIdentityLoss(nn.Module):
    """SPGAN's attention-based identity loss (Eq. 19-22).

    ``L = mean(L_id * M_G + L_id * M_D)`` where ``L_id`` is each sample's identity distance (Eq. 18)
    and ``M_G``, ``M_D`` are the attention maps of :func:`facesr.losses.adversarial.spgan_maps`
    made from the pixel-wise discriminator maps ``d_real = D(lr, hr)`` and ``d_fake = D(lr, sr)``.
    """

    def __init__(self, network: nn.Module | str = "dlib_resnet", variant: str = "l1") -> None:
        super().__init__()
        self.identity = IdentityLoss(network, variant)

    @staticmethod
    def weighted(per_sample: torch.Tensor, m_g: torch.Tensor, m_d: torch.Tensor) -> torch.Tensor:
        w = (m_g + m_d).flatten(1).mean(dim=1)
        return (per_sample * w).mean()

    def forward(self, sr: torch.Tensor, hr: torch.Tensor, d_real: torch.Tensor,
                d_fake: torch.Tensor) -> torch.Tensor:
        _, m_d, m_g = spgan_maps(d_real, d_fake, hr, sr)
        return self.weighted(self.identity.per_sample(sr, hr), m_g, m_d)


class ASoftmaxLoss(nn.Module):
    """A-Softmax (SphereFace) loss on identity embeddings (IPFH uses it on ``FR(sr)``).

    Class weights are L2-normalised, biases zero; the target logit ``||x|| cos(theta)`` becomes
    ``||x|| psi(theta)`` with ``psi(theta) = (-1)^k cos(m theta) - 2k`` for
    ``theta in [k pi / m, (k+1) pi / m]``. ``lambda_`` blends with the plain logit as SphereFace's
    training does: ``(lambda_ cos + psi) / (1 + lambda_)`` (0: pure A-Softmax). Samples of unknown
    identity (label -1, the data prior ``identity``) are left out.

    As the loss of a recognition network that the run trains (``nets.<net>: {role: critic, loss: <this
    term>}``), :meth:`critic_loss` is SICNN's domain-integrated step: the network learns the identities
    of the HR and of the (detached) SR faces alike; the class weights are trained with the network
    (recipe ``sicnn``).
    """

    def __init__(self, in_features: int, num_classes: int, margin: int = 4, lambda_: float = 0.0) -> None:
        super().__init__()
        if margin < 1 or int(margin) != margin:
            raise ConfigError(f"A-Softmax margin must be a positive integer, got {margin}")
        self.margin = int(margin)
        self.lambda_ = float(lambda_)
        self.weight = nn.Parameter(torch.empty(num_classes, in_features))
        nn.init.xavier_uniform_(self.weight)

    def logits(self, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        norm = features.norm(dim=1, keepdim=True)
        cos = F.linear(F.normalize(features, dim=1), F.normalize(self.weight, dim=1)).clamp(-1.0, 1.0)
        cos_t = cos.gather(1, labels.view(-1, 1))
        theta = torch.acos(cos_t.clamp(-1 + 1e-7, 1 - 1e-7))
        k = torch.floor(self.margin * theta / math.pi)
        sign = 1.0 - 2.0 * torch.remainder(k, 2.0)
        psi = sign * torch.cos(self.margin * theta) - 2.0 * k
        psi = (self.lambda_ * cos_t + psi) / (1.0 + self.lambda_)
        out = cos.scatter(1, labels.view(-1, 1), psi)
        return out * norm

    def forward(self, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        labels = labels.reshape(-1).long()
        known = labels >= 0
        if not bool(known.all()):
            features, labels = features[known], labels[known]
        if labels.numel() == 0:
            return features.sum() * 0.0
        n = self.weight.shape[0]
        if int(labels.max()) >= n:
            raise ConfigError(f"A-Softmax has {n} classes but got identity label {int(labels.max())}: set its "
                              f"num_classes to the training data's number of identities")
        features = features.float()
        return F.cross_entropy(self.logits(features, labels), labels)

    def critic_loss(self, critic: Any) -> torch.Tensor:
        """A-Softmax of the recognition network's embeddings of the HR faces and of the SR faces together
        (one batch of 2N samples), both with the batch's identity labels."""
        ident = critic.conditions.get("identity")
        if ident is None:
            raise ConfigError(f"{critic.name}: A-Softmax needs identity labels: set data.train.priors: [identity] "
                              "and a network that takes them (training_inputs)")
        return self(torch.cat([critic.d_real, critic.d_fake]), torch.cat([ident, ident]))


class ContrastiveLoss(nn.Module):
    """SiGAN's identity contrastive loss (Eq. 23-24):

    ``L = (1 - y) 1/2 max(0, margin - E_w)^2 + y 1/2 E_w^2``, ``E_w = ||F_E(lr1) - F_E(lr2)||_1``
    per pair, ``y = 1`` for same-identity pairs; mean over pairs. ``norm``: ``l1`` (Eq. 24) or
    ``l2``; ``margin``: 0.5 in SiGAN.
    """

    def __init__(self, margin: float = 0.5, norm: str = "l1") -> None:
        super().__init__()
        if norm not in ("l1", "l2"):
            raise ConfigError(f"contrastive-loss norm must be l1 or l2, got {norm!r}")
        self.margin, self.norm = float(margin), norm

    def forward(self, f1: torch.Tensor, f2: torch.Tensor, same: torch.Tensor) -> torch.Tensor:
        d = (f1 - f2).flatten(1)
        e_w = d.abs().sum(dim=1) if self.norm == "l1" else d.norm(dim=1)
        y = same.to(e_w.dtype).reshape(-1)
        loss = (1.0 - y) * 0.5 * F.relu(self.margin - e_w) ** 2 + y * 0.5 * e_w**2
        return loss.mean()


#: Class indices of IADFH's three-way pair discriminator.
AFVL_FAKE, AFVL_GENUINE, AFVL_IMPOSTER = 0, 1, 2
_IGNORE = -100


def afvl_cross_targets(identity: torch.Tensor) -> torch.Tensor:
    """Class of each face's pair with the *previous* face's reference (the batch rolled by one), ``[N]``:
    imposter when both identity labels are known (>= 0) and differ, genuine when they are equal, ignored
    (-100) when either is unknown."""
    ident = identity.reshape(-1).long()
    prev = ident.roll(1)
    known = (ident >= 0) & (prev >= 0)
    cls = torch.where(ident == prev, AFVL_GENUINE, AFVL_IMPOSTER)
    return torch.where(known, cls, torch.full_like(cls, _IGNORE))


class AFVLoss(nn.Module):
    """IADFH's adversarial face verification loss (Eq. 25-26) on 3-way pair logits ``N x 3``
    (classes fake, genuine, imposter), as negative log-likelihoods to minimise:

    ``L_D = -[log d_f(pair1) + log d_f(pair2) + log d_gen(pair3) + log d_imp(pair4)]`` and
    ``L_G = -[log d_gen(pair1) + log d_imp(pair2)]``, where pair1 = (HR, SR) of one identity,
    pair2 = (HR, SR) of different identities, pair3 = two HR of one identity, pair4 = two HR of
    different identities. Each log term is a batch mean.

    In training (the ``afvl`` term of a config) the pair discriminator
    (:class:`facesr.models.identity.iadfh.IADFHDiscriminator`) returns ``N x 2 x 3`` logits per face
    ``x``: row 0 pairs ``x`` with its same-identity reference, row 1 with the previous face's reference.
    For ``x = SR`` these are pair1 and pair2, for ``x = HR`` pair3 and pair4; row 1's true class follows
    the identity labels (:func:`afvl_cross_targets`; unknown labels leave the pair out).
    """

    @staticmethod
    def _nll(logits: torch.Tensor, cls: int | torch.Tensor) -> torch.Tensor:
        if isinstance(cls, int):
            cls = torch.full((logits.shape[0],), cls, dtype=torch.long, device=logits.device)
        cls = cls.to(logits.device)
        if not bool((cls != _IGNORE).any()):
            return logits.sum() * 0.0
        return F.cross_entropy(logits.float(), cls, ignore_index=_IGNORE)

    def discriminator(self, pair1: torch.Tensor, pair2: torch.Tensor, pair3: torch.Tensor,
                      pair4: torch.Tensor) -> torch.Tensor:
        return (self._nll(pair1, AFVL_FAKE) + self._nll(pair2, AFVL_FAKE) + self._nll(pair3, AFVL_GENUINE)
                + self._nll(pair4, AFVL_IMPOSTER))

    def generator(self, pair1: torch.Tensor, pair2: torch.Tensor) -> torch.Tensor:
        return self._nll(pair1, AFVL_GENUINE) + self._nll(pair2, AFVL_IMPOSTER)

    @staticmethod
    def _rows(d: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if d.dim() != 3 or d.shape[1:] != (2, 3):
            raise ConfigError(f"afvl needs a pair discriminator's N x 2 x 3 logits, got shape {tuple(d.shape)}")
        return d[:, 0], d[:, 1]

    def critic_loss(self, critic: Any) -> torch.Tensor:
        """Eq. 25 on the pair discriminator's outputs for HR (pair3, pair4) and SR (pair1, pair2)."""
        ident = critic.conditions.get("identity")
        if ident is None:
            raise ConfigError("afvl needs identity labels for the pair discriminator: set data.train.priors: "
                              "[identity, reference]")
        p1, p2 = self._rows(critic.d_fake)
        p3, p4 = self._rows(critic.d_real)
        cross = afvl_cross_targets(ident)
        return (self._nll(p1, AFVL_FAKE) + self._nll(p2, AFVL_FAKE) + self._nll(p3, AFVL_GENUINE)
                + self._nll(p4, cross))

    def forward(self, d_fake: torch.Tensor, identity: torch.Tensor) -> torch.Tensor:
        """Eq. 26 on the pair discriminator's ``N x 2 x 3`` logits for SR faces."""
        p1, p2 = self._rows(d_fake)
        return self._nll(p1, AFVL_GENUINE) + self._nll(p2, afvl_cross_targets(identity))
