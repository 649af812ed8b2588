"""imresize against an independent float64 transcription of MATLAB's algorithm, and Pillow."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image

from facesr.errors import InputError
from facesr.ops import imresize


def _matlab_cubic(x):
    ax = abs(x)
    if ax <= 1:
        return 1.5 * ax**3 - 2.5 * ax**2 + 1
    if ax <= 2:
        return -0.5 * ax**3 + 2.5 * ax**2 - 4 * ax + 2
    return 0.0


def _reference_resize_1d(vec: np.ndarray, out_len: int, scale: float) -> np.ndarray:
    """One axis, one output sample at a time, straight from MATLAB's ``contributions``."""
    in_len = len(vec)
    antialias = scale < 1
    width = 4.0 / scale if antialias else 4.0
    out = np.zeros(out_len)
    for i in range(1, out_len + 1):
        u = i / scale + 0.5 * (1 - 1 / scale)
        left = math.floor(u - width / 2)
        taps = math.ceil(width) + 2
        ws, idx = [], []
        for t in range(taps):
            j = left + t
            d = u - j
            ws.append(scale * _matlab_cubic(scale * d) if antialias else _matlab_cubic(d))
            # symmetric padding: mirror 1-based index into 1..in_len
            m = (j - 1) % (2 * in_len)
            idx.append(m if m < in_len else 2 * in_len - 1 - m)
        ws = np.array(ws) / sum(ws)
        out[i - 1] = float(np.dot(ws, vec[idx]))
    return out


def _reference_imresize(img: np.ndarray, scale: float | None, size=None) -> np.ndarray:
    h, w = img.shape[:2]
    if size is None:
        oh, ow = math.ceil(h * scale), math.ceil(w * scale)
        sh = sw = scale
    else:
        oh, ow = size
        sh, sw = oh / h, ow / w
    tmp = np.stack([_reference_resize_1d(img[:, c], oh, sh) for c in range(w)], axis=1)
    return np.stack([_reference_resize_1d(tmp[r], ow, sw) for r in range(oh)], axis=0)


@pytest.mark.parametrize("scale", [1 / 16, 1 / 8, 1 / 4, 1 / 3, 1 / 2, 2, 3, 4, 8])
@pytest.mark.parametrize("shape", [(37, 29), (64, 48)])
def test_matches_matlab_reference(scale, shape):
    rng = np.random.default_rng(0)
    img = rng.random(shape)
    if min(shape) * scale < 1:
        pytest.skip("output would be empty")
    ours = imresize(img, scale)
    ref = _reference_imresize(img, scale)
    assert ours.shape == ref.shape == (math.ceil(shape[0] * scale), math.ceil(shape[1] * scale))
    assert np.abs(ours - ref).max() < 1e-6


@pytest.mark.parametrize("size", [(13, 21), (50, 7), (128, 99)])
def test_output_size_matches_reference(size):
    img = np.random.default_rng(1).random((41, 33))
    assert np.abs(imresize(img, size=size) - _reference_imresize(img, None, size)).max() < 1e-6


def test_torch_batched_equals_numpy():
    rng = np.random.default_rng(2)
    imgs = rng.random((3, 40, 24, 3))
    t = torch.from_numpy(imgs).permute(0, 3, 1, 2)
    for scale in (1 / 8, 1 / 3, 4):
        out_t = imresize(t, scale).permute(0, 2, 3, 1).numpy()
        for i in range(3):
            assert np.abs(out_t[i] - imresize(imgs[i], scale)).max() < 1e-12


def test_large_images_use_the_banded_path_consistently():
    rng = np.random.default_rng(3)
    img = rng.random((2100, 30))
    a = imresize(img, 0.5)
    ref = _reference_imresize(img[:200], 0.5)  # rows far from the bottom only see rows above 200
    assert np.abs(a[:90] - ref[:90]).max() < 1e-6


def test_pil_kernel_close_to_pillow_on_faces():
    rng = np.random.default_rng(4)
    base = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    smooth = np.asarray(Image.fromarray(base).resize((128, 128), Image.Resampling.BICUBIC))
    for size in ((16, 16), (32, 32), (43, 43)):
        pil = np.asarray(Image.fromarray(smooth).resize(size[::-1], Image.Resampling.BICUBIC)).astype(int)
        ours = imresize(smooth, size=size, kernel="pil").astype(int)
        assert np.abs(pil - ours).max() <= 1


def test_uint8_in_uint8_out_and_errors():
    img = np.full((16, 16, 3), 200, np.uint8)
    out = imresize(img, 2)
    assert out.dtype == np.uint8 and out.shape == (32, 32, 3) and (out == 200).all()
    with pytest.raises(InputError):
        imresize(img, 0)
    with pytest.raises(InputError):
        imresize(img, -2)
    with pytest.raises(InputError):
        imresize(np.zeros((2, 2, 2, 2)), 2)


def test_numpy_path_is_the_weight_matrix_product_summed_in_tap_order():
    """The numpy path sums the kernel's taps (no BLAS, so machine-independent bits); it equals the dense
    resize matrix's product to rounding, along either axis, for 2-D and 3-D arrays."""
    from facesr.ops.resize import resize_matrix

    rng = np.random.default_rng(3)
    for shape in ((37, 53), (64, 48, 3)):
        x = rng.random(shape) * 255
        for kernel in ("matlab", "pil", "cv2", "bilinear"):
            y = imresize(x, 0.37, kernel=kernel)
            oh, ow = y.shape[:2]
            rows = resize_matrix(shape[0], oh, 0.37, kernel)
            cols = resize_matrix(shape[1], ow, 0.37, kernel)
            ref = np.einsum("ij,jk...->ik...", rows, np.einsum("ij,kj...->ki...", cols, x))
            np.testing.assert_allclose(y, ref, rtol=0, atol=1e-9)
