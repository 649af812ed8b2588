"""What the GAN recipes of survey §4.1.2 share: the real LR faces of a run (``lrgan``, ``cr``, ``rwsr``),
training faces that carry an unpaired real LR face (``lr_real``, :mod:`facesr.data.real_lr`), loss terms
split between stages by name, updates of a group of terms or of a critic on any real / fake pair, and the
first HR faces of the training data (``rwsr``'s calibration).

Not a recipe itself (its module name starts with ``_``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from ...data.real_lr import LOW_QUALITY, SOURCES
from ...errors import ConfigError
from .base import NonFinite
from .sr import SRRecipe


@dataclass
class RealLROptions:
    """The real LR faces of a run: ``sources`` (of :data:`facesr.data.real_lr.SOURCES`), ``low_quality``
    faces from each of CelebA and UTKFace (highest NIQE), ``scored``: images of each scored (``None``:
    all), ``flip``: probability of a mirrored real face."""

    sources: tuple[str, ...] = field(default_factory=lambda: SOURCES)
    low_quality: int = LOW_QUALITY
    scored: int | None = None
    flip: float = 0.5


def load_real_faces(o: RealLROptions, lr_size: int, progress: bool = True) -> list[Any]:
    """The real LR faces that options ``o`` name, at ``lr_size`` px."""
    from ...data.real_lr import load_real_lr
    from ...errors import FacesrError

    try:
        return load_real_lr(lr_size, o.sources, low_quality=o.low_quality, limit=o.scored, progress=progress)
    except FacesrError as exc:
        raise type(exc)(f"recipe real LR faces: {exc}") from None


def first_hr_faces(cfg: Any, n: int, what: str) -> torch.Tensor:
    """The first ``n`` HR faces of ``cfg.data.train`` as the data frames them, unflipped: ``[0,1] float32
    N x 3 x S x S`` (``what``: the option that asks, for the error)."""
    import dataclasses

    from ..data import build_train_set

    if n < 1:
        raise ConfigError(f"{what} needs at least one training face, got {n}")
    d = cfg.data.train
    pairs = build_train_set(dataclasses.replace(d, degradation="bicubic", limit=n, also=(), flip=0.0, jitter=None,
                                                rotate=0.0), cfg.scale, cfg.seed)
    return torch.stack([pairs[i]["hr"] for i in range(len(pairs))])


class UnpairedRecipe(SRRecipe):
    """The ``sr`` recipe's losses, critics and validation, with a real LR face in every training item and
    helpers for iterations that update networks on groups of loss terms."""

    batch_keys = ("lr", "hr", "lr_real")
    #: context keys a subclass's iterations give the loss terms (the loss-input check counts them)
    added: tuple[str, ...] = ()
    #: the option holding the length of stage 1 (iterations); stage 2 runs afterwards
    stage_option = ""

    def setup(self) -> None:
        super().setup()
        self.aux_outputs = (*self.aux_outputs, "lr_real", *self.added)  # the items carry lr_real (train_set)
        if getattr(self.options, self.stage_option) < 0:
            raise ConfigError(f"recipe {self.name}: {self.stage_option} is an iteration count >= 0, got "
                              f"{getattr(self.options, self.stage_option)}")

    # -- the iteration ---------------------------------------------------------------------------------
    def stage(self, it: int) -> int:
        """1 or 2: the stage of iteration ``it``."""
        return 1 if it <= getattr(self.options, self.stage_option) else 2

    def step(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        from ..data import collate_to

        batch = collate_to(batch, self.trainer.device)
        stage = self.stage(it)
        values = self.stage_one(batch, it) if stage == 1 else self.stage_two(batch, it)
        return {**values, "stage": torch.tensor(float(stage))}

    def stage_one(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def stage_two(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    # -- data ----------------------------------------------------------------------------------------
    def train_set(self) -> torch.utils.data.Dataset:
        from ...data.real_lr import UnpairedFaces

        paired = super().train_set()
        size = self.cfg.data.train.size // self.cfg.scale
        faces = load_real_faces(self.options, size, progress=self.trainer.cfg.train.progress)
        return UnpairedFaces(paired, faces, seed=self.cfg.seed, flip=self.options.flip)

    def check_data(self, given: bool) -> None:
        if given and "lr_real" not in self.trainer.train_set[0]:
            raise ConfigError(f"recipe {self.name!r} needs 'lr_real' (an unpaired real LR face) in every training item")
        super().check_data(given)

    # -- loss groups ---------------------------------------------------------------------------------
    def split_terms(self, names: Sequence[str], what: str) -> tuple[list[Any], list[Any]]:
        """The terms named in ``names`` (option ``what``) and the others; every name must be a term."""
        have = [t.name for t in self.loss.terms]
        unknown = [n for n in names if n not in have]
        if unknown:
            raise ConfigError(f"recipe {self.name}: {what} names no loss term {', '.join(map(repr, unknown))} "
                              f"(terms: {', '.join(have)})")
        chosen = set(names)
        return [t for t in self.loss.terms if t.name in chosen], [t for t in self.loss.terms if t.name not in chosen]

    @contextlib.contextmanager
    def without_grad(self, names: Sequence[str]) -> Iterator[None]:
        """Networks ``names`` take no gradient inside (critics while their generator's loss is built)."""
        nets = [self.trainer.nets[n] for n in names]
        for net in nets:
            net.requires_grad_(False)
        try:
            yield
        finally:
            for net in nets:
                net.requires_grad_(True)

    def group_loss(self, terms: Sequence[Any], ctx: Any, it: int, critics: Sequence[str] = ()
                   ) -> tuple[torch.Tensor | None, dict[str, torch.Tensor]]:
        """``sum weight x term(ctx)`` over ``terms`` of non-zero weight (critics ``critics`` frozen);
        ``(None, {})`` when none counts. Raises :class:`NonFinite` naming the bad terms."""
        total, parts = None, {}
        with self.without_grad(critics), self.trainer.autocast():
            for t in terms:
                if t.weight == 0:
                    continue
                value = t.module(*[ctx[k] for k in t.inputs]).float()
                parts[t.name] = value.detach()
                total = t.weight * value if total is None else total + t.weight * value
        if total is not None and not torch.isfinite(total):
            bad = [k for k, v in parts.items() if not torch.isfinite(v)] or ["total"]
            raise NonFinite(it, f"loss term(s) {', '.join(bad)}")
        return total, parts

    def update_group(self, terms: Sequence[Any], ctx: Any, it: int, nets: Sequence[str],
                     critics: Sequence[str] = ()) -> dict[str, torch.Tensor]:
        """Update networks ``nets`` by the group ``terms``; returns the logged values (``loss``: the sum)."""
        total, parts = self.group_loss(terms, ctx, it, critics)
        if total is None:
            return {}
        self.trainer.update(total, list(nets))
        return {**parts, "loss": total.detach()}

    def critic_update(self, name: str, it: int, real: torch.Tensor, fake: torch.Tensor) -> dict[str, torch.Tensor]:
        """Update critic ``name`` (when due) by its term's discriminator loss on ``real`` vs ``fake``
        (detached here)."""
        if not self.trainer.due(name, it):
            return {}

        def lr_up() -> torch.Tensor:
            raise ConfigError(f"nets.{name}: condition 'lr' is not supported by recipe {self.name}")

        return {f"{name}_loss": self._critic_step(name, it, real, fake.detach(), lr_up, {})}

    @staticmethod
    def context(batch: dict[str, Any], values: dict[str, Any], producers: dict[str, Any]) -> Any:
        """The loss terms' context: the batch, ``values`` and lazily computed ``producers``."""
        from ...losses import Context

        return Context({**batch, **values}, producers)

    def critic_outputs(self, names: Sequence[str], image: torch.Tensor) -> dict[str, Any]:
        """Lazy context entries ``<name>_fake`` (and ``d_fake`` for ``discriminator``): critic ``name`` on
        ``image``."""
        out: dict[str, Any] = {}
        for n in names:
            def produce(n: str = n) -> torch.Tensor:
                return self.trainer.nets[n](image)
            out[f"{n}_fake"] = produce
            if n == "discriminator":
                out["d_fake"] = produce
        return out

    def need(self, name: str, role: str, option: str) -> None:
        """Fail unless ``nets`` has network ``name`` of ``role`` (named by recipe option ``option``)."""
        nc = self.trainer.net_cfg.get(name)
        if nc is None or nc.role != role:
            raise ConfigError(f"recipe {self.name} needs a {role} network {name!r} in nets (option {option})")
