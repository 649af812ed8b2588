"""Reading every input kind in the one documented way, and clear errors for bad files."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from facesr.errors import ImageReadError, InputError
from facesr.io import list_images, read_image, read_image_info, write_image


@pytest.fixture
def rgb():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".tif", ".webp"])
def test_lossless_roundtrip(tmp_path, rgb, suffix):
    if suffix == ".webp":
        p = tmp_path / "a.webp"
        Image.fromarray(rgb).save(p, lossless=True)
    else:
        p = write_image(tmp_path / f"a{suffix}", rgb)
    assert np.array_equal(read_image(p), rgb)


def test_jpeg_roundtrip_is_close(tmp_path, rgb):
    yy, xx = np.mgrid[0:40, 0:40]
    smooth = np.stack([xx * 6, yy * 6, (xx + yy) * 3], axis=2).astype(np.uint8)
    p = write_image(tmp_path / "a.jpg", smooth, quality=98)
    assert np.abs(read_image(p).astype(int) - smooth).mean() < 2


def test_grayscale_and_16bit_are_replicated(tmp_path):
    g = np.arange(256, dtype=np.uint8).reshape(16, 16)
    Image.fromarray(g, "L").save(tmp_path / "g.png")
    out = read_image(tmp_path / "g.png")
    assert out.shape == (16, 16, 3) and (out[..., 0] == g).all() and (out[..., 2] == g).all()
    g16 = (np.arange(256, dtype=np.uint16).reshape(16, 16) * 257).astype(np.uint16)
    Image.fromarray(g16).save(tmp_path / "g16.png")
    info = read_image_info(tmp_path / "g16.png")
    assert info.grayscale and info.bit_depth == 16
    assert (info.rgb[..., 1] == g).all()


def test_palette_and_rgba(tmp_path, rgb):
    pal = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    pal.save(tmp_path / "p.png")
    assert np.array_equal(read_image(tmp_path / "p.png"), np.asarray(pal.convert("RGB")))
    alpha = np.full(rgb.shape[:2], 7, np.uint8)
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(tmp_path / "a.png")
    info = read_image_info(tmp_path / "a.png")
    assert np.array_equal(info.rgb, rgb) and (info.alpha == 7).all()
    write_image(tmp_path / "b.png", rgb, alpha=alpha)
    assert (read_image_info(tmp_path / "b.png").alpha == 7).all()


def test_exif_orientation_is_applied(tmp_path, rgb):
    img = Image.fromarray(rgb)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    img.save(tmp_path / "r.jpg", exif=exif, quality=100)
    out = read_image(tmp_path / "r.jpg")
    assert out.shape == (30, 20, 3)


def test_bad_files_name_file_and_problem(tmp_path, rgb):
    with pytest.raises(ImageReadError, match="file not found"):
        read_image(tmp_path / "missing.png")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ImageReadError, match="empty.png: empty file"):
        read_image(tmp_path / "empty.png")
    (tmp_path / "junk.jpg").write_bytes(b"not an image at all")
    with pytest.raises(ImageReadError, match="junk.jpg: not a recognised image"):
        read_image(tmp_path / "junk.jpg")
    write_image(tmp_path / "full.jpg", np.repeat(np.repeat(rgb, 10, 0), 10, 1))
    data = (tmp_path / "full.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError, match="cut.jpg: truncated"):
        read_image(tmp_path / "cut.jpg")
    write_image(tmp_path / "big.png", rgb)
    with pytest.raises(ImageReadError, match="above the limit"):
        read_image(tmp_path / "big.png", max_pixels=100)
    with pytest.raises(InputError, match="unsupported output format"):
        write_image(tmp_path / "x.xyz", rgb)


def test_list_images(tmp_path, rgb):
    with pytest.raises(InputError, match="folder not found"):
        list_images(tmp_path / "nope")
    with pytest.raises(InputError, match="no image files"):
        list_images(tmp_path)
    write_image(tmp_path / "b.png", rgb)
    write_image(tmp_path / "a.JPG", rgb)
    (tmp_path / "notes.txt").write_text("x")
    assert [p.name for p in list_images(tmp_path)] == ["a.JPG", "b.png"]


def test_write_is_atomic(tmp_path, rgb, monkeypatch):
    target = tmp_path / "keep.png"
    write_image(target, rgb)
    before = target.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", boom)
    with pytest.raises(OSError):
        write_image(target, rgb[::-1].copy())
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.png"]
