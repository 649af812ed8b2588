"""The bicubic rows of every protocol on celeba1000 against an independent computation.

The reference below is written from the MATLAB definitions (``imresize`` contributions with
uint8 passes, ``rgb2ycbcr``, ``ssim_index``) and scikit-image, one image at a time; it shares no
code with facesr except reading the JPEG files.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image
from scipy.ndimage import correlate
from skimage.metrics import structural_similarity

from facesr.evaluation import evaluate
from facesr.metrics import get_protocol, list_protocols

PROTOCOLS = ["facesr", "survey", "dic", "basicsr", "sparnet", "pyiqa"]


def _cubic(x):
    ax = np.abs(x)
    return np.where(ax <= 1, 1.5 * ax**3 - 2.5 * ax**2 + 1,
                    np.where(ax <= 2, -0.5 * ax**3 + 2.5 * ax**2 - 4 * ax + 2, 0.0))


def _matlab_weights(n_in, n_out, scale):
    width = 4 / scale if scale < 1 else 4.0
    u = np.arange(1, n_out + 1) / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - width / 2)
    j = left[:, None] + np.arange(math.ceil(width) + 2)[None]
    w = scale * _cubic(scale * (u[:, None] - j)) if scale < 1 else _cubic(u[:, None] - j)
    w /= w.sum(1, keepdims=True)
    m = (j - 1) % (2 * n_in)
    idx = np.where(m < n_in, m, 2 * n_in - 1 - m).astype(int)
    full = np.zeros((n_out, n_in))
    for r in range(n_out):
        for c in range(idx.shape[1]):
            full[r, idx[r, c]] += w[r, c]
    return full


def _matlab_resize_uint8(img, scale):
    h, w = img.shape[:2]
    wh = _matlab_weights(h, math.ceil(h * scale), scale)
    ww = _matlab_weights(w, math.ceil(w * scale), scale)
    x = img.astype(np.float64)
    x = np.clip(np.round(np.einsum("oh,hwc->owc", wh, x)), 0, 255)  # MATLAB keeps uint8 between passes
    x = np.clip(np.round(np.einsum("ow,hwc->hoc", ww, x)), 0, 255)
    return x.astype(np.uint8)


def _resize(img, scale, kernel):
    if kernel == "pil":
        h, w = img.shape[:2]
        size = (round(w * scale), round(h * scale))
        return np.asarray(Image.fromarray(img).resize(size, Image.BICUBIC))
    return _matlab_resize_uint8(img, scale)


def _plane(img, color, mode):
    rgb = img.astype(np.float64)
    if color == "y601":
        y = 16 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]) / 255
    else:
        y = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    if mode == "round":
        return np.round(y)
    if mode == "trunc":
        return y.astype(np.uint8).astype(np.float64)
    return y


def _matlab_ssim(a, b, relu_cs=False):
    g = np.exp(-((np.arange(11) - 5.0) ** 2) / (2 * 1.5**2))
    win = np.outer(g, g) / np.outer(g, g).sum()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def filt(x):
        return correlate(x, win, mode="constant")[5:-5, 5:-5]

    mu1, mu2 = filt(a), filt(b)
    s1, s2, s12 = filt(a * a) - mu1**2, filt(b * b) - mu2**2, filt(a * b) - mu1 * mu2
    cs = (2 * s12 + c2) / (s1 + s2 + c2)
    if relu_cs:
        cs = np.maximum(cs, 0)
    return float(np.mean((2 * mu1 * mu2 + c1) / (mu1**2 + mu2**2 + c1) * cs))


def reference_row(hr_paths, name, scale):
    """Mean PSNR/SSIM of the bicubic baseline, one image at a time."""
    p = get_protocol(name)
    crop = p.crop_for(scale)
    psnrs, ssims = [], []
    for path in hr_paths:
        hr = np.asarray(Image.open(path).convert("RGB"))
        lr = _resize(hr, 1 / scale, p.lr_kernel)
        sr = _resize(lr, scale, p.up_kernel)
        a = _plane(sr, p.color, p.y_quantize)
        b = _plane(hr, p.color, p.y_quantize)
        if crop:
            a, b = a[crop:-crop, crop:-crop], b[crop:-crop, crop:-crop]
        psnrs.append(10 * math.log10(255**2 / np.mean((a - b) ** 2)))
        a = _plane(sr, p.color, p.ssim_y_quantize)
        b = _plane(hr, p.color, p.ssim_y_quantize)
        if crop:
            a, b = a[crop:-crop, crop:-crop], b[crop:-crop, crop:-crop]
        if name == "survey":
            ssims.append(structural_similarity(a, b, data_range=255))
        elif name == "dic":
            ssims.append(_matlab_ssim((256 - a) % 256, (256 - b) % 256))
        else:
            ssims.append(_matlab_ssim(a, b, relu_cs=p.ssim_relu_cs))
    return float(np.mean(psnrs)), float(np.mean(ssims))


def _check(celeba1000, tmp_path, names, scales, n):
    hr_dir = celeba1000 / "HR"
    paths = sorted(hr_dir.glob("*.jpg"))[:n]
    sub = tmp_path / "hr"
    sub.mkdir()
    for p in paths:
        (sub / p.name).symlink_to(p)
    for name in names:
        for scale in scales:
            ours = evaluate(hr=sub, scale=scale, baseline="bicubic", protocol=name, metrics="psnr,ssim")
            ref_psnr, ref_ssim = reference_row(paths, name, scale)
            assert ours.n == len(paths)
            assert abs(ours.metrics["psnr"] - ref_psnr) < 1e-3, (name, scale)
            assert abs(ours.metrics["ssim"] - ref_ssim) < 1e-4, (name, scale)


def test_every_protocol_is_listed():
    assert [p.name for p in list_protocols()] == PROTOCOLS


@pytest.mark.parametrize("name", PROTOCOLS)
def test_bicubic_rows_match_independent_reference(celeba1000, tmp_path, name):
    _check(celeba1000, tmp_path, [name], [4, 8, 16], 60)


@pytest.mark.slow
def test_bicubic_rows_full_celeba1000(celeba1000, tmp_path):
    _check(celeba1000, tmp_path, PROTOCOLS, [4, 8, 16], 1000)
