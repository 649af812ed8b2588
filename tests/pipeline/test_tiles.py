"""``enhance --background restore``: the photo around the faces restored by the full-size restorer in
overlapping tiles (no seams: a pointwise restorer gives exactly its pointwise result), faces pasted over
it from their own aligned restoration."""

from __future__ import annotations

import numpy as np
import pytest

from facesr.errors import InputError
from facesr.io import read_image
from facesr.paths import package_file
from facesr.pipeline.enhance import Enhancer, background
from facesr.pipeline.fullsize import full_size_restorer
from facesr.pipeline.restorers import BicubicRestorer
from facesr.pipeline.tiles import restore_tiles


def _image(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


@pytest.mark.parametrize("shape", [(128, 128), (300, 211), (50, 70), (129, 400)])
def test_pointwise_restorer_gives_its_pointwise_result_without_seams(shape):
    img = _image(*shape)
    calls = []

    def invert(tiles):
        calls.append(len(tiles))
        assert tiles.shape[1:] == (128, 128, 3)
        return 255 - tiles

    out = restore_tiles(img, invert, batch=3)
    assert out.shape == img.shape and np.array_equal(out, 255 - img)
    assert np.array_equal(restore_tiles(img, lambda t: t.copy()), img)
    assert max(calls) <= 3


def test_tile_corrections_are_averaged_over_the_overlap():
    """A restorer whose correction depends on the tile (its mean) blends smoothly: neighbouring pixels
    across a tile border differ by no more than the corrections themselves allow."""
    img = np.full((200, 200, 3), 100, np.uint8)
    img[:, 100:] = 150

    def by_mean(tiles):
        shift = (tiles.reshape(len(tiles), -1).mean(1) > 120).astype(np.int16) * 20
        return np.clip(tiles.astype(np.int16) + shift[:, None, None, None], 0, 255).astype(np.uint8)

    out = restore_tiles(img, by_mean).astype(int)
    assert np.abs(np.diff(out[:, :90], axis=1)).max() <= 3  # no step at the tile borders inside a flat area
    assert (out >= img.astype(int)).all() and (out <= img.astype(int) + 20).all()


def test_bad_restorer_output_and_overlap_are_one_line_errors():
    with pytest.raises(InputError, match="restorer returned"):
        restore_tiles(_image(128, 128), lambda t: t[:, :64])
    with pytest.raises(InputError, match="overlap"):
        restore_tiles(_image(128, 128), lambda t: t, overlap=64)


def test_background_restore_needs_a_full_size_restorer():
    with pytest.raises(InputError, match="full-size restorer"):
        Enhancer(BicubicRestorer(), background="restore")
    with pytest.raises(InputError, match="background must be"):
        Enhancer(BicubicRestorer(), background="tiles")


def test_photo_background_is_restored_and_faces_come_from_their_own_restoration():
    pytest.importorskip("dlib", reason="dlib-bin is needed for face detection")
    img = read_image(package_file("skimage", "data/astronaut.png", "pip install scikit-image"))[::2, ::2]
    img = np.ascontiguousarray(img[:160, 40:200])  # the face and some suit and background
    r = full_size_restorer("bfr-lite")
    plain, rep = Enhancer(r).enhance_array(img, 2)
    tiled, rep2 = Enhancer(r, background="restore").enhance_array(img, 2)
    assert rep.faces_restored == rep2.faces_restored >= 1 and "background restored in tiles" in rep2.notes
    base = background(img, 2)
    # away from the face: the plain result is the bicubic upscale, the tiled one the restorer's work
    assert np.array_equal(plain[-20:, :20], base[-20:, :20]) and not np.array_equal(tiled[-20:, :20], base[-20:, :20])
    # at the face's centre both carry the same aligned restoration
    left, top, right, bottom = (int(v * 2) for v in rep.boxes[0])
    cy, cx = (top + bottom) // 2, (left + right) // 2
    centre = (slice(cy - 8, cy + 8), slice(cx - 8, cx + 8))
    assert np.abs(plain[centre].astype(int) - tiled[centre].astype(int)).max() <= 1
