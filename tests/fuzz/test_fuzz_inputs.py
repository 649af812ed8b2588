"""Fuzzing (hypothesis, bounded): the image reader and the config loader answer any bytes with a result or
a one-line project error (:class:`facesr.errors.FacesrError`), never another exception. Each property runs
a fixed number of examples with a fixed seed (``derandomize``), so the default run is bounded and
repeatable; ``FACESR_FUZZ_EXAMPLES=N`` runs more."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="the fuzz tests need hypothesis (pip install '.[test]')")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from facesr.errors import FacesrError  # noqa: E402

EXAMPLES = int(os.environ.get("FACESR_FUZZ_EXAMPLES", "150"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _seed_images() -> list[bytes]:
    """Small valid files of each kind the reader takes; mutations of them reach the decoders' depths."""
    from PIL import Image

    rng = np.random.default_rng(0)
    out = []
    for fmt, mode in (("PNG", "RGB"), ("PNG", "RGBA"), ("PNG", "L"), ("PNG", "I;16"), ("JPEG", "RGB"),
                      ("BMP", "RGB"), ("WEBP", "RGB"), ("TIFF", "RGB"), ("GIF", "P")):
        arr = (rng.random((9, 7, 3)) * 255).astype(np.uint8)
        img = Image.fromarray(arr).convert(mode)
        buf = io.BytesIO()
        img.save(buf, format=fmt)
        out.append(buf.getvalue())
    return out


SEEDS = _seed_images()


@st.composite
def mutated_images(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "zero"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            data[at:at + 8] = b"\0" * len(data[at:at + 8])
    return bytes(data)


def _read(tmp_path, data: bytes, suffix: str) -> None:
    from facesr.io import read_image

    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        img = read_image(path)
    except FacesrError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
    else:
        assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3


@SETTINGS
@given(data=mutated_images(), suffix=st.sampled_from([".png", ".jpg", ".bmp", ".webp", ".tif", ".gif"]))
def test_image_reader_on_mutated_files(tmp_path, data, suffix):
    _read(tmp_path, data, suffix)


@SETTINGS
@given(data=st.binary(max_size=256))
def test_image_reader_on_random_bytes(tmp_path, data):
    _read(tmp_path, data, ".png")


_KEYS = ["name", "output", "scale", "seed", "recipe", "generator", "data", "train", "losses", "nets", "_base_",
         "model", "options", "lr", "iterations", "batch_size", "degradation", "flip", "threads", "precision"]
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                     st.text(max_size=12), st.sampled_from(["rcan", "bicubic", "nan", "-1", "auto", "1e400"]))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4)), max_leaves=12)


@SETTINGS
@given(tree=st.dictionaries(st.sampled_from(_KEYS), _values, max_size=6))
def test_config_loader_on_random_mappings(tmp_path, tree):
    import yaml

    from facesr.training.config import load_config

    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(tree), encoding="utf-8")
    try:
        load_config(path)
    except FacesrError as exc:
        assert "\n" not in str(exc).strip()


@SETTINGS
@given(text=st.text(alphabet=st.sampled_from(list("abc:_- \n\t[]{},'\"&*!|>%@#0129.")), max_size=120))
def test_config_loader_on_random_text(tmp_path, text):
    from facesr.training.config import load_config

    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_config(path)
    except FacesrError as exc:
        assert "\n" not in str(exc).strip()
