import numpy as np
import torch

from facesr.ops import rgb2ycbcr, rgb_to_y, ycbcr2rgb


def test_matlab_reference_points():
    # MATLAB: rgb2ycbcr(uint8([255 255 255])) = [235 128 128]; black -> [16 128 128]
    white = rgb2ycbcr(np.array([255.0, 255.0, 255.0]))
    black = rgb2ycbcr(np.array([0.0, 0.0, 0.0]))
    assert np.allclose(white, [235, 128, 128], atol=1e-9)
    assert np.allclose(black, [16, 128, 128], atol=1e-9)
    # pure red: Y = 16 + 65.481, Cb = 128 - 37.797, Cr = 128 + 112
    assert np.allclose(rgb2ycbcr(np.array([255.0, 0, 0])), [81.481, 90.203, 240.0], atol=1e-9)


def test_roundtrip_and_torch_agree():
    rng = np.random.default_rng(0)
    rgb = rng.random((5, 7, 3)) * 255
    assert np.abs(ycbcr2rgb(rgb2ycbcr(rgb)) - rgb).max() < 1e-9
    t = torch.from_numpy(rgb).permute(2, 0, 1)[None]
    yt = rgb2ycbcr(t)[0].permute(1, 2, 0).numpy()
    assert np.abs(yt - rgb2ycbcr(rgb)).max() < 1e-9
    assert (ycbcr2rgb(rgb2ycbcr(t)) - t).abs().max() < 1e-9


def test_full_range_is_affine_to_y601():
    rgb = np.random.default_rng(1).random((4, 4, 3)) * 255
    assert np.allclose(rgb_to_y(rgb, "y601"), 16 + 219 / 255 * rgb_to_y(rgb, "full"))
