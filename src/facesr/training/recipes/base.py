"""The recipe interface: what one training iteration of a family does, apart from the loop that runs it.

The loop (:class:`facesr.training.engine.Trainer`) owns everything around an iteration: the networks'
optimisers, schedulers, update ratios, gradient scalers and EMA, resume, time limits, NaN rollback,
signals, logs, checkpoints, when to validate, distributed training and precision. A recipe owns one
iteration (:meth:`Recipe.step`) and declares what it needs: the batch keys it reads, the networks of the
run and how each is built, its training data, its validation score and what a checkpoint records of the
model.

The loop attributes a recipe may use (``self.trainer``): ``cfg``, ``device``, ``dist``, ``out``, ``nets``
(the networks), ``wrapped`` (the same, DDP-wrapped when distributed: call these in :meth:`step`),
``net_cfg``, ``precision`` (apply ``precision.layout`` to network inputs), ``train_set``, and the methods
``autocast()``, ``due(name, iteration)`` and ``update(loss, names)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ...errors import ConfigError
from ..config import NetConfig, from_dict

if TYPE_CHECKING:
    from ..engine import Trainer


class NonFinite(Exception):
    """Raised by :meth:`Recipe.step` for a non-finite loss: the loop stops or rolls back (``train.on_nan``)."""

    def __init__(self, iteration: int, what: str) -> None:
        super().__init__(what)
        self.iteration, self.what = iteration, what


class Recipe:
    """One family's training iteration (subclass it; see the module doc).

    ``options``: the keys of the config's ``recipe:`` mapping besides ``type``, read into the dataclass
    :attr:`Options` (unknown keys are errors with a suggestion); a recipe without :attr:`Options` has none.
    """

    #: the config's name of the recipe (its module's name)
    name = ""
    #: keys :meth:`step` reads from a training batch (checked before training by :meth:`check_data`)
    batch_keys: tuple[str, ...] = ("lr", "hr")
    #: a dataclass of the recipe's options (``recipe: {type: NAME, ...}``), or ``None``
    Options: type | None = None

    def __init__(self, trainer: Trainer, options: dict[str, Any]) -> None:
        self.trainer = trainer
        self.cfg = trainer.cfg
        if self.Options is None:
            if options:
                raise ConfigError(f"recipe {self.name!r} has no options (got {', '.join(options)})")
            self.options = None
        else:
            self.options = from_dict(self.Options, options, "recipe.")

    # -- networks (built by the loop, in this order, before the random generators are seeded) ----------
    def networks(self) -> dict[str, NetConfig]:
        """The run's networks: ``generator`` (the one validated and exported) and the config's ``nets``."""
        return {"generator": self.cfg.generator, **self.cfg.nets}

    def build_network(self, name: str, nc: NetConfig, seed: int) -> nn.Module:
        """Network ``name`` with fresh weights drawn under ``seed`` (zoo names: :func:`facesr.models.create`,
        a method's part: :func:`facesr.models.create_part`)."""
        from ...models import create, create_part

        if nc.part:
            return create_part(nc.model, nc.part, self.cfg.scale, seed=seed, **nc.options)
        return create(nc.model, self.cfg.scale, seed=seed, **nc.options)

    @property
    def model_desc(self) -> dict[str, Any]:
        """The model a checkpoint is of (``name``, ``scale``, ``options``): a resume must build the same."""
        g = self.cfg.generator
        return {"name": g.model, "scale": self.cfg.scale, "options": dict(g.options)}

    def model_record(self) -> dict[str, Any]:
        """What a checkpoint records of the model (:attr:`model_desc`, and what inference needs besides)."""
        return self.model_desc

    # -- after the networks: losses and other state of the recipe --------------------------------------
    def setup(self) -> None:
        """Build what :meth:`step` needs besides the networks (losses, ...); the networks exist, seeded,
        with their EMA copies and DDP wrappers; optimisers come next."""

    # -- data ----------------------------------------------------------------------------------------
    def train_set(self) -> torch.utils.data.Dataset:
        """The training set of ``data.train`` (items: dicts of tensors; ``set_epoch`` is called per epoch)."""
        from ..data import build_train_set

        return build_train_set(self.cfg.data.train, self.cfg.scale, self.cfg.seed)

    def check_data(self, given: bool) -> None:
        """Fail before training when the data lacks a key of :attr:`batch_keys` (``given``: the training set
        was passed in rather than built from ``data.train``; its first item is read)."""
        from ..requirements import ALWAYS, prior_hint

        d = self.cfg.data.train
        have = set(self.trainer.train_set[0]) if given else set(ALWAYS) | set(d.priors)
        missing = [k for k in self.batch_keys if k not in have]
        if missing:
            raise ConfigError(f"recipe {self.name!r} needs {', '.join(repr(k) for k in missing)} in the training "
                              f"data: {prior_hint(missing, d.priors)}")

    def validator(self, val_faces: Any = None) -> Any:
        """What scores the generator on ``data.val`` (called when validation is enabled): an object with
        ``__call__(net) -> {metric: value}`` (``data.val.metrics[0]`` picks ``best.pt``), ``higher_better``
        (of that metric) and ``baseline`` (reference scores printed and logged beside, may be empty).
        ``val_faces``: HR faces given to the trainer instead of ``data.val``."""
        raise ConfigError(f"recipe {self.name!r} has no validation: set data.val.enabled: false")

    def on_validation(self, scores: dict[str, float], improved: bool) -> None:
        """Called after each validation (``improved``: the first metric is the best so far), on every process."""

    # -- the iteration ---------------------------------------------------------------------------------
    def probe(self, batch: dict[str, Any]) -> tuple[nn.Module, torch.Tensor]:
        """The network and input whose forward and backward pass the precision probe (``train.precision:
        auto``) times, for a training ``batch`` already on the device."""
        return self.trainer.nets["generator"], batch["lr"]

    def step(self, batch: dict[str, Any], iteration: int) -> dict[str, torch.Tensor]:
        """One iteration on ``batch`` (as the data loader gives it, on the CPU): forward passes, losses and
        the updates of the networks due (:meth:`Trainer.update`); raise :class:`NonFinite` for a non-finite
        loss before updating. Returns the values to log (``loss``: the total). The loop steps the
        schedulers and the EMA copies afterwards."""
        raise NotImplementedError

