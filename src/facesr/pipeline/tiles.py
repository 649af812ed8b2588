"""The background of a photo restored by the full-size face restorer in overlapping tiles
(``facesr enhance --background restore``), as GFPGAN pairs its face restorer with a background upsampler.

The upscaled photo is cut into ``tile`` x ``tile`` tiles (the restorer's working size, 128 px) that overlap
by ``overlap`` px; each tile's correction (restored tile minus tile) is weighted by a window that falls off
linearly across the overlap and the weighted corrections are averaged, so no seam shows. The work runs in
bands of tile rows: memory grows with the photo's width, not its area.

The restorer was trained on faces: on other content it acts as a denoiser and JPEG-deblocker that keeps
edges; it invents no texture a face would not have. Faces are then pasted over it from their own,
aligned restoration (:meth:`facesr.pipeline.enhance.Enhancer.enhance_array` blends the two by the faces'
feathered masks).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import InputError

TILE = 128
OVERLAP = 16


def _starts(length: int, tile: int, stride: int) -> list[int]:
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile, stride))
    return starts + [length - tile]


def _window(tile: int, overlap: int) -> np.ndarray:
    """``tile`` weights: 1 in the middle, a linear ramp over ``overlap`` px at both ends (never 0)."""
    w = np.ones(tile, np.float32)
    if overlap:
        ramp = np.arange(1, overlap + 1, dtype=np.float32) / (overlap + 1)
        w[:overlap] = ramp
        w[-overlap:] = ramp[::-1]
    return w


def restore_tiles(image: np.ndarray, restore: Callable[[np.ndarray], np.ndarray], *, tile: int = TILE,
                  overlap: int = OVERLAP, batch: int = 16, progress: bool = False) -> np.ndarray:
    """uint8 ``H x W x 3`` ``image`` with every part restored by ``restore`` (uint8 ``N x tile x tile x 3``
    -> the same, e.g. :meth:`FullSizeRestorer.restore_full`) in overlapping tiles; returns a new uint8
    image of the same size. Images smaller than a tile are padded (edge pixels) for the network and cut back."""
    img = np.asarray(image)
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise InputError(f"restore_tiles expects uint8 H x W x 3 images, got {img.dtype} {img.shape}")
    if not 0 <= overlap < tile // 2:
        raise InputError(f"tile overlap must be in [0, {tile // 2}), got {overlap}")
    h0, w0 = img.shape[:2]
    if h0 < tile or w0 < tile:
        img = np.pad(img, ((0, max(0, tile - h0)), (0, max(0, tile - w0)), (0, 0)), mode="edge")
    h, w = img.shape[:2]
    stride = tile - overlap
    ys, xs = _starts(h, tile, stride), _starts(w, tile, stride)
    win = _window(tile, overlap)
    win2 = (win[:, None] * win[None, :])[..., None]
    out = img.copy()
    acc = np.zeros((tile, w, 3), np.float32)  # weighted corrections of rows [base, base + tile)
    wsum = np.zeros((tile, w, 1), np.float32)
    base = 0

    def flush(rows: int) -> None:  # rows [base, base + rows) are final
        corr = acc[:rows] / np.maximum(wsum[:rows], 1e-6)
        band = out[base:base + rows]
        band[...] = np.clip(np.rint(band.astype(np.float32) + corr), 0, 255).astype(np.uint8)

    from tqdm.auto import tqdm

    bar = tqdm(total=len(ys) * len(xs), desc="background tiles", unit="tile", disable=not progress)
    for y in ys:
        if y > base:
            shift = y - base
            flush(shift)
            acc[:-shift], wsum[:-shift] = acc[shift:].copy(), wsum[shift:].copy()
            acc[-shift:], wsum[-shift:] = 0, 0
            base = y
        for i in range(0, len(xs), batch):
            chunk = xs[i:i + batch]
            tiles = np.stack([img[y:y + tile, x:x + tile] for x in chunk])
            restored = np.asarray(restore(tiles))
            if restored.shape != tiles.shape or restored.dtype != np.uint8:
                raise InputError(f"the restorer returned {restored.dtype} {restored.shape} for {tiles.shape} tiles")
            corr = restored.astype(np.float32) - tiles.astype(np.float32)
            for x, c in zip(chunk, corr):
                acc[:, x:x + tile] += c * win2
                wsum[:, x:x + tile] += win2[..., :1]
            bar.update(len(chunk))
    bar.close()
    flush(min(tile, h - base))
    return out[:h0, :w0]
