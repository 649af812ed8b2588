"""DFDNet's offline component dictionaries: K-means, the resumable build (features -> k-means ->
dictionary file), refusing other options, loading into DFDNet, and ``facesr data dictionary``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from facesr.data.source import FaceSample, FaceSource
from facesr.errors import ConfigError, InputError
from facesr.faces.synthetic import synthetic_landmarks68
from facesr.models import create
from facesr.models.reference.dfdnet import DICTIONARY_FORMAT, atom_size, load_dictionary
from facesr.models.reference.dictionary import DictionaryOptions, build_dictionary, extract_features, kmeans


class Faces(FaceSource):
    def __init__(self, n: int = 5, size: int = 64) -> None:
        rng = np.random.default_rng(1)
        self.images = [rng.integers(0, 256, (size, size, 3), dtype=np.uint8) for _ in range(n)]
        self.size = size

    def __len__(self) -> int:
        return len(self.images)

    def identity_of(self, index: int):
        return None

    def sample(self, index: int) -> FaceSample:
        return FaceSample(key=f"f{index}", hr=self.images[index], landmarks=synthetic_landmarks68(self.size),
                          scheme="ibug68")


def test_kmeans_finds_separated_clusters():
    g = torch.Generator().manual_seed(0)
    centres = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    x = torch.cat([c + 0.1 * torch.randn(20, 2, generator=g) for c in centres])
    got = kmeans(x, 3, iterations=10, seed=0)
    d = torch.cdist(got, centres)
    assert d.min(1).values.max() < 0.2 and set(d.argmin(1).tolist()) == {0, 1, 2}
    assert kmeans(x[:2], 5, iterations=2).shape == (2, 2)  # no more centres than points


def test_build_resume_and_load(tmp_path):
    opts = DictionaryOptions(dataset="test", atoms=3, size=64, limit=4, chunk=3, iterations=2, landmarks="data")
    out = tmp_path / "dict"
    assert extract_features(Faces(), out, opts, progress=False) == 2  # as if stopped after stage 1
    (out / "features" / "chunk_00001.npz").unlink()                     # ... in the middle of it
    (out / "state.json").write_text(json.dumps(opts.__dict__))
    summary = build_dictionary(Faces(), out, opts, progress=False)
    assert summary["chunks_written"] == 1 and summary["keys_clustered"] == 16 and summary["faces"] == 4
    again = build_dictionary(Faces(), out, opts, progress=False)
    assert again["chunks_written"] == 0 and again["keys_clustered"] == 0
    atoms, meta = load_dictionary(summary["dictionary"])
    assert meta["format"] == DICTIONARY_FORMAT and meta["face_size"] == "64" and "VGGFace" in meta["backbone"]
    assert meta["feature_std"] == "450,1000,750,70"
    assert atoms["mouth.conv2_2"].shape == (3, 128, atom_size("mouth", 0, 64), atom_size("mouth", 0, 64))
    net = create("dfdnet", 8, dictionary=summary["dictionary"], face_size=64, vgg_pretrained=False).eval()
    torch.testing.assert_close(net.atoms("nose", 3), atoms["nose.conv5_4"])
    with torch.no_grad():
        out_img = net(torch.rand(1, 3, 64, 64), landmarks=torch.from_numpy(synthetic_landmarks68(64)).float()[None])
    assert out_img.shape == (1, 3, 64, 64)
    with pytest.raises(InputError, match="other options"):
        build_dictionary(Faces(), out, DictionaryOptions(dataset="test", atoms=5, size=64, limit=4), progress=False)
    with pytest.raises(ConfigError, match="built for 64 px faces"):
        create("dfdnet", 8, dictionary=summary["dictionary"], vgg_pretrained=False)


def test_load_rejects_foreign_files(tmp_path):
    bad = tmp_path / "x.safetensors"
    bad.write_bytes(b"not a dictionary")
    with pytest.raises(InputError, match="cannot read"):
        load_dictionary(bad)
    with pytest.raises(InputError, match="no such dictionary"):
        load_dictionary(tmp_path / "missing.safetensors")


def test_cli_dictionary_on_celeba(tmp_path, capsys):
    from facesr_testing import require_data

    require_data("celeba")
    from facesr.cli.main import main

    out = tmp_path / "d"
    args = ["data", "dictionary", "--dataset", "celeba", "--out", str(out), "--limit", "3", "--atoms", "2",
            "--chunk", "2", "--iterations", "1", "--no-progress", "--json", str(tmp_path / "s.json")]
    assert main(args) == 0
    assert (out / "dictionary.safetensors").is_file() and "3 faces" in capsys.readouterr().out
    assert json.loads((tmp_path / "s.json").read_text())["faces"] == 3
    assert main(args) == 0 and "0 feature chunks and 0 k-means" in capsys.readouterr().out
