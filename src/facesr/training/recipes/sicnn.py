"""SICNN's domain-integrated training (``recipe: {type: sicnn, recognizer: cnn_r}``; Zhang et al., ECCV'18, survey
§4.4.1): the ``sr`` recipe with SICNN's recognition network CNN-R as a network of the run, trained alternately with
the hallucination network CNN-H (the generator), so that CNN-R keeps recognising the SR faces as their training
changes ("dynamic domain divergence"):

* CNN-H: the config's ``losses`` with CNN-R fixed, e.g. pixel MSE + alpha x the super-identity loss on CNN-R's
  embeddings of SR and HR (``{type: identity, network: null, variant: normalized, inputs: [cnn_r_fake,
  cnn_r_real]}``);
* CNN-R (``nets.<recognizer>: {role: critic, loss: <term>}``, e.g. ``sicnn``'s part ``recognizer``): the term's
  ``critic_loss`` with CNN-H fixed, i.e. A-Softmax (``asoftmax``) on the HR and the SR faces with the batch's
  identity labels (data prior ``identity``).

What this recipe adds to ``sr``: the parameters of the recognizer's loss term (A-Softmax's class weights) belong to
the recognizer, as SphereFace's margin layer is the last layer of its network: they are built with it (under its
seed), trained by its optimiser and saved with it in checkpoints (``nets.<recognizer>`` state, key ``loss_head.*``).
The term's weight in the generator's loss may be 0 (SICNN: CNN-H learns identity through the super-identity loss,
not by classification); a positive weight also trains the generator on A-Softmax of ``FR(SR)`` (IPFH's loss).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ...errors import ConfigError
from ..config import NetConfig
from .sr import SRRecipe

#: the recognizer's submodule that holds its loss term's parameters
HEAD = "loss_head"


@dataclass
class SICNNOptions:
    """``recognizer``: the ``nets`` entry of CNN-R (a critic whose loss term has parameters, e.g. ``asoftmax``)."""

    recognizer: str = "cnn_r"


class SICNNRecipe(SRRecipe):
    name = "sicnn"
    Options = SICNNOptions

    def _recognizer(self) -> NetConfig:
        r = self.options.recognizer
        nc = self.cfg.nets.get(r)
        if nc is None or nc.role != "critic":
            have = ", ".join(n for n, c in self.cfg.nets.items() if c.role == "critic") or "none"
            raise ConfigError(f"recipe sicnn: recognizer {r!r} must be a network of 'nets' with role critic (critics: "
                              f"{have})")
        return nc

    def networks(self) -> dict[str, NetConfig]:
        self._recognizer()  # fail before building anything
        return super().networks()

    def build_network(self, name: str, nc: NetConfig, seed: int) -> nn.Module:
        net = super().build_network(name, nc, seed)
        if name == self.options.recognizer:
            net.add_module(HEAD, self._build_head(nc, seed))
        return net

    def _build_head(self, nc: NetConfig, seed: int) -> nn.Module:
        from ...losses.weighted import build_loss

        spec: dict[str, Any] = dict(self.cfg.losses[nc.loss])
        for key in ("weight", "inputs"):
            spec.pop(key, None)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed + 1)
            head = build_loss(spec.pop("type"), **spec)
        if not any(p.requires_grad for p in head.parameters()):
            raise ConfigError(f"recipe sicnn: the recognizer's loss term {nc.loss!r} has no parameters to train "
                              "(A-Softmax: type asoftmax)")
        return head

    def setup(self) -> None:
        super().setup()
        r = self.options.recognizer
        term = self.loss.term(self.trainer.net_cfg[r].loss)
        head = getattr(self.trainer.nets[r], HEAD)
        term.module = head  # the recognizer's parameters, not the copy that WeightedLoss built
        self.loss.modules_[term.name] = head


RECIPE = SICNNRecipe
