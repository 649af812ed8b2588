"""Similarity alignment: exact recovery, coordinate conventions, templates, paste-back."""

from __future__ import annotations

import numpy as np
import pytest

from facesr.errors import InputError
from facesr.faces.align import (
    DIC_TEMPLATE_128,
    align_face,
    alignment_matrix,
    invert,
    key_points,
    paste_back,
    scale_matrix,
    similarity_transform,
    template_points,
    transform_points,
    warp_affine,
)
from facesr.faces.synthetic import synthetic_landmarks68


def _similarity(angle_deg: float, scale: float, tx: float, ty: float) -> np.ndarray:
    a = np.deg2rad(angle_deg)
    r = scale * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return np.hstack([r, [[tx], [ty]]])


def test_similarity_recovers_known_transform():
    rng = np.random.default_rng(1)
    src = rng.uniform(0, 100, (10, 2))
    m = _similarity(17, 1.7, 5, -3)
    np.testing.assert_allclose(similarity_transform(src, transform_points(src, m)), m, atol=1e-10)
    np.testing.assert_allclose(transform_points(transform_points(src, m), invert(m)), src, atol=1e-10)
    # a reflection is not a similarity: the best fit keeps orientation
    mirrored = src * [-1, 1]
    fit = similarity_transform(src, mirrored)
    assert np.linalg.det(fit[:, :2]) > 0
    with pytest.raises(InputError):
        similarity_transform(np.zeros((3, 2)), np.ones((3, 2)))


def test_warp_moves_points_where_the_matrix_says():
    img = np.zeros((60, 80, 3), np.uint8)
    img[20, 30] = 255  # one bright pixel at (x=30, y=20)
    m = _similarity(0, 2.0, 4.0, 6.0)
    out = warp_affine(img, m, (140, 180), resample="bilinear").astype(float)[..., 0]
    ys, xs = np.mgrid[: out.shape[0], : out.shape[1]]
    centroid = np.array([(out * xs).sum(), (out * ys).sum()]) / out.sum()
    np.testing.assert_allclose(centroid, transform_points(np.array([[30.0, 20.0]]), m)[0], atol=0.05)


@pytest.mark.parametrize("size", [128, 512])
def test_templates_place_key_points(size):
    rng = np.random.default_rng(2)
    lm = synthetic_landmarks68(128)
    photo_m = _similarity(12, 3.1, 200, 90)  # the face somewhere in a big photo, rotated
    lm_photo = transform_points(lm + rng.normal(0, 0.3, lm.shape), photo_m)
    m_dic = alignment_matrix(lm_photo, "dic", size)
    keys = transform_points(key_points(lm_photo), m_dic)
    assert np.abs(keys - template_points("dic", size)).max() < 0.12 * size
    # the rotation of the photo is undone: eyes level
    assert abs(keys[0, 1] - keys[1, 1]) < 0.01 * size
    m_ffhq = alignment_matrix(lm_photo, "ffhq", size)
    k = transform_points(key_points(lm_photo), m_ffhq)
    assert abs(k[0, 1] - k[1, 1]) < 0.01 * size
    assert abs((k[0, 0] + k[1, 0]) / 2 - (size - 1) / 2) < 0.02 * size  # eyes centred horizontally
    # FFHQ framing is looser than DIC's: the eyes are closer together relative to the image
    assert (k[1, 0] - k[0, 0]) < (keys[1, 0] - keys[0, 0])
    np.testing.assert_allclose(template_points("dic", 128), DIC_TEMPLATE_128)


def test_align_and_paste_back_round_trip():
    rng = np.random.default_rng(3)
    photo = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    # a smooth photo so that resampling errors stay small
    from scipy.ndimage import gaussian_filter

    photo = np.stack([gaussian_filter(photo[..., c].astype(float), 4) for c in range(3)], -1)
    photo = np.clip((photo - photo.min()) * 255 / np.ptp(photo), 0, 255).astype(np.uint8)
    lm = transform_points(synthetic_landmarks68(128), _similarity(-8, 1.2, 150, 60))
    aligned = align_face(photo, lm, "dic", 128)
    assert aligned.image.shape == (128, 128, 3)
    np.testing.assert_allclose(aligned.landmarks, transform_points(lm, aligned.matrix))
    pasted = paste_back(photo, aligned.image, aligned.inverse)
    inner = transform_points(np.array([[64.0, 64.0]]), aligned.inverse)[0].round().astype(int)
    assert np.abs(pasted[inner[1], inner[0]].astype(int) - photo[inner[1], inner[0]]).max() <= 3
    assert np.array_equal(pasted[:5, :5], photo[:5, :5])  # far away: untouched
    # a restored face 4x larger pastes to the same place
    big = warp_affine(aligned.image, scale_matrix(np.hstack([np.eye(2), [[0], [0]]]), 4), (512, 512))
    pasted4 = paste_back(photo, big, aligned.inverse, aligned_size=128)
    assert np.abs(pasted4.astype(int) - pasted.astype(int)).mean() < 2.0


def test_bad_template_and_scheme():
    lm = synthetic_landmarks68()
    with pytest.raises(InputError, match="unknown alignment template"):
        alignment_matrix(lm, "nope")
    with pytest.raises(InputError, match="eye centres"):
        key_points(np.zeros((5, 2)), "dlib5")


def test_paste_back_blends_only_the_face_box_like_a_full_image_blend():
    from PIL import Image, ImageFilter

    from facesr.faces.align import warp_affine

    rng = np.random.default_rng(0)
    bg = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    face = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    inv = np.array([[1.3, 0.2, 100.0], [-0.2, 1.3, 50.0]])
    # the same blend computed over the whole image
    border = 3
    mask = np.zeros((64, 64), np.uint8)
    mask[border:-border, border:-border] = 255
    soft = np.asarray(Image.fromarray(mask).filter(ImageFilter.GaussianBlur(border / 2)))
    alpha = warp_affine(soft, inv, (300, 400), resample="bilinear").astype(np.float32)[..., None] / 255
    full = warp_affine(face, inv, (300, 400)).astype(np.float32) * alpha + bg.astype(np.float32) * (1 - alpha)
    ref = np.clip(np.rint(full), 0, 255).astype(np.uint8)
    out = paste_back(bg, face, inv)
    assert np.abs(out.astype(int) - ref.astype(int)).max() <= 1 and (out != bg).any()
    target = bg.copy()
    assert paste_back(target, face, inv, inplace=True) is target and np.array_equal(target, out)
    outside = np.array([[1.0, 0, 1000.0], [0, 1.0, 1000.0]])
    assert np.array_equal(paste_back(bg, face, outside), bg)
