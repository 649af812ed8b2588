"""Missing attributes at test time (survey §4.3.2-4.3.3): hide some, measure what it costs.

A given-attribute network gets NaN for an unknown attribute and uses its ``unknown`` value (0.5 by
default, :mod:`.conditioning`). :func:`missing_attribute_drop` scores a network on the same faces
with a growing fraction of the attributes hidden, so the "performance may drop sharply" of the
survey becomes a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ..errors import InputError


def hide_attributes(attributes: torch.Tensor, fraction: float, seed: int = 0) -> torch.Tensor:
    """A copy of ``attributes`` (``N x k``) with ``round(fraction * N * k)`` entries, drawn with
    ``seed``, set to NaN (unknown). ``fraction`` in [0, 1]; 1 hides every attribute."""
    if not 0.0 <= fraction <= 1.0:
        raise InputError(f"fraction of hidden attributes must be in [0, 1], got {fraction}")
    out = attributes.detach().clone().float()
    count = int(round(fraction * out.numel()))
    if count:
        idx = np.random.default_rng(seed).choice(out.numel(), size=count, replace=False)
        out.view(-1)[torch.from_numpy(idx)] = float("nan")
    return out


@torch.no_grad()
def missing_attribute_drop(model: torch.nn.Module, hr: np.ndarray, attributes: torch.Tensor, *,
                           fractions: Sequence[float] = (0.0, 0.5, 1.0), protocol: str = "facesr",
                           metrics: Sequence[str] = ("psnr", "ssim"), batch_size: int = 16,
                           seed: int = 0) -> list[dict[str, Any]]:
    """Scores of a given-attribute ``model`` with a fraction of the attributes hidden.

    ``hr``: ``uint8 N x S x S x 3`` faces (LR made by ``protocol``); ``attributes``: ``N x k`` 0/1.
    Returns one row per fraction: ``{"hidden": fraction, <metric>: mean, "drop_<metric>": mean at
    fraction 0 minus this}`` (a positive drop is a loss for higher-is-better metrics), plus a
    ``bicubic`` row for reference.
    """
    from ..io import uint8_to_tensor
    from ..metrics import create_metric
    from ..metrics.protocols import get_protocol

    if getattr(model, "mode", "given") != "given":
        raise InputError("missing_attribute_drop needs a given-attribute network (mode=given)")
    if len(hr) != attributes.shape[0]:
        raise InputError(f"{len(hr)} faces but {attributes.shape[0]} attribute rows")
    proto = get_protocol(protocol)
    scale = model.scale
    scorers = [create_metric(m, proto, scale) for m in metrics]
    lr_all = uint8_to_tensor(list(proto.make_lr(hr, scale)))
    hr_t = uint8_to_tensor(list(hr))
    device = next(model.parameters()).device
    was = model.training
    model.eval()

    def score(sr: torch.Tensor) -> dict[str, float]:
        return {m: float(s(sr, hr_t).mean()) for m, s in zip(metrics, scorers)}

    rows: list[dict[str, Any]] = []
    for f in fractions:
        attrs = hide_attributes(attributes, f, seed)
        outs = []
        for i in range(0, len(hr), batch_size):
            lr = lr_all[i : i + batch_size].to(device)
            outs.append(model(lr, attributes=attrs[i : i + batch_size].to(device)).float().clamp(0, 1).cpu())
        rows.append({"hidden": float(f), **score(torch.cat(outs))})
    model.train(was)
    base = rows[0] if rows and rows[0]["hidden"] == 0.0 else None
    if base is not None:
        for r in rows:
            r.update({f"drop_{m}": base[m] - r[m] for m in metrics})
    bicubic = uint8_to_tensor(list(proto.upsample(proto.make_lr(hr, scale), scale)))
    rows.append({"hidden": "bicubic", **score(bicubic)})
    return rows


def measure_run(run_dir: str, checkpoint: str = "last.pt", fractions: Sequence[float] = (0.0, 0.25, 0.5, 1.0),
                limit: int | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """:func:`missing_attribute_drop` for a training run folder (its ``config.yaml`` and
    ``checkpoints/<checkpoint>``) on the run's validation faces (``data.val``, first ``limit``)."""
    from pathlib import Path

    from ..models.registry import create
    from ..training import load_config
    from ..training.checkpoint import load_checkpoint, load_state_checked
    from ..training.data import build_train_set, load_val_faces
    from ..training.requirements import attribute_names_of, val_conditions

    run = Path(run_dir)
    cfg = load_config(run / "config.yaml")
    g = cfg.generator
    net = create(g.model, cfg.scale, **g.options)
    path = run / "checkpoints" / checkpoint
    load_state_checked(net, load_checkpoint(path)["nets"]["generator"], "generator", path)
    cfg.data.train.preload = False  # only the attribute order is needed from the training data
    train = build_train_set(cfg.data.train, cfg.scale, cfg.seed)
    train[0]  # fixes the attribute order, as in training
    v = cfg.data.val
    if limit is not None:
        v.limit = limit
    names, hr = load_val_faces(v, cfg.data.train.size)
    attrs = val_conditions(v.dataset, v.root, names, ["attributes"], attribute_names_of(train))["attributes"]
    return missing_attribute_drop(net, hr, attrs, fractions=fractions, protocol=v.protocol, seed=seed)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m facesr.evaluation.missing_attributes RUN_DIR [--checkpoint last.pt] [--limit N]``."""
    import argparse
    import json

    p = argparse.ArgumentParser(description="PSNR/SSIM of a given-attribute run with attributes hidden")
    p.add_argument("run_dir")
    p.add_argument("--checkpoint", default="last.pt")
    p.add_argument("--fractions", default="0,0.25,0.5,1")
    p.add_argument("--limit", type=int, default=None)
    a = p.parse_args(argv)
    rows = measure_run(a.run_dir, a.checkpoint, [float(f) for f in a.fractions.split(",")], a.limit)
    for r in rows:
        print(json.dumps(r))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
