"""Reading a trained face prior back: the generator of a ``stylegan`` run (a training checkpoint, whose EMA
weights are taken, or an exported ``.safetensors``), rebuilt with the options it was trained with, or loaded
into the prior embedded in another network (GPEN, GFP-GAN)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from torch import nn

from ...errors import InputError

#: the zoo name of the prior
PRIOR_MODEL = "stylegan2"


def read_prior(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(state_dict, options)`` of the prior in ``path``; a file of another network is an :class:`InputError`."""
    from ..registry import model_info
    from ..weights import load_weights

    path = Path(path).expanduser()
    if not path.is_file():
        raise InputError(f"{path}: prior weights not found (train one: facesr train configs/generative/...)")
    state, desc = load_weights(path)
    recorded = desc.get("model")
    if recorded and model_info(recorded)["name"] != PRIOR_MODEL:
        raise InputError(f"{path}: weights of {recorded!r}, not a {PRIOR_MODEL} prior")
    return state, dict(desc.get("options", {}))


def load_state_into(net: nn.Module, state: dict[str, Any], path: str | os.PathLike[str], what: str) -> None:
    """Load ``state`` into ``net`` strictly; a mismatch is one line naming ``path`` and the first bad key."""
    try:
        missing, unexpected = net.load_state_dict(state, strict=False)
    except RuntimeError as exc:
        first = next((ln.strip() for ln in str(exc).splitlines() if "size mismatch" in ln), str(exc).splitlines()[0])
        raise InputError(f"{path}: the prior does not fit {what} ({first}); train the prior with the same size, "
                         "style_dim, n_mlp, channel_multiplier, narrow and concat_noise") from None
    if missing or unexpected:
        raise InputError(f"{path}: the prior does not fit {what} ({len(missing)} missing, {len(unexpected)} "
                         f"unexpected keys, e.g. {(missing or unexpected)[0]})")


def build_prior(path: str | os.PathLike[str], **overrides: Any) -> nn.Module:
    """The prior of ``path`` (a :class:`~.stylegan2.StyleGAN2Generator` with its recorded options), eval mode."""
    from ..registry import create

    state, options = read_prior(path)
    prior = create(PRIOR_MODEL, 1, **{**options, **overrides})
    load_state_into(prior, state, path, "the prior's recorded options")
    return prior.eval()


def load_prior_into(decoder: nn.Module, path: str | os.PathLike[str]) -> None:
    """Load the prior of ``path`` into ``decoder`` (the prior embedded in GPEN or GFP-GAN)."""
    state, _ = read_prior(path)
    load_state_into(decoder, state, path, f"the embedded {type(decoder).__name__}")


class EmbedsPrior:
    """Mixin of the networks that embed a prior (GPEN, GFP-GAN, GLEAN): :attr:`prior_attr` names the embedded
    :class:`~.stylegan2.StyleGAN2Generator`; :meth:`load_prior` initialises it from a trained one."""

    prior_attr = "generator"

    def prior_network(self) -> nn.Module:
        """The embedded prior."""
        return getattr(self, self.prior_attr)

    def load_prior(self, path: str | os.PathLike[str]) -> None:
        """Load the prior of ``path`` (a ``stylegan`` run's checkpoint or export) into the embedded one."""
        load_prior_into(self.prior_network(), path)
