"""The super-resolution recipe (``recipe: sr``, the default): every method of the zoo, pixel, GAN, prior,
attribute and identity losses.

A run has a generator and optional other networks (critics trained by their adversarial loss, joint
networks trained by the generator's loss, frozen helpers); the generator's loss is the weighted sum of the
config's ``losses`` (:class:`facesr.losses.WeightedLoss`) evaluated on a context of batch tensors, the SR
output and lazily computed network outputs (``d_fake``, ``d_real``, ``<net>_fake``, joint outputs; for a critic
with a ``features(x, ...)`` method also its features, ``<net>_feats_fake``/``<net>_feats_real``, and
``d_feats_fake``/``d_feats_real`` for the one named ``discriminator``: the inputs of ``feature_matching``). Each
critic is trained by the ``critic_loss`` of its loss term (:class:`facesr.losses.adversarial.Critic`), plus
``gp_weight`` x the WGAN-GP penalty.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import torch
from torch import nn

from ...errors import ConfigError
from .base import NonFinite, Recipe


class SRRecipe(Recipe):
    name = "sr"
    batch_keys = ("lr", "hr")

    def __init__(self, trainer: Any, options: dict[str, Any]) -> None:
        from ...models import model_info

        super().__init__(trainer, options)
        g = self.cfg.generator
        self.info = model_info(g.model)
        self.input_mode = self.info["input"]
        self.kernel = self.cfg.data.train.kernel
        self._desc = {"name": self.info["name"], "scale": self.cfg.scale, "options": dict(g.options)}

    @property
    def model_desc(self) -> dict[str, Any]:
        return self._desc

    def model_record(self) -> dict[str, Any]:
        """``model_desc`` plus, for a generator conditioned on given attributes, their names in the
        order the network reads them (so ``facesr bench`` can feed a test set's labels)."""
        if "attributes" not in self.net_inputs["generator"]:
            return self._desc
        names = self._attribute_names()
        return {**self._desc, "attributes": names} if names else self._desc

    def setup(self) -> None:
        from ...losses import WeightedLoss
        from ..requirements import net_inputs

        tr = self.trainer
        self.loss = WeightedLoss(self.cfg.losses).to(tr.device)
        self.critics = [n for n in tr.trained if tr.net_cfg[n].role == "critic"]
        self.joint = [n for n in tr.trained if tr.net_cfg[n].role == "joint"]
        self.frozen = [n for n, nc in tr.net_cfg.items() if nc.role == "frozen"]
        for n in self.critics:
            term = self.loss.term(tr.net_cfg[n].loss)  # exists (validated), fail early otherwise
            if not hasattr(term.module, "critic_loss"):
                raise ConfigError(f"nets.{n}.loss names term {term.name!r}, which has no discriminator loss")
        self.aux_outputs = tuple(getattr(tr.nets["generator"], "aux_outputs", ()))
        self.net_inputs = {n: net_inputs(net) for n, net in tr.nets.items()}  # batch keys passed to each net

    # -- data checks -----------------------------------------------------------------------------------
    def check_data(self, given: bool) -> None:
        self._check_loss_inputs(given)
        self._check_net_inputs(given)

    def _check_loss_inputs(self, given: bool) -> None:
        """Fail before training when a loss term needs a key nothing provides (a prior the data does
        not load, an output the generator does not have), naming the data option that provides it."""
        from ...data.paired import PRIORS

        tr = self.trainer
        keys = {"hr", "lr", "index", "seed", "input", "sr", *self.aux_outputs}
        keys |= set(tr.train_set[0]) if given else set(self.cfg.data.train.priors)
        for n, nc in tr.net_cfg.items():
            if nc.role == "critic":
                keys |= {f"{n}_fake", f"{n}_real"} | ({"d_fake", "d_real"} if n == "discriminator" else set())
                if has_features(tr.nets[n]):
                    keys |= {f"{n}_feats_fake", f"{n}_feats_real"}
                    keys |= {"d_feats_fake", "d_feats_real"} if n == "discriminator" else set()
            elif nc.output:
                keys.add(nc.output)
        terms = [t for t in self.loss.terms if t.weight != 0]
        priors = {k for t in terms for k in t.inputs if k not in keys and k in PRIORS}
        for t in terms:
            missing = [k for k in t.inputs if k not in keys]
            if not missing:
                continue
            k = missing[0]
            if k in PRIORS:
                need = [p for p in PRIORS if p in set(self.cfg.data.train.priors) | priors]
                how = ("run 'facesr data prepare --landmarks' (a prepared cache: data.train.dataset: prepared, "
                       "root: <cache folder>) and " if k in ("landmarks", "heatmaps", "parsing") else "")
                raise ConfigError(f"loss term {t.name!r} needs {k!r}, which the training data does not provide: "
                                  f"{how}set data.train.priors: [{', '.join(need)}]")
            raise ConfigError(f"loss term {t.name!r} needs {k!r}, which neither the data, the generator "
                              f"({self.info['name']}) nor a network of 'nets' provides")

    def _check_net_inputs(self, given: bool) -> None:
        """Fail before training when a network takes a batch key (attributes, identity pairs) the data lacks."""
        from ...errors import InputError
        from ..requirements import check_keys, needed_keys, prior_hint

        tr, d = self.trainer, self.cfg.data.train
        need = needed_keys(tr.nets)
        have = set(tr.train_set[0]) if given else set(d.priors)
        check_keys(need, have, self.info["display"], d.priors)
        if need and not given and len(tr.train_set):
            try:  # the priors are configured; does the dataset have them? (one item, before any training)
                tr.train_set[0]
            except InputError as exc:
                raise ConfigError(f"{self.info['display']}: data.train ({d.dataset}): {exc}; "
                                  f"{prior_hint(list(need))}") from None

    # -- validation ------------------------------------------------------------------------------------
    def validator(self, val_faces: Any = None) -> Any:
        from ..data import load_val_faces
        from ..validation import Validator

        tr, v = self.trainer, self.cfg.data.val
        names, hr = (None, val_faces) if val_faces is not None else load_val_faces(v, self.cfg.data.train.size)
        val_lr = None
        if v.degradation:
            from ..data import degraded_val_lr

            val_lr = degraded_val_lr(hr, v, self.cfg.scale, self.kernel)
        return Validator(hr, scale=self.cfg.scale, protocol=v.protocol, metrics=v.metrics,
                         input_mode=self.input_mode, kernel=self.kernel, batch_size=v.batch_size,
                         dist=tr.dist, device=tr.device, conditions=self._val_conditions(names), lr=val_lr)

    def _val_conditions(self, names: list[str] | None) -> dict[str, torch.Tensor] | None:
        """Inputs besides the face that the generator needs at validation (given attributes)."""
        from ..requirements import net_inputs, val_conditions

        keys = net_inputs(self.trainer.nets["generator"], training=False)
        if not keys:
            return None
        if names is None:
            raise ConfigError(f"{self.info['display']} needs {', '.join(keys)} for validation faces; "
                              "validate on a dataset (data.val) rather than given faces")
        v = self.cfg.data.val
        return val_conditions(v.dataset, v.root, names, keys, self._attribute_names())

    def _attribute_names(self) -> list[str] | None:
        """The attribute order of the training set (a paired set fixes it on its first item)."""
        from ..requirements import attribute_names_of

        train_set = self.trainer.train_set
        if attribute_names_of(train_set) is None and len(train_set):
            train_set[0]
        return attribute_names_of(train_set)

    # -- one iteration ---------------------------------------------------------------------------------
    def _input(self, lr: torch.Tensor) -> torch.Tensor:
        from ...models import model_input

        return model_input(lr, self.input_mode, self.cfg.scale, kernel=self.kernel)

    def probe(self, batch: dict[str, Any]) -> tuple[nn.Module, torch.Tensor]:
        x = self._input(batch["lr"])
        net = self.trainer.nets["generator"]
        kw = {k: batch[k] for k in self.net_inputs["generator"]}
        return (net if not kw else _Bound(net, kw)), x

    def _critic_input(self, name: str, image: torch.Tensor, lr_up: Any) -> torch.Tensor:
        if self.trainer.net_cfg[name].condition == "lr":
            return torch.cat([lr_up(), image], dim=1)
        return image

    def step(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        """Generator update (if due), then each due critic. Returns loss values."""
        from ...losses import Context
        from ..data import collate_to

        tr = self.trainer
        batch = collate_to(batch, tr.device)
        lr, hr = batch["lr"], batch["hr"]
        x = self._input(lr)
        if tr.precision is not None:
            x = tr.precision.layout(x)
        g_due = tr.due("generator", it)
        up: dict[str, torch.Tensor] = {}

        def lr_up() -> torch.Tensor:
            if "v" not in up:
                up["v"] = x if self.input_mode == "upsampled" else self._upsampled(lr)
            return up["v"]

        extra: dict[str, torch.Tensor] = {}
        kw = {n: {k: batch[k] for k in keys} for n, keys in self.net_inputs.items()}  # e.g. attributes
        with tr.autocast(), (nullcontext() if g_due else torch.no_grad()):
            if self.aux_outputs:  # several outputs (coarse SR, predicted priors, every step's SR, ...)
                extra = dict(tr.wrapped["generator"](x, **kw["generator"], aux=True))
                sr = extra.pop("sr")
            else:
                sr = tr.wrapped["generator"](x, **kw["generator"])
        sr = sr.float()  # losses and critics see float32 images (bf16 would round them)
        extra = {k: (v.float() if isinstance(v, torch.Tensor) and v.is_floating_point() else v)
                 for k, v in extra.items()}
        producers: dict[str, Any] = {}
        for n in self.critics:
            raw = tr.nets[n]
            for suffix, img in (("fake", lambda: sr), ("real", lambda: hr)):
                def produce(raw=raw, n=n, img=img):
                    return raw(self._critic_input(n, img(), lr_up), **kw[n])
                producers[f"{n}_{suffix}"] = produce
                if n == "discriminator":
                    producers[f"d_{suffix}"] = produce
                if has_features(raw):  # discriminator features (feature matching)
                    def features(raw=raw, n=n, img=img):
                        return raw.features(self._critic_input(n, img(), lr_up), **kw[n])
                    producers[f"{n}_feats_{suffix}"] = features
                    if n == "discriminator":
                        producers[f"d_feats_{suffix}"] = features
        for n in self.joint + self.frozen:
            nc = tr.net_cfg[n]
            if nc.output:
                producers[nc.output] = lambda n=n, nc=nc: tr.wrapped[n](ctx[nc.input])
        ctx = Context({**batch, **extra, "input": x, "sr": sr}, producers)
        values: dict[str, torch.Tensor] = {}
        if g_due:
            for n in self.critics:
                tr.nets[n].requires_grad_(False)
            with tr.autocast():
                total, parts = self.loss(ctx)
            for n in self.critics:
                tr.nets[n].requires_grad_(True)
            values.update(parts)
            values["loss"] = total.detach()
            if not torch.isfinite(total):
                bad = [k for k, v in parts.items() if not torch.isfinite(v)] or ["total"]
                raise NonFinite(it, f"generator loss term(s) {', '.join(bad)}")
            tr.update(total, ["generator", *self.joint])
        for n in self.critics:
            if tr.due(n, it):
                values[f"{n}_loss"] = self._critic_step(n, it, hr, sr.detach(), lr_up, kw[n])
        return values

    def _upsampled(self, lr: torch.Tensor) -> torch.Tensor:
        from ...models import model_input

        return model_input(lr, "upsampled", self.cfg.scale, kernel=self.kernel)

    def _critic_step(self, n: str, it: int, hr: torch.Tensor, fake: torch.Tensor, lr_up: Any,
                     conditions: dict[str, Any]) -> torch.Tensor:
        """Update critic ``n`` by its term's ``critic_loss`` (+ ``gp_weight`` x WGAN-GP); returns the loss."""
        from ...losses.adversarial import Critic, gradient_penalty

        tr = self.trainer
        nc, net = tr.net_cfg[n], tr.wrapped[n]

        def run(images: torch.Tensor, cond: dict[str, Any]) -> torch.Tensor:
            return net(self._critic_input(n, images, lr_up), **cond)

        with tr.autocast():
            critic = Critic(run, hr, fake, conditions, name=f"nets.{n}", term=nc.loss)
            d_loss = self.loss.term(nc.loss).module.critic_loss(critic)
        if nc.gp_weight > 0:
            d_loss = d_loss + nc.gp_weight * gradient_penalty(lambda t: run(t, conditions), hr, fake)
        if not torch.isfinite(d_loss):
            raise NonFinite(it, f"{n} loss")
        tr.update(d_loss, [n])
        return d_loss.detach()


def has_features(net: nn.Module) -> bool:
    """Whether critic ``net`` has a ``features(x, ...)`` method (a submodule called ``features`` is not one)."""
    return callable(getattr(type(net), "features", None))


class _Bound(nn.Module):
    """A network with its extra batch inputs bound (for the precision probe)."""

    def __init__(self, net: nn.Module, kw: dict[str, Any]) -> None:
        super().__init__()
        self.net, self.kw = net, kw

    def forward(self, x: torch.Tensor) -> Any:
        return self.net(x, **self.kw)


RECIPE = SRRecipe
