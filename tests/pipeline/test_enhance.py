"""``facesr enhance`` on a real face (scikit-image's astronaut): geometry, modes, colour, errors."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from facesr.cli.main import main
from facesr.errors import InputError
from facesr.io import read_image, read_image_info, write_image
from facesr.ops import imresize
from facesr.paths import package_file
from facesr.pipeline import BicubicRestorer, Enhancer, ModelRestorer
from facesr.samples import astronaut_face

pytest.importorskip("dlib", reason="dlib-bin is needed for face detection")


@pytest.fixture(scope="module")
def photo():
    img = read_image(package_file("skimage", "data/astronaut.png", "pip install scikit-image"))
    return imresize(img, size=(192, 192))  # face about 45 px wide


def test_photo_face_is_found_and_pasted_in_place(photo):
    out, report = Enhancer(BicubicRestorer()).enhance_array(photo, 2)
    assert out.shape == (384, 384, 3)
    assert report.mode == "photo" and report.faces_found >= 1 and report.faces_restored == report.faces_found
    # the astronaut's face (box (172, 52, 292, 172) of 512 px, i.e. centre (87, 42) at 192 px) is found
    centres = [((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for b in report.boxes]
    k = int(np.argmin([np.hypot(cx - 87, cy - 42) for cx, cy in centres]))
    assert np.hypot(centres[k][0] - 87, centres[k][1] - 42) < 12
    # with the bicubic restorer the pasted face must line up with the plain upscaled background
    ref = imresize(photo, 2)
    left, top, right, bottom = (int(v * 2) for v in report.boxes[k])
    err = np.abs(out.astype(int) - ref.astype(int))[top:bottom, left:right].mean()
    shifted = np.abs(np.roll(ref, 2, axis=1).astype(int) - ref.astype(int))[top:bottom, left:right].mean()
    assert err < shifted / 1.5


def test_crop_mode_and_no_face(photo):
    e = Enhancer(BicubicRestorer())
    crop = astronaut_face(16)
    out, report = e.enhance_array(crop, 8)
    assert out.shape == (128, 128, 3) and report.mode == "crop"
    flat = np.full((300, 300, 3), 120, np.uint8)
    out, report = e.enhance_array(flat, 2)
    assert out.shape == (600, 600, 3) and report.faces_found == 0 and "no face" in report.notes[0]


def test_model_restorer_scale_errors(tmp_path):
    r = ModelRestorer({8: ("srcnn", tmp_path / "missing.safetensors")})
    with pytest.raises(InputError, match="no x4 model"):
        r.restore(np.zeros((1, 32, 32, 3), np.uint8), 4)
    with pytest.raises(InputError, match="not found"):
        r.restore(np.zeros((1, 16, 16, 3), np.uint8), 8)


def test_cli_folder_colour_and_errors(tmp_path, photo, capsys):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    write_image(src / "photo.png", photo)
    gray = np.asarray(Image.fromarray(astronaut_face(24)).convert("L"))
    Image.fromarray(gray).save(src / "sub" / "gray.png")
    rgba = np.dstack([astronaut_face(16), np.full((16, 16), 200, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(src / "alpha.png")
    write_image(src / "broken.jpg", photo)
    data = (src / "broken.jpg").read_bytes()
    (src / "broken.jpg").write_bytes(data[: len(data) // 3])
    (src / "notes.txt").write_text("not an image")
    out = tmp_path / "out"
    # the bundled clean-bicubic model has no x2: a clear error before any file is touched
    assert main(["enhance", str(src), "-o", str(out), "--scale", "2", "--quiet", "--model", "rcan-lite"]) == 2
    assert "rcan-lite has no x2 model (scales: x4, x8, x16)" in capsys.readouterr().err
    assert not out.exists()
    code = main(["enhance", str(src), "-o", str(out), "--scale", "4", "--compare", "--quiet",
                 "--faces-dir", str(tmp_path / "faces"), "--contact-sheet", str(tmp_path / "sheet.png")])
    err = capsys.readouterr().err
    assert code == 2
    assert "broken.jpg" in err and "notes.txt" in err and "2 of 5 file(s) failed" in err
    assert read_image(out / "photo.png").shape == (768, 768, 3)
    assert (out / "photo_compare.png").exists() and any((tmp_path / "faces").glob("photo_face0.png"))
    assert read_image(tmp_path / "sheet.png").shape[1] == 4 * (2 * 160 + 2 + 6)  # 4 labelled pairs per row
    g = read_image_info(out / "sub" / "gray.png")
    assert g.grayscale and g.rgb.shape == (96, 96, 3)
    a = read_image_info(out / "alpha.png")
    assert a.alpha is not None and a.alpha.shape == (64, 64) and abs(int(a.alpha.mean()) - 200) <= 1
    # existing outputs are refused without --overwrite
    code = main(["enhance", str(src / "photo.png"), "-o", str(out / "photo.png"), "--quiet"])
    assert code == 2 and "output exists" in capsys.readouterr().err
    assert main(["enhance", str(src / "photo.png"), "-o", str(tmp_path / "x.xyz"), "--quiet"]) == 2
    assert "unsupported output format" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["enhance", str(tmp_path / "empty"), "-o", str(tmp_path / "o2"), "--quiet"]) == 2
    assert "no image files" in capsys.readouterr().err
