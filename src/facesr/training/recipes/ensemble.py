"""The ensemble recipe (``recipe: {type: ensemble, judged: sr_gan}``; ATMFN, survey §4.1.4): the ``sr``
recipe for a generator that returns several candidate faces besides the fused one, where the critics
judge one candidate (ATMFN: the GAN branch) rather than the fused output.

In training, the context's ``sr`` (what the critics see, and what ``d_fake`` / ``d_real`` are computed
from) is the generator output named ``judged``; the fused face is ``sr_fused``, so the config's loss
terms name their inputs (``inputs: [sr_fused, hr]``, ``[sr_cnn, hr]``, ...). Validation, export and
inference use the fused face (the network's plain output).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...errors import ConfigError
from .sr import SRRecipe


@dataclass
class EnsembleOptions:
    """``judged``: the generator output the critics see as ``sr``."""

    judged: str = "sr_gan"


class _Judged:
    """Calls the generator and renames its outputs: ``sr`` <- ``judged``, ``sr_fused`` <- the fused face."""

    def __init__(self, net: Any, judged: str) -> None:
        self.net, self.judged = net, judged

    def __call__(self, x: Any, **kw: Any) -> dict[str, Any]:
        if not kw.get("aux"):
            return self.net(x, **kw)
        out = dict(self.net(x, **kw))
        return {**out, "sr": out[self.judged], "sr_fused": out["sr"]}


class EnsembleRecipe(SRRecipe):
    name = "ensemble"
    Options = EnsembleOptions

    def setup(self) -> None:
        super().setup()
        judged = self.options.judged
        if judged not in self.aux_outputs:
            raise ConfigError(f"recipe ensemble: the generator ({self.info['display']}) has no output {judged!r} "
                              f"(outputs: {', '.join(self.aux_outputs) or 'none'})")
        self.aux_outputs = (*self.aux_outputs, "sr_fused")
        self.trainer.wrapped["generator"] = _Judged(self.trainer.wrapped["generator"], judged)


RECIPE = EnsembleRecipe
