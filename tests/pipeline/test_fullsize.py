"""Full-size restoration (``bfr-lite``): faces of any size and scale 1..16, residual paste that keeps a
large face's own detail, grey/sepia kept, fidelity blending, output size refused before any work."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from facesr.cli.main import main
from facesr.errors import InputError
from facesr.io import read_image, write_image
from facesr.ops import imresize, rgb2ycbcr
from facesr.paths import package_file
from facesr.pipeline.enhance import Enhancer, background, check_output_size, keep_tone
from facesr.pipeline.fullsize import FullSizeRestorer, check_fidelity, full_size_restorer
from facesr.samples import astronaut_face


@pytest.fixture(scope="module")
def restorer():
    return full_size_restorer("bfr-lite")


@pytest.fixture(scope="module")
def face():
    return astronaut_face(128)


def test_crop_any_scale_any_size(restorer, face):
    e = Enhancer(restorer)
    small = imresize(face, size=(32, 32))
    for img, scale in ((small, 4), (small, 1), (face, 1), (face, 2), (imresize(face, size=(20, 20)), 3)):
        out, report = e.enhance_array(img, scale, aligned=True)
        assert out.shape == (img.shape[0] * scale, img.shape[1] * scale, 3) and out.dtype == np.uint8
        assert report.mode == "crop"


def test_restored_face_is_closer_to_hr_than_the_damaged_input(restorer, face):
    """The shipped weights undo a blur + noise + JPEG damage better than leaving it (restore only)."""
    from facesr.degradation import build_degradation

    lr, _ = build_degradation("blind", 4, back=True)(face, 3)
    out = restorer.restore_full(lr[None])[0]

    def psnr(a):
        return 10 * np.log10(255.0**2 / np.mean((a.astype(float) - face.astype(float)) ** 2))

    assert psnr(out) > psnr(lr) + 0.3


def test_large_face_keeps_its_own_detail(restorer):
    """A face larger than the working size: the restored band is added, finer detail of the photo stays."""
    pytest.importorskip("dlib", reason="dlib-bin is needed for face detection")
    img = read_image(package_file("skimage", "data/astronaut.png", "pip install scikit-image"))  # face ~120 px
    out, report = Enhancer(restorer).enhance_array(img, 2)
    assert report.faces_restored >= 1 and out.shape == (1024, 1024, 3)
    base = background(img, 2)
    left, top, right, bottom = (int(v * 2) for v in report.boxes[0])
    # the high frequencies of the face (beyond the 128 px working size) come from the photo itself
    def high(a):
        a = a.astype(float)
        return a - imresize(imresize(a, size=(a.shape[0] // 4, a.shape[1] // 4)), size=a.shape[:2])
    region = (slice(top, bottom), slice(left, right))
    hb, ho = high(base[region]), high(out[region])
    corr = np.corrcoef(hb.ravel(), ho.ravel())[0, 1]
    assert corr > 0.7
    # far from every face the photo is the plain upscale
    assert np.array_equal(out[:40, :40], base[:40, :40])


def test_grey_and_sepia_stay_so(face):
    grey = np.repeat(rgb2ycbcr(face.astype(float))[..., :1].round().clip(0, 255).astype(np.uint8), 3, axis=2)
    colourful = face[..., ::-1].copy()  # any colour output
    out = keep_tone(grey, colourful)
    assert np.abs(out.astype(int) - out[..., :1].astype(int)).max() <= 1
    sepia = np.clip(grey.astype(float) * [1.07, 0.95, 0.78] + [20, 8, -5], 0, 255).astype(np.uint8)
    out = keep_tone(sepia, colourful)
    cc_in = rgb2ycbcr(sepia.astype(float))[..., 1:].mean((0, 1))
    cc_out = rgb2ycbcr(out.astype(float))[..., 1:].mean((0, 1))
    assert np.abs(cc_in - cc_out).max() < 2
    assert keep_tone(face, colourful) is colourful  # a colour photo is left alone


def test_fidelity_blends_two_weight_sets(tmp_path, restorer):
    a = load_file(str(restorer.paths["fidelity"]))
    b = {k: (v + 0.01 if v.is_floating_point() else v) for k, v in a.items()}
    save_file(b, str(tmp_path / "q.safetensors"))
    r = FullSizeRestorer("bfr", restorer.paths["fidelity"], quality=tmp_path / "q.safetensors", fidelity=0.25)
    state = r.network().state_dict()
    k = "head.weight"
    assert torch.allclose(state[k], 0.25 * a[k] + 0.75 * b[k], atol=1e-6)
    for bad in (-0.1, 1.5, float("nan"), "x"):
        with pytest.raises(InputError, match="fidelity"):
            check_fidelity(bad)


def test_output_size_refused_before_work():
    with pytest.raises(InputError, match=r"80000x80000 px \(6400 MP"):
        check_output_size((5000, 5000), 16)
    check_output_size((500, 500), 4)


def test_cli_refuses_output_over_input_and_writes_report(tmp_path, face, capsys):
    src = tmp_path / "in"
    src.mkdir()
    write_image(src / "a.png", imresize(face, size=(32, 32)))
    assert main(["enhance", str(src), "-o", str(src), "--overwrite", "--quiet"]) == 2
    assert "output is" in capsys.readouterr().err
    assert sorted(p.name for p in src.iterdir()) == ["a.png"]
    assert main(["enhance", str(src / "a.png"), "-o", str(tmp_path / "o.png"), "--scale", "1", "--aligned",
                 "--quiet", "--json", str(tmp_path / "r.json")]) == 0
    import json

    rec = json.loads((tmp_path / "r.json").read_text())
    assert rec["model"] == "bfr-lite" and rec["scale"] == 1 and rec["images"][0]["mode"] == "crop"
    assert read_image(tmp_path / "o.png").shape == (32, 32, 3)


def test_flip_ensemble_option_reaches_the_network(tmp_path, face, capsys):
    from facesr.pipeline.enhance import build_restorer

    lr = imresize(face, size=(32, 32))[None]
    plain = build_restorer("bfr-lite", scale=4)
    flipped = build_restorer("bfr-lite", scale=4, flip=True)
    assert flipped.flip and not plain.flip
    assert build_restorer("bfr-lite+flip", scale=4).flip and build_restorer("rcan-lite", scale=4, flip=True).flip
    a, b = flipped.restore(lr, 4), plain.restore(lr, 4)
    mirrored = plain.restore(lr[:, :, ::-1].copy(), 4)[:, :, ::-1]
    want = ((b.astype(np.float64) + mirrored) / 2)
    err = np.abs(a - want)  # rounding of the uint8 paths; bf16 inference differs a little per batch layout
    assert err.mean() < 0.5 and np.percentile(err, 99) <= 1.5 and np.abs(a.astype(int) - b).mean() > 2 * err.mean()
    src = tmp_path / "a.png"
    write_image(src, lr[0])
    assert main(["enhance", str(src), "-o", str(tmp_path / "o.png"), "--aligned", "--flip-ensemble", "--quiet",
                 "--json", str(tmp_path / "r.json")]) == 0
    import json

    assert json.loads((tmp_path / "r.json").read_text())["flip_ensemble"] is True
    assert main(["enhance", str(src), "-o", str(tmp_path / "p.png"), "--flip-ensemble", "--reference",
                 str(tmp_path), "--quiet"]) == 2
    assert "--flip-ensemble is for single-image models" in capsys.readouterr().err
