"""The reference family's shared blocks, against hand-made cases: flow warping, points, MLS and WLS
alignment, AdaIN, component boxes, crop and paste, guidance selection, atom selection, composites."""

from __future__ import annotations

import math

import numpy as np
import torch

from facesr.faces.synthetic import synthetic_landmarks68
from facesr.models import create
from facesr.models.reference.components import PARTS, crop, part_boxes, paste
from facesr.models.reference.dfdnet import select_atoms
from facesr.models.reference.geometry import (
    affine_warp,
    flow_differences,
    flow_warp,
    mls_affine_grid,
    sample_points,
    similarity_fit,
    wls_residual,
)
from facesr.models.reference.jsrfc import compose
from facesr.models.reference.layers import adain


def face_points(n: int = 1, size: int = 128, asymmetry: float = 0.0) -> torch.Tensor:
    return torch.from_numpy(synthetic_landmarks68(size, asymmetry).astype(np.float32)).expand(n, 68, 2).clone()


def test_flow_warp_zero_and_integer_shift():
    img = torch.rand(1, 3, 12, 12)
    torch.testing.assert_close(flow_warp(img, torch.zeros(1, 2, 12, 12)), img)
    flow = torch.zeros(1, 2, 12, 12)
    flow[:, 0] = 2.0  # sample 2 px to the right
    torch.testing.assert_close(flow_warp(img, flow)[..., :10], img[..., 2:])


def test_sample_points_and_differences():
    field = torch.arange(2 * 5 * 5, dtype=torch.float32).reshape(1, 2, 5, 5)
    pts = torch.tensor([[[1.0, 2.0], [3.5, 0.0]]])
    got = sample_points(field, pts)
    assert got.shape == (1, 2, 2)
    torch.testing.assert_close(got[0, 0], field[0, :, 2, 1])
    torch.testing.assert_close(got[0, 1], (field[0, :, 0, 3] + field[0, :, 0, 4]) / 2)
    ramp = torch.arange(5.0).expand(1, 2, 5, 5)
    d = flow_differences(ramp)
    assert d.shape == (1, 2 * 5 * 4 * 2) and d[:, : 2 * 5 * 4].eq(1).all() and d[:, 2 * 5 * 4:].eq(0).all()


def test_mls_is_exact_for_an_affine_map():
    q = torch.rand(1, 20, 2) * 30
    m = torch.tensor([[1.1, 0.2], [-0.1, 0.9]])
    p = q @ m.T + torch.tensor([3.0, -2.0])
    grid = mls_affine_grid(p, q, 32, 32)
    v = torch.stack(torch.meshgrid(torch.arange(32.0), torch.arange(32.0), indexing="xy"), -1)
    torch.testing.assert_close(grid[0], v @ m.T + torch.tensor([3.0, -2.0]), rtol=1e-4, atol=1e-3)
    torch.testing.assert_close(mls_affine_grid(q, q, 32, 32)[0], v, rtol=1e-4, atol=1e-3)


def test_mls_moves_control_points_onto_their_targets():
    q = face_points(1, 64)[:, 17:].round()  # control points on pixels
    p = q.clone()
    p[:, 10] += torch.tensor([2.0, -1.0])  # one point moved in the source
    grid = mls_affine_grid(p, q, 64, 64)
    for i in (0, 10, 30):
        x, y = q[0, i].long().tolist()
        torch.testing.assert_close(grid[0, y, x], p[0, i], rtol=0, atol=1e-3)


def test_similarity_fit_recovers_a_similarity_and_residual():
    src = torch.rand(3, 10, 2) * 50
    ang, s = math.radians(20), 1.3
    a_true = s * torch.tensor([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]])
    dst = src @ a_true.T + torch.tensor([5.0, 7.0])
    a, t = similarity_fit(src, dst)
    torch.testing.assert_close(a, a_true.expand(3, 2, 2), rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(t, torch.tensor([5.0, 7.0]).expand(3, 2), rtol=1e-3, atol=1e-3)
    assert wls_residual(src, dst).max() < 1e-6
    noisy = dst + torch.randn_like(dst)
    assert (wls_residual(src, noisy) > 0.1).all()
    out = affine_warp(torch.rand(1, 3, 16, 16), torch.eye(2)[None], torch.zeros(1, 2), 16, 16)
    assert out.shape == (1, 3, 16, 16)


def test_adain_takes_the_style_statistics():
    content, style = torch.randn(2, 4, 8, 8), torch.randn(2, 4, 5, 5) * 3 + 2
    out = adain(content, style)
    torch.testing.assert_close(out.mean((2, 3)), style.mean((2, 3)), rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(out.flatten(2).std(-1), style.flatten(2).std(-1), rtol=1e-3, atol=1e-3)


def test_part_boxes_crop_and_paste_round_trip():
    lms = face_points(2)
    boxes = part_boxes(lms, 128)
    assert boxes.shape == (2, 4, 4)
    centres = (boxes[0, :, :2] + boxes[0, :, 2:]) / 2
    assert centres[PARTS.index("l_eye"), 0] < 64 < centres[PARTS.index("r_eye"), 0]
    assert centres[PARTS.index("nose"), 1] < centres[PARTS.index("mouth"), 1]
    img = torch.rand(2, 3, 128, 128)
    patch = crop(img, boxes[:, 3], 32, 128)
    back, mask = paste(patch, boxes[:, 3], 128, 128, 128)
    inner = mask[0, 0].bool()
    x0, y0, x1, y1 = boxes[0, 3].tolist()
    assert abs(inner.sum().item() - (x1 - x0) * (y1 - y0)) < 2 * (x1 - x0 + y1 - y0)
    err = (back - img * mask).abs()[:, :, int(y0) + 3:int(y1) - 3, int(x0) + 3:int(x1) - 3]
    assert err.mean() < 0.2  # resampled twice; no structure lost beyond interpolation


def test_asffnet_selects_the_exemplar_with_the_same_pose():
    model = create("asffnet", 4, seed=0, features=8, fusion_blocks=1).eval()
    lq = face_points(1, 32)
    other = face_points(1, 32, asymmetry=2.5)
    refs = torch.stack([other, lq * 1.05 + 0.7, other.flip(1)], dim=1)  # the 2nd: a similarity of lq
    sel = model.select(lq, refs, None, 32.0)
    assert sel.argmax(1).item() == 1 and sel.sum().item() == 1.0
    masked = model.select(lq, refs, torch.tensor([[True, False, True]]), 32.0)
    assert masked.argmax(1).item() != 1
    x = torch.rand(1, 3, 32, 32)
    images = torch.rand(1, 3, 3, 32, 32)
    out = model(x, reference=images, landmarks=lq, reference_landmarks=refs, aux=True)
    torch.testing.assert_close(out["guide"], images[:, 1])


def test_select_atoms_finds_the_matching_atom():
    atoms = torch.randn(16, 8, 4, 4)
    patch = atoms[5:6] * 2.0 + 0.3  # same pattern, other statistics per channel
    got = select_atoms(patch, atoms)
    torch.testing.assert_close(got, patch, rtol=1e-3, atol=1e-3)


def test_jsrfc_composite_takes_each_component_from_the_closest_reference():
    up = torch.nn.functional.interpolate(torch.rand(1, 3, 8, 8), size=(64, 64), mode="bilinear")
    lms = face_points(1, 64)
    refs = torch.stack([torch.rand(1, 3, 64, 64), up, torch.rand(1, 3, 64, 64)], dim=1)
    ref_lms = lms[:, None].expand(-1, 3, -1, -1)
    composite, mask, chosen = compose(up, lms, refs, ref_lms, None, 4)
    assert chosen.eq(1).all()
    assert composite.shape == (1, 3, 64, 64) and mask.shape == (1, 1, 64, 64) and 0 < mask.mean() < 1
    err = ((composite - up) * mask).abs().sum() / mask.sum() / 3
    assert err < 0.03
