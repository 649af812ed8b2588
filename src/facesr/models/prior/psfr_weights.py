"""Loading PSFR-GAN's stage-1 parsing network from a training checkpoint of this project's engine (a run of
``configs/prior/psfrgan_parsenet*.yaml``: its generator is the ParseNet) or from a bare state-dict file."""

from __future__ import annotations

import os

from torch import nn


def load_parsenet(net: nn.Module, path: str | os.PathLike[str]) -> None:
    """Load ``net`` (a :class:`~facesr.models.prior.parsenet.ParseNet`) from ``path``: an engine checkpoint (the
    EMA weights of its generator when it has them) or a ``.safetensors`` state dict; one-line errors."""
    from ...training.checkpoint import CheckpointError, load_checkpoint, load_state_checked

    p = str(path)
    if p.endswith(".safetensors"):
        from safetensors.torch import load_file

        try:
            state = load_file(p)
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"{p}: cannot read the parsing network's weights ({exc})") from None
    else:
        ckpt = load_checkpoint(p)
        model = ckpt.get("model", {})
        if model.get("name") != "psfrgan" or "generator" not in ckpt.get("nets", {}):
            raise CheckpointError(f"{p}: not a checkpoint of PSFR-GAN's parsing network (model {model.get('name')})")
        state = ckpt.get("ema", {}).get("generator") or ckpt["nets"]["generator"]
    load_state_checked(net, state, "parsing network", p)
