"""Comparison grids like the survey's Fig. 9-11: LR, bicubic, each method, HR for chosen faces."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def pick_images(result, scale: int, count: int = 3) -> list[tuple[str, str]]:
    """``[(reason, name)]``: best, median and worst PSNR gain of the best method over bicubic."""
    s = str(scale)
    per = result.per_image
    methods = [r["method"] for r in result.rows if r["family"] != "baseline"]
    base = per.get("bicubic", {}).get(s, {})
    if not base:
        return []
    methods = [m for m in methods if s in per.get(m, {})]  # a method without this scale has no images
    if methods:
        best = max(methods, key=lambda m: result.rows[[r["method"] for r in result.rows].index(m)]["scores"]
                   .get(s, {}).get("psnr", float("-inf")))
        gain = {k: (per[best][s][k].get("psnr") or 0) - (base[k].get("psnr") or 0) for k in base}
    else:
        gain = {k: base[k].get("psnr") or 0 for k in base}
    order = sorted(gain, key=lambda k: gain[k])
    picks = [("largest gain", order[-1]), ("median gain", order[len(order) // 2]), ("smallest gain", order[0])]
    seen, out = set(), []
    for reason, name in picks[:count]:
        if name not in seen:
            seen.add(name)
            out.append((reason, name))
    return out


def _label(img: np.ndarray, text: str, height: int = 14) -> np.ndarray:
    from PIL import Image, ImageDraw

    strip = Image.new("RGB", (img.shape[1], height), (255, 255, 255))
    ImageDraw.Draw(strip).text((2, 1), text[: max(1, img.shape[1] // 6)], fill=(0, 0, 0))
    return np.concatenate([np.asarray(strip), img], axis=0)


def comparison_grid(rows: Sequence[Sequence[np.ndarray]], titles: Sequence[str], pad: int = 2) -> np.ndarray:
    """Stack rows of equally sized uint8 images into one labelled grid (white padding)."""
    h, w = rows[0][0].shape[:2]
    labelled_header = [_label(np.full((0, w, 3), 255, np.uint8), t) for t in titles]
    lines = [labelled_header, *rows]
    out_rows = []
    for cells in lines:
        padded = []
        for c in cells:
            padded.append(np.pad(c, ((0, pad), (0, pad), (0, 0)), constant_values=255))
        out_rows.append(np.concatenate(padded, axis=1))
    return np.concatenate(out_rows, axis=0)


def grid_for_scale(result, images, scale: int, picks: list[tuple[str, str]]) -> np.ndarray | None:
    """The grid of the picked faces at ``scale``: LR (nearest), the reference when the images have one
    (``images["reference"][scale]``: the guide of ``facesr bench --reference``), each method, HR."""
    if not picks:
        return None
    idx = {n: i for i, n in enumerate(result.names)}
    labels = [r["method"] for r in result.rows]
    guide = images.get("reference", {}).get(scale)
    titles = [f"LR x{scale}", *(["reference"] if guide is not None else []), *labels, "HR"]
    rows = []
    for _, name in picks:
        i = idx[name]
        lr = images[scale]["lr"][i]
        lr_big = np.repeat(np.repeat(lr, scale, axis=0), scale, axis=1)
        blank = np.full_like(images["hr"][i], 255)  # a method that cannot run this scale
        rows.append([lr_big, *([guide[i]] if guide is not None else []),
                     *(images[scale][m][i] if m in images[scale] else blank for m in labels), images["hr"][i]])
    return comparison_grid(rows, titles)
