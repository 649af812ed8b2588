"""Training curves as a picture: validation metric per iteration of one or more runs, with the
bicubic baseline the engine logs beside it (``val_log.csv`` columns ``psnr`` / ``bicubic_psnr``).

:func:`plot_curves` draws one panel per run with Pillow (no plotting library); ``facesr curves``
writes the PNG and prints the last and best value of each run.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError


def read_val_log(run: str | os.PathLike[str]) -> list[dict[str, float]]:
    """Rows of ``<run>/val_log.csv`` (or the CSV file itself) as floats, in iteration order."""
    path = Path(run)
    if path.is_dir():
        path = path / "val_log.csv"
    if not path.is_file():
        raise InputError(f"{path}: no validation log (a run folder written by 'facesr train' holds val_log.csv)")
    with open(path, newline="") as fh:
        rows = []
        for row in csv.DictReader(fh):
            try:
                rows.append({k: float(v) for k, v in row.items() if v not in (None, "")})
            except ValueError as exc:
                raise InputError(f"{path}: not a number in the validation log ({exc})") from None
    rows = [r for r in rows if "iteration" in r]
    if not rows:
        raise InputError(f"{path}: the validation log has no rows yet")
    by_iteration = {int(r["iteration"]): r for r in rows}  # a resumed run may repeat an iteration
    return [by_iteration[k] for k in sorted(by_iteration)]


def summarize(rows: Sequence[Mapping[str, float]], metric: str = "psnr", higher_better: bool = True) -> dict[str, Any]:
    """First, last and best value of ``metric`` and the bicubic value (when logged)."""
    values = [(int(r["iteration"]), r[metric]) for r in rows if metric in r]
    if not values:
        raise InputError(f"the validation log has no column {metric!r}")
    best = (max if higher_better else min)(values, key=lambda t: t[1])
    base = [r[f"bicubic_{metric}"] for r in rows if f"bicubic_{metric}" in r]
    return {"first": values[0], "last": values[-1], "best": best, "bicubic": base[-1] if base else None}


def plot_curves(runs: Mapping[str, Sequence[Mapping[str, float]]], metric: str = "psnr", *,
                columns: int = 3, size: tuple[int, int] = (420, 300)):
    """A Pillow RGB image: one panel per run (label -> val-log rows), ``metric`` against the
    iteration, the bicubic value as a dashed grey line, axes ticked and labelled."""
    from PIL import Image, ImageDraw

    from ..io.drawing import PALETTE, font

    if not runs:
        raise InputError("no runs to plot")
    f, small = font(13), font(11)
    w, h = size
    cols = min(columns, len(runs))
    rows_n = math.ceil(len(runs) / cols)
    img = Image.new("RGB", (cols * w, rows_n * h), "white")
    d = ImageDraw.Draw(img)
    for k, (label, rows) in enumerate(runs.items()):
        x0, y0 = (k % cols) * w, (k // cols) * h
        _draw_panel(d, (x0 + 56, y0 + 28, x0 + w - 14, y0 + h - 40), y0, label, rows, metric,
                    PALETTE[k % len(PALETTE)], f, small)
    return img


def _draw_panel(d, box: tuple[float, float, float, float], y0: float, label: str,
                rows: Sequence[Mapping[str, float]], metric: str, color, f, small) -> None:
    """One run's panel inside ``box`` (the axes' left, top, right, bottom) of drawing ``d``."""
    left, top, right, bottom = box
    pts = [(r["iteration"], r[metric]) for r in rows if metric in r]
    base = [r[f"bicubic_{metric}"] for r in rows if f"bicubic_{metric}" in r]
    d.text(((left + right) / 2, y0 + 8), label, fill="black", font=f, anchor="mt")
    d.line([(left, top), (left, bottom), (right, bottom)], fill="black")
    if not pts:
        d.text(((left + right) / 2, (top + bottom) / 2), f"no {metric}", fill="gray", font=f, anchor="mm")
        return
    ys = [p[1] for p in pts] + base[-1:]
    lo, hi = min(ys), max(ys)
    pad = max((hi - lo) * 0.08, 0.05)
    lo, hi = lo - pad, hi + pad
    x_hi = max(p[0] for p in pts) or 1.0

    def xy(it: float, v: float) -> tuple[float, float]:
        return left + it / x_hi * (right - left), bottom - (v - lo) / (hi - lo) * (bottom - top)

    for t in range(5):
        v = lo + t / 4 * (hi - lo)
        y = bottom - t / 4 * (bottom - top)
        d.line([(left - 4, y), (left, y)], fill="black")
        d.line([(left + 1, y), (right, y)], fill=(232, 232, 232))
        d.text((left - 6, y), f"{v:.2f}", fill="black", font=small, anchor="rm")
        x = left + t / 4 * (right - left)
        d.line([(x, bottom), (x, bottom + 4)], fill="black")
        d.text((x, bottom + 6), f"{t / 4 * x_hi:.0f}", fill="black", font=small, anchor="mt")
    d.text(((left + right) / 2, bottom + 22), "iteration", fill="black", font=small, anchor="mt")
    if base:
        yb = xy(0, base[-1])[1]
        for xs in range(int(left), int(right), 12):
            d.line([(xs, yb), (min(xs + 6, right), yb)], fill=(120, 120, 120), width=1)
        d.text((left + 4, yb - 3), f"bicubic {base[-1]:.2f}", fill=(90, 90, 90), font=small, anchor="lb")
    line = [xy(*p) for p in pts]
    if len(line) > 1:
        d.line(line, fill=color, width=2)
    for px, py in line:
        d.ellipse([px - 3, py - 3, px + 3, py + 3], fill=color)
    d.text((line[-1][0] - 4, line[-1][1] - 6), f"{pts[-1][1]:.2f}", fill=color, font=small, anchor="rb")
