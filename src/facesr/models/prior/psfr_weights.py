"""Loading PSFR-GAN's stage-1 parsing network from a training checkpoint of this project's engine (a run of
``configs/prior/psfrgan_parsenet*.yaml``: its generator is the ParseNet) or from a bare state-dict file."""

from __future__ import annotations

import os

from torch import nn


def load_parsenet(net: nn.Module, path: str | os.PathLike[str]) -> None:
    """Load ``net`` (a :class:`~facesr.models.prior.parsenet.ParseNet`) from ``path``: an engine checkpoint (the
    EMA weights of its generator when it has them) or a ``.safetensors`` state dict; one-line errors."""
    from ...errors import InputError
    from ..weights import load_weights

    state, desc = load_weights(path)  # engine checkpoints (EMA generator first), safetensors, foreign files
    if desc.get("model") not in (None, "psfrgan"):
        raise InputError(f"{path}: not a checkpoint of PSFR-GAN's parsing network (model {desc['model']})")
    try:
        net.load_state_dict(state)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0][:160]
        raise InputError(f"{path}: the parsing network's weights do not fit ({first})") from None
