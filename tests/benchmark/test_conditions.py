"""Given attributes in ``facesr bench``: labels found beside the test faces reach given-attribute
methods in the network's order; ``--attributes none`` makes them unknown; the table says which."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from facesr.benchmark.conditions import folder_labels, network_attribute_names
from facesr.cli.main import main
from facesr.errors import InputError
from facesr.io import write_image
from facesr.priors.attributes import CELEBA_ATTRIBUTES, UTKFACE_ATTRIBUTES, attribute_matrix

UTK_NAMES = ["25_0_2_20170116.jpg.chip.png", "70_1_0_20170117.jpg.chip.png", "8_1_1_20170118.jpg.chip.png",
             "notalabel.png"]


def _write_faces(folder, names, size=64):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    from facesr.ops import imresize

    for n in names:
        write_image(folder / n, imresize(rng.integers(0, 256, (size // 4, size // 4, 3), dtype=np.uint8), 4))
    return folder


def test_utkface_file_names_give_named_attributes():
    labels, source = folder_labels("/nonexistent", UTK_NAMES)
    assert source == "UTKFace file names" and set(labels) == set(UTK_NAMES[:3])
    m = attribute_matrix([labels.get(n) for n in UTK_NAMES], UTKFACE_ATTRIBUTES)
    assert m.shape == (4, 9) and m.dtype == np.float32
    row = dict(zip(UTKFACE_ATTRIBUTES, m[0]))
    assert row["Male"] == 1 and row["Young"] == 1 and row["Asian"] == 1 and row["White"] == 0
    assert dict(zip(UTKFACE_ATTRIBUTES, m[1]))["Senior"] == 1 and dict(zip(UTKFACE_ATTRIBUTES, m[2]))["Child"] == 1
    assert np.isnan(m[3]).all()  # an unlabelled face is unknown


def test_celeba_attribute_file_in_parent_folder(tmp_path):
    folder = _write_faces(tmp_path / "set" / "HR", ["201600.jpg", "201601.png"])
    values = [1 if i % 2 else -1 for i in range(40)]
    (tmp_path / "set" / "list_attr_celeba.txt").write_text(
        "2\n" + " ".join(CELEBA_ATTRIBUTES) + "\n"
        + "201600.jpg " + " ".join(map(str, values)) + "\n" + "999999.jpg " + " ".join(["1"] * 40) + "\n")
    labels, source = folder_labels(folder, ["201600.jpg", "201601.png"])
    assert source.startswith("CelebA attributes") and list(labels) == ["201600.jpg"]
    m = attribute_matrix([labels.get(n) for n in ["201600.jpg", "201601.png"]], CELEBA_ATTRIBUTES)
    assert m[0].tolist() == [float(v > 0) for v in values] and np.isnan(m[1]).all()


def test_network_attribute_names():
    assert network_attribute_names({"attributes": ["a", "b"]}, 2, "w") == ["a", "b"]
    assert network_attribute_names({}, 9, "w") == list(UTKFACE_ATTRIBUTES)
    assert network_attribute_names({}, 40, "w") == list(CELEBA_ATTRIBUTES)
    with pytest.raises(InputError, match="do not name their 7 attributes.*--attributes none"):
        network_attribute_names({}, 7, "w")
    with pytest.raises(InputError, match="name 2 attributes but the network takes 3"):
        network_attribute_names({"attributes": ["a", "b"]}, 3, "w")


@pytest.fixture
def aacnn_weights(tmp_path):
    from facesr.models import create

    options = {"n_attributes": 9, "lr_size": 16}
    model = create("aacnn", scale=4, seed=0, **options)
    with torch.no_grad():  # make the attribute branch matter
        for p in model.parameters():
            if p.dim() > 1:
                p.mul_(3.0)
    path = tmp_path / "aacnn.safetensors"
    save_file(model.state_dict(), str(path), metadata={
        "model": "aacnn", "scale": "4", "options": json.dumps(options),
        "attributes": json.dumps(list(UTKFACE_ATTRIBUTES))})
    return path


def test_bench_feeds_labels_to_given_attribute_methods(tmp_path, aacnn_weights, capsys):
    faces = _write_faces(tmp_path / "utk", UTK_NAMES[:3])
    scores = {}
    for mode in ("auto", "none"):
        out = tmp_path / f"{mode}.json"
        assert main(["bench", "--dataset", str(faces), "--scales", "4", "--methods", f"aacnn:{aacnn_weights}",
                     "--metrics", "psnr", "--attributes", mode, "--json", str(out), "--quiet"]) == 0
        text = capsys.readouterr().out
        row = json.loads(out.read_text())["rows"][1]
        scores[mode] = row["scores"]["4"]["psnr"]
        if mode == "auto":
            assert row["note"] == "attributes given: UTKFace file names, 3/3 faces labelled" and row["note"] in text
        else:
            assert "attributes unknown (0.5): --attributes none" in text
    assert scores["auto"] != scores["none"]  # the labels reached the network (outputs cached apart)
