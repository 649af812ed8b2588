"""The MOS plot, drawn with Pillow (no plotting library needed): MOS ± 95% CI per method, and
per-item MOS against the first benchmark metric (PSNR when present)."""

from __future__ import annotations

from typing import Any

from PIL import Image, ImageDraw

from ..io.drawing import PALETTE
from ..io.drawing import font as _font

W, H, PAD = 460, 360, 48


def _axes(d: ImageDraw.ImageDraw, x0: int, title: str, font) -> tuple[int, int, int, int]:
    left, top, right, bottom = x0 + PAD, 30, x0 + W - 12, H - PAD
    d.text((x0 + W // 2, 8), title, fill="black", font=font, anchor="mt")
    d.line([(left, top), (left, bottom), (right, bottom)], fill="black", width=1)
    for v in range(1, 6):  # the MOS axis (1..5) is shared by both panels
        y = bottom - (v - 1) / 4 * (bottom - top)
        d.line([(left - 4, y), (left, y)], fill="black")
        d.line([(left + 1, y), (right, y)], fill=(230, 230, 230))
        d.text((left - 8, y), str(v), fill="black", font=font, anchor="rm")
    return left, top, right, bottom


def plot_report(rep: dict[str, Any]) -> Image.Image:
    """An RGB image with the two panels."""
    font = _font(12)
    img = Image.new("RGB", (2 * W, H), "white")
    d = ImageDraw.Draw(img)
    rows = [r for r in rep["methods"] if r["mos"] is not None]
    colors = {r["method"]: PALETTE[i % len(PALETTE)] for i, r in enumerate(rep["methods"])}
    left, top, right, bottom = _axes(d, 0, "MOS with 95% CI", font)

    def ymap(v: float) -> float:
        return bottom - (v - 1) / 4 * (bottom - top)

    slot = (right - left) / max(len(rows), 1)
    for k, r in enumerate(rows):
        cx = left + slot * (k + 0.5)
        bw = min(60.0, slot * 0.6)
        d.rectangle([cx - bw / 2, ymap(r["mos"]), cx + bw / 2, bottom], fill=colors[r["method"]])
        if r["ci95"] is not None:
            lo, hi = ymap(max(1.0, r["low"])), ymap(min(5.0, r["high"]))
            d.line([(cx, lo), (cx, hi)], fill="black", width=2)
            d.line([(cx - 6, lo), (cx + 6, lo)], fill="black", width=2)
            d.line([(cx - 6, hi), (cx + 6, hi)], fill="black", width=2)
        d.text((cx, bottom + 6), r["method"][:18], fill="black", font=font, anchor="mt")
        d.text((cx, bottom + 22), f"{r['mos']:.2f}", fill="black", font=font, anchor="mt")
    metric = "psnr" if "psnr" in rep["metrics"] else (rep["metrics"][0] if rep["metrics"] else None)
    pts = [p for p in rep.get("item_scores", []) if metric and p.get(metric) is not None]
    left, top, right, bottom = _axes(d, W, f"item MOS vs {metric or 'metric'}", font)
    if not pts:
        d.text(((left + right) / 2, (top + bottom) / 2), "no benchmark scores", fill="gray", font=font, anchor="mm")
        return img
    xs = [float(p[metric]) for p in pts]
    lo, hi = min(xs), max(xs)
    span = (hi - lo) or 1.0
    lo, hi = lo - 0.05 * span, hi + 0.05 * span
    for t in range(5):
        v = lo + t / 4 * (hi - lo)
        x = left + t / 4 * (right - left)
        d.line([(x, bottom), (x, bottom + 4)], fill="black")
        d.text((x, bottom + 6), f"{v:.3g}", fill="black", font=font, anchor="mt")
    d.text(((left + right) / 2, bottom + 24), metric, fill="black", font=font, anchor="mt")
    for p, x in zip(pts, xs):
        px = left + (x - lo) / (hi - lo) * (right - left)
        py = ymap(p["mos"])
        d.ellipse([px - 4, py - 4, px + 4, py + 4], fill=colors.get(p["method"], (0, 0, 0)), outline="black")
    for k, m in enumerate(r["method"] for r in rep["methods"] if r["method"] in {p["method"] for p in pts}):
        y = top + 4 + 16 * k
        d.rectangle([right - 130, y, right - 120, y + 10], fill=colors[m])
        d.text((right - 115, y + 5), m[:18], fill="black", font=font, anchor="lm")
    return img
