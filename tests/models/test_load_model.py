"""One place that loads models (facesr.models.weights): tags, files, the name rule, the batched loop, layering."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import facesr
from facesr.errors import FacesrError, InputError, UnknownNameError
from facesr.models import weights as W

SRC = Path(W.__file__).resolve().parents[1]


def test_load_model_bundled_tag():
    net = facesr.load_model("rcan-lite", scale=8)
    assert not net.training and net.scale == 8
    with torch.inference_mode():
        assert net(torch.rand(1, 3, 16, 16)).shape == (1, 3, 128, 128)
    # one name rule: case-insensitive, '-' and '_' equivalent
    for spelling in ("RCAN_Lite", " rcan_lite ", "Rcan-LITE"):
        assert W.get_pretrained(spelling).name == "rcan-lite"
        assert W.parse_method(spelling) == W.MethodSpec("rcan", bundled="rcan-lite")
    other = facesr.load_model("RCAN_LITE", scale=8)
    assert all(torch.equal(a, b) for a, b in zip(net.state_dict().values(), other.state_dict().values()))


def test_load_model_with_a_weights_file():
    path = W.pretrained_weights("rcan-lite", 4)
    tagged = facesr.load_model("rcan-lite", scale=4)
    for net in (facesr.load_model("rcan", scale=4, weights=path), facesr.load_model("RCAN", weights=path),
                facesr.load_model(f"rcan:{path}")):  # the scale comes from the file when not given
        assert net.scale == 4 and not net.training
        assert all(torch.equal(a, b) for a, b in zip(tagged.state_dict().values(), net.state_dict().values()))
    with pytest.raises(InputError, match="weights for x4, asked for x8"):
        facesr.load_model("rcan", scale=8, weights=path)
    with pytest.raises(InputError, match="weights of 'rcan', not 'srcnn'"):
        facesr.load_model("srcnn", scale=4, weights=path)


def test_load_model_errors_are_one_line(tmp_path):
    cases = [
        (lambda: facesr.load_model("rcan-lite", scale=3), "rcan-lite has no x3 weights"),
        (lambda: facesr.load_model("rcan-lite"), "give scale="),
        (lambda: facesr.load_model("bicubic", scale=4), "not a network"),
        (lambda: facesr.load_model("rcan", scale=8), "needs trained weights: give rcan:CHECKPOINT"),
        (lambda: facesr.load_model("rcan-lite", scale=8, weights=tmp_path / "x.pt"), "give a zoo name"),
        (lambda: facesr.load_model("rcan", scale=8, weights=tmp_path / "x.pt"), "not found"),
        (lambda: facesr.load_model("rcann", scale=8, weights=tmp_path / "x.pt"), "did you mean"),
        (lambda: W.get_pretrained("rcan-huge"), "no bundled model"),
    ]
    for call, message in cases:
        with pytest.raises(FacesrError, match=message) as err:
            call()
        assert "\n" not in str(err.value)
    # a file made for another network configuration: one line, not a torch traceback
    bad = tmp_path / "srcnn_rgb.safetensors"
    from safetensors.torch import save_file

    save_file(facesr.models.create("srcnn", scale=4, channels=3).state_dict(), str(bad))
    with pytest.raises(InputError, match="weights do not fit srcnn x4") as err:
        facesr.load_model("srcnn", scale=4, weights=bad)
    assert "\n" not in str(err.value)
    assert facesr.load_model("srcnn", scale=4, weights=bad, channels=3).scale == 4  # options given


def test_catalogue_entries_are_tags_of_zoo_networks():
    rows = {r["name"]: r for r in facesr.list_pretrained()}
    assert {"rcan-lite", "bfr-lite"} <= set(rows) and rows["rcan-lite"]["installed"]
    assert facesr.list_bundled() == facesr.list_pretrained()
    assert [r["name"] for r in facesr.list_pretrained("RCAN")] == ["rcan-lite"]
    for entry in W.PRETRAINED.values():
        info = facesr.models.model_info(entry.model)
        assert info["name"] == entry.model and set(entry.scales) <= set(info["scales"])
        assert W.canonical_name(entry.name) not in facesr.models.MODELS
    rcan, bfr = W.get_pretrained("rcan-lite"), W.get_pretrained("bfr-lite")
    assert rcan.scales == (4, 8, 16) and not rcan.shares_file(8) and len(rcan.paths()) == 3
    # bfr-lite: one file serves x1..x16
    assert bfr.model == "bfr" and bfr.scales == tuple(range(1, 17)) and bfr.shares_file(8)
    assert bfr.paths() == [W.weights_dir() / "bfr_lite.safetensors"]
    assert rows["bfr-lite"]["installed"] == bfr.paths()[0].is_file()
    with pytest.raises(ValueError, match="clashes"):
        W.register_pretrained(W.Pretrained("RCAN", "rcan", {8: "x"}, "clash with the zoo name"))


@pytest.fixture
def fake_weights_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(W, "weights_dir", lambda: tmp_path)
    return tmp_path


def test_missing_weights_are_one_clear_line(fake_weights_dir, monkeypatch):
    entry = W.Pretrained("ghost-lite", "bfr", {s: "ghost" for s in range(1, 17)}, "not shipped")
    monkeypatch.setitem(W.PRETRAINED, entry.name, entry)
    (row,) = [r for r in facesr.list_pretrained() if r["name"] == "ghost-lite"]
    assert not row["installed"] and row["scales"] == list(range(1, 17))
    from facesr.pipeline.restorers import make_restorer
    from facesr.serve.models import available_models

    assert "ghost-lite" not in [m["name"] for m in available_models()]
    for call in (lambda: facesr.load_model("ghost-lite", scale=8), lambda: W.parse_method("Ghost_Lite"),
                 lambda: make_restorer("ghost-lite"), lambda: W.model_card("ghost-lite", 2)):
        with pytest.raises(W.MissingWeightsError) as err:
            call()
        msg = str(err.value)
        assert "\n" not in msg and "ghost.safetensors" in msg and "ghost-lite" in msg and "bfr:CHECKPOINT" in msg


def _export_bfr(path: Path, scale: int) -> dict[str, torch.Tensor]:
    """A small BFR saved as ``facesr train`` exports it (metadata: model, scale, options)."""
    from safetensors.torch import save_file

    options = {"n_resgroups": 1, "n_resblocks": 1, "n_feats": 8, "reduction": 4}
    net = facesr.models.create("bfr", scale=scale, seed=0, **options)
    with torch.no_grad():
        net.tail[-1].weight.normal_(0, 0.01)  # not the identity, so that outputs show the weights
    state = {k: v.contiguous() for k, v in net.state_dict().items()}
    save_file(state, str(path), metadata={"format": "facesr-weights-1", "model": "bfr", "scale": str(scale),
                                          "options": json.dumps(options)})
    return state


def test_one_file_serves_every_scale_of_a_tag(fake_weights_dir, monkeypatch):
    state = _export_bfr(fake_weights_dir / "tiny_bfr.safetensors", scale=1)
    entry = W.Pretrained("tiny-bfr", "bfr", {s: "tiny_bfr" for s in range(1, 17)}, "test")
    monkeypatch.setitem(W.PRETRAINED, entry.name, entry)
    lr = np.random.default_rng(0).integers(0, 256, (3, 16, 16, 3), dtype=np.uint8)
    for scale in (1, 4, 8):
        net = facesr.load_model("tiny-bfr", scale=scale)
        assert net.scale == scale and all(torch.equal(net.state_dict()[k], v) for k, v in state.items())
    sr = W.super_resolve_batched(net, lr, batch_size=2)  # x8: bicubic-upsampled to 128 px, then restored
    assert sr.shape == (3, 128, 128, 3) and sr.dtype == np.uint8
    from facesr.pipeline.restorers import make_restorer

    r = make_restorer("tiny-bfr")
    assert r.scales == tuple(range(1, 17)) and np.array_equal(r.restore(lr, 8), sr)
    # as NAME:CHECKPOINT too: a full-size network's weights serve every scale
    net = facesr.load_model("bfr", scale=8, weights=fake_weights_dir / "tiny_bfr.safetensors")
    assert net.scale == 8
    # a scale-specific network's file is checked against its recorded scale
    from safetensors.torch import save_file

    options = {"n_resgroups": 1, "n_resblocks": 1, "n_feats": 8, "reduction": 4}
    rcan = facesr.models.create("rcan", scale=4, seed=0, **options)
    other = fake_weights_dir / "rcan_x4.safetensors"
    save_file({k: v.contiguous() for k, v in rcan.state_dict().items()}, str(other),
              metadata={"format": "facesr-weights-1", "model": "rcan", "scale": "4", "options": json.dumps(options)})
    with pytest.raises(InputError, match="weights for x4, asked for x8"):
        facesr.load_model("rcan", scale=8, weights=other)


def test_super_resolve_batched_matches_one_pass():
    from facesr.io import tensor_to_uint8, uint8_to_tensor
    from facesr.models import super_resolve

    net = facesr.load_model("rcan-lite", scale=4)
    lr = np.random.default_rng(1).integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)
    with torch.inference_mode():
        ref = tensor_to_uint8(super_resolve(net, uint8_to_tensor(lr)).clamp(0, 1))
    for bs in (1, 2, 16):
        assert np.array_equal(W.super_resolve_batched(net, lr, batch_size=bs), ref)
    assert np.array_equal(W.super_resolve_batched(net, list(lr), batch_size=3), ref)
    # float tensors in -> float [0,1] tensors out; the network's mode is restored
    net.train()
    out = W.super_resolve_batched(net, uint8_to_tensor(lr), batch_size=2, inference=False)
    assert net.training and out.dtype == torch.float32 and out.shape == (5, 3, 128, 128)
    assert np.array_equal(tensor_to_uint8(out), ref)
    # a wrapped network (no .scale) with its input handling given explicitly
    wrapped = torch.nn.Sequential(net)
    assert np.array_equal(W.super_resolve_batched(wrapped, lr, input_mode="lr", scale=4, batch_size=4), ref)
    with pytest.raises(InputError, match="uint8"):
        W.super_resolve_batched(net, lr.astype(np.float32))


def test_old_import_paths_still_work():
    from facesr.benchmark import methods
    from facesr.models import bundled
    from facesr.pipeline import restorers

    for name in ("MethodSpec", "parse_method", "load_weights", "load_state", "weights_description",
                 "build_network"):
        assert getattr(methods, name) is getattr(W, name)
    assert bundled.get_bundled is W.get_pretrained and bundled.BUNDLED is W.PRETRAINED
    assert bundled.MissingWeightsError is W.MissingWeightsError
    assert bundled.bundled_weights("rcan-lite", 8) == W.pretrained_weights("rcan-lite", 8)
    assert bundled.bundled_restorer is restorers.bundled_restorer
    r = bundled.bundled_restorer()
    assert r.name == "rcan-lite" and r.scales == (4, 8, 16)


def _imports(path: Path) -> set[str]:
    """Absolute names of the facesr modules ``path`` imports (anywhere in the file, functions included)."""
    pkg = path.relative_to(SRC.parent).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = list(pkg[: len(pkg) - node.level + 1]) if node.level else []
            found.add(".".join(base + ([node.module] if node.module else [])))
    return {m for m in found if m.startswith("facesr")}


def test_models_do_not_import_benchmark_or_pipeline():
    bad = {f"{p.relative_to(SRC)}: {m}" for p in (SRC / "models").rglob("*.py") for m in _imports(p)
           if m.startswith(("facesr.benchmark", "facesr.pipeline"))}
    assert not bad, bad
    code = ("import sys, facesr, torch; net = facesr.load_model('rcan-lite', scale=8); "
            "import facesr.models.bundled; "
            "print(sorted(m for m in sys.modules if m.startswith(('facesr.benchmark', 'facesr.pipeline', "
            "'facesr.training'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_public_api_mirrors_the_commands():
    for name in ("degrade", "evaluate", "load_model", "list_pretrained", "enhance"):
        assert callable(getattr(facesr, name)) and name in facesr.__all__
    with pytest.raises(UnknownNameError):
        facesr.list_pretrained("no-such-net")


def test_flip_ensemble_is_the_mean_of_the_face_and_its_mirror():
    from facesr.io import tensor_to_uint8, uint8_to_tensor
    from facesr.models import super_resolve

    net = facesr.load_model("rcan-lite", scale=4)
    lr = np.random.default_rng(2).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    x = uint8_to_tensor(lr)
    with torch.inference_mode():
        want = (super_resolve(net, x) + super_resolve(net, x.flip(-1)).flip(-1)) / 2
    got = W.super_resolve_batched(net, lr, batch_size=2, flip=True)
    assert np.array_equal(got, tensor_to_uint8(want.clamp(0, 1)))
    assert not np.array_equal(got, W.super_resolve_batched(net, lr))  # the network is not mirror-symmetric
    # per-face vectors (attributes) pass; per-face images (references) would need mirroring: refused
    with pytest.raises(InputError, match="flip self-ensemble"):
        W.super_resolve_batched(net, lr, flip=True, conditions={"reference": np.zeros((3, 1, 3, 128, 128))})


def test_flip_suffix_names_a_method_and_its_cache():
    plain, flipped = W.parse_method("rcan-lite"), W.parse_method("rcan-lite+flip")
    assert flipped.flip and not plain.flip and flipped.bundled == plain.bundled == "rcan-lite"
    assert flipped.label == "rcan-lite+flip" and plain.label == "rcan-lite"
    assert flipped.cache_key(4) != plain.cache_key(4)
    with pytest.raises(InputError, match="mirror-symmetric"):
        W.parse_method("bicubic+flip")
