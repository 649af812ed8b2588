"""Shared steps of the benchmark's track modes (pose, video): which methods run at a scale, and the result rows
with their notes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .methods import MethodSpec
from .runner import BenchResult, cannot_run


def runnable(spec: MethodSpec, scale: int, info: dict[str, Any], *, references: bool = False) -> bool:
    """Whether ``spec`` runs at ``scale`` (``references``: the mode gives guided methods their reference photos);
    when not, the reason goes in ``info["missing"]`` (a dash and a note)."""
    why = cannot_run(spec, scale, references=references)
    if why:
        info.setdefault("missing", []).append(f"x{scale}: {why}")
    return why is None


def add_rows(result: BenchResult, methods: Sequence[MethodSpec], info: dict[str, dict[str, Any]],
             scores: dict[str, dict[str, dict[str, float]]]) -> None:
    """Append one row per method to ``result.rows``: its complexity ``info[label]``, its ``scores[label]``
    (``{scale: {metric: mean}}``), and a note naming the scales it could not run."""
    for spec in methods:
        row = info[spec.label]
        missing = row.pop("missing", None)
        if missing:
            said = "; ".join(missing) + " (shown as -)"
            row["note"] = f"{row['note']}; {said}" if row.get("note") else said
        result.rows.append({"method": spec.label, "name": spec.name,
                            "checkpoint": str(spec.checkpoint) if spec.checkpoint else None,
                            "bundled": spec.bundled, **row, "scores": scores[spec.label]})
