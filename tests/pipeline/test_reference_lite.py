"""The bundled reference model ``ref-lite`` (MEFSR x8 over the frozen bfr-lite): its tag and file, the default
of ``--reference``, and the per-face choice that makes it serve every scale (faces at most 16 px wide to the
network at 16 px, larger ones to bfr-lite exactly as without references)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import facesr
from facesr.errors import InputError
from facesr.faces.backends import Face
from facesr.faces.synthetic import synthetic_landmarks68
from facesr.models import weights as W

# -- the tag and its file --------------------------------------------------------------------------------


def test_ref_lite_is_a_bundled_reference_tag():
    from facesr.cli.zoo import format_pretrained
    from facesr.pipeline.reference import default_reference_model

    entry = W.get_pretrained("REF_lite")
    assert entry.model == "mefsr" and entry.scales == (8,) and entry.installed
    assert entry.paths() == [W.weights_dir() / "ref_lite_x8.safetensors"]
    desc = W.weights_description(entry.path(8))
    assert desc == {"model": "mefsr", "scale": 8, "options": {"base": "bfr-lite"}}
    card = W.model_card("ref-lite", 8).read_text(encoding="utf-8")
    assert "configs/reference/mefsr_bfr_x8.yaml" in card and "## Scores" in card
    (row,) = [r for r in facesr.list_bundled() if r["name"] == "ref-lite"]
    assert row["installed"] and row["scales"] == [8] and "K<=3" in row["summary"]
    assert [r["name"] for r in facesr.list_pretrained("mefsr")] == ["ref-lite"]
    assert default_reference_model() == "ref-lite"
    assert any(line.strip().startswith("ref-lite") for line in format_pretrained([{"name": "mefsr"}]))
    with pytest.raises(InputError, match="no x4 weights"):
        entry.path(4)


def test_ref_lite_uses_its_references():
    """The shipped ref-lite (trained over its frozen bfr-lite) reads its references: given the face's own HR
    photo as the reference it comes closer to that face than bfr-lite does (astronaut: 23.9 against 23.3 dB)
    and than with a noise reference; the order of several references does not matter (PWAve averages)."""
    import torch

    from facesr.ops import imresize
    from facesr.samples import astronaut_face

    hr = astronaut_face(128)
    net = facesr.load_model("ref-lite", scale=8)
    lr = imresize(hr, size=(16, 16))[None]
    own = torch.from_numpy(hr).permute(2, 0, 1).float().div(255)[None, None]
    noise = torch.rand(1, 1, 3, 128, 128, generator=torch.Generator().manual_seed(0))

    def psnr(out: np.ndarray) -> float:
        return float(10 * np.log10(255**2 / np.mean((out[0].astype(float) - hr.astype(float)) ** 2)))

    with_own = W.super_resolve_batched(net, lr, conditions={"reference": own})
    with_noise = W.super_resolve_batched(net, lr, conditions={"reference": noise})
    bfr = W.super_resolve_batched(facesr.load_model("bfr-lite", scale=8), lr)
    assert psnr(with_own) > psnr(bfr) + 0.3 and psnr(with_own) > psnr(with_noise) + 0.3
    both = torch.cat([own, noise], dim=1)
    assert np.array_equal(W.super_resolve_batched(net, lr, conditions={"reference": both}),
                          W.super_resolve_batched(net, lr, conditions={"reference": both.flip(1)}))


# -- the per-face choice, with stand-ins (no dlib) --------------------------------------------------------


class _Fallback:
    """Stands in for bfr-lite: records the faces, returns them brightened by 10."""

    name = "bfr-lite"
    full_size = True
    has_knob = True
    fidelity = 0.75
    scales = tuple(range(1, 17))

    def __init__(self):
        self.calls: list[tuple[int, ...]] = []

    def restore_full(self, faces):
        self.calls.append(faces.shape)
        return np.clip(faces.astype(int) + 10, 0, 255).astype(np.uint8)


def _lm_of_width(width: float, left: float, top: float) -> np.ndarray:
    """iBUG-68 landmarks of a synthetic face whose aligned (DIC) framing is ``width`` px wide."""
    from facesr.faces.align import alignment_matrix
    from facesr.pipeline.reference import _crop_px

    lm = synthetic_landmarks68(128)
    lm = lm * width / _crop_px(alignment_matrix(lm, "dic", 128, "ibug68"))
    return lm + [left, top]


class _Backend:
    def __init__(self, faces):
        self.faces = faces

    def detect(self, image, landmarks=True):
        return list(self.faces)


@pytest.fixture
def restorer(monkeypatch):
    """A ReferenceRestorer in ref-lite's mode over a tiny random MEFSR x8 (its inputs recorded), identity and
    landmark networks stubbed."""
    from facesr.models import create
    from facesr.pipeline import reference as R

    monkeypatch.setattr(R, "identity_embeddings", lambda faces: np.full((len(faces), 128), 0.1))
    monkeypatch.setattr(R, "face_landmarks", lambda faces: np.stack([synthetic_landmarks68(128)] * len(faces)))
    net = create("mefsr", scale=8, seed=0, features=4, blocks=1).eval()
    seen: list = []
    net.register_forward_pre_hook(lambda _m, args: seen.append(args[0].detach().clone()))
    rng = np.random.default_rng(0)
    refs = [R.ReferenceFace(Path(f"refs/{n}.png"), 0, rng.integers(0, 256, (128, 128, 3), dtype=np.uint8),
                            synthetic_landmarks68(128), np.full(128, 0.1)) for n in ("a", "b")]
    r = R.ReferenceRestorer(net, "ref-lite", refs, full_size=False, scale=8, fallback=_Fallback())
    r.seen = seen
    return r


def test_faces_choose_the_network_by_their_own_size_at_any_scale(restorer):
    from facesr.pipeline.reference import ReferenceEnhancer

    assert restorer.full_size and restorer.scales == tuple(range(1, 17)) and restorer.max_face_px == 16
    assert restorer.has_knob and restorer.fidelity == 0.75  # the fallback's knob
    rng = np.random.default_rng(1)
    photo = np.kron(rng.integers(0, 256, (20, 40, 3)), np.ones((4, 4, 1))).astype(np.uint8)  # 80 x 160
    small, large = _lm_of_width(12, 10, 20), _lm_of_width(40, 90, 10)
    faces = [Face((0, 0, 1, 1), 1.0, small, "ibug68"), Face((0, 0, 1, 1), 1.0, large, "ibug68")]
    for scale in (3, 1):
        enhancer = ReferenceEnhancer(restorer)
        enhancer._backend = _Backend(faces)
        restorer.start("photo.png")
        restorer.seen.clear()
        restorer.fallback.calls.clear()
        out, report = enhancer.enhance_array(photo, scale)
        assert out.shape == (80 * scale, 160 * scale, 3) and report.faces_restored == 2
        a, b = restorer.selections
        assert (a.restored_by, b.restored_by) == ("ref-lite", "bfr-lite")
        assert a.face_px == pytest.approx(12, abs=0.01) and b.face_px == pytest.approx(40, abs=0.01)
        assert [Path(f).name for f in a.files] == ["a.png", "b.png"] and b.files == []
        d = b.to_dict()
        assert d["references"] == [] and d["restored_by"] == "bfr-lite" and d["face_px"] == 40.0
        # the network got one 16 px face (aligned from the photo); bfr-lite the large one at 128 px
        assert [tuple(x.shape) for x in restorer.seen] == [(1, 3, 16, 16)]
        assert restorer.fallback.calls == [(1, 128, 128, 3)]


def test_crops_and_background_tiles(restorer):
    import torch

    from facesr.pipeline.reference import ReferenceEnhancer

    rng = np.random.default_rng(2)
    crop16 = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    enhancer = ReferenceEnhancer(restorer, background="restore")
    restorer.start("crop.png")
    out, _ = enhancer.enhance_array(crop16, 4, aligned=True)
    assert out.shape == (64, 64, 3) and restorer.selections[0].restored_by == "ref-lite"
    (x,) = restorer.seen  # a 16 px crop is given to the network as it is, not through 128 px
    assert torch.equal((x[0].permute(1, 2, 0) * 255).round().to(torch.uint8), torch.from_numpy(crop16))
    restorer.start("crop40.png")
    out, _ = enhancer.enhance_array(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8), 2, aligned=True)
    assert out.shape == (80, 80, 3) and restorer.selections[0].restored_by == "bfr-lite"
    # background tiles go to bfr-lite, never to the reference network (no selection is recorded for them)
    enhancer._backend = _Backend([])
    restorer.start("wall.png")
    calls = len(restorer.fallback.calls)
    enhancer.enhance_array(rng.integers(0, 256, (150, 150, 3), dtype=np.uint8), 1)
    assert len(restorer.fallback.calls) > calls and restorer.selections == [] and len(restorer.seen) == 1


def test_reference_models_need_reference_photos():
    lr = np.zeros((16, 16, 3), np.uint8)
    with pytest.raises(InputError, match="ref-lite restores faces with photos of the same person"):
        facesr.enhance(lr, 8, model="ref-lite", aligned=True)
    assert facesr.enhance(lr, 2, aligned=True).shape == (32, 32, 3)  # bfr-lite, the default, unchanged


def test_cli_without_reference_refuses_ref_lite(tmp_path, capsys):
    from facesr.cli.main import main
    from facesr.io import write_image

    write_image(tmp_path / "f.png", np.zeros((16, 16, 3), np.uint8))
    assert main(["enhance", str(tmp_path / "f.png"), "-o", str(tmp_path / "o.png"), "--model", "ref-lite"]) == 2
    err = capsys.readouterr().err.strip()
    assert "add --reference DIR" in err and "\n" not in err and not (tmp_path / "o.png").exists()


# -- the real thing (dlib) --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def astronaut(tmp_path_factory):
    from facesr.io import write_image
    from facesr.ops import imresize
    from reference_testing import write_astronaut_photos

    tmp = tmp_path_factory.mktemp("ref_lite")
    write_astronaut_photos(tmp)
    from facesr.samples import astronaut_face

    write_image(tmp / "crop16.png", imresize(astronaut_face(128), size=(16, 16)))
    return tmp


def test_cli_default_reference_model_every_scale(astronaut, capsys):
    from facesr.cli.main import main
    from facesr.io import read_image

    t = astronaut
    # a 45 px face: too large for ref-lite, restored by bfr-lite exactly as without --reference
    code = main(["enhance", str(t / "photo.png"), "-o", str(t / "out.png"), "--scale", "3", "--reference",
                 str(t / "refs"), "--json", str(t / "out.json"), "--quiet", "--overwrite"])
    assert code == 0, capsys.readouterr().err
    assert main(["enhance", str(t / "photo.png"), "-o", str(t / "plain.png"), "--scale", "3", "--quiet",
                 "--overwrite"]) == 0
    assert np.array_equal(read_image(t / "out.png"), read_image(t / "plain.png"))
    rec = json.loads((t / "out.json").read_text())
    assert rec["model"] == "ref-lite" and rec["fallback"] == "bfr-lite" and rec["reference_max_face_px"] == 16
    assert rec["fidelity"] == 0.75 and rec["reference_faces"] == 2
    (face,) = rec["images"][0]["faces"]
    assert face["restored_by"] == "bfr-lite" and 30 < face["face_px"] < 60 and face["references"] == []
    # a 16 px aligned crop: ref-lite with both references, at x4 (not the network's x8)
    code = main(["enhance", str(t / "crop16.png"), "-o", str(t / "crop_out.png"), "--scale", "4", "--aligned",
                 "--reference", str(t / "refs"), "--json", str(t / "crop.json"), "--overwrite"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert read_image(t / "crop_out.png").shape == (64, 64, 3)
    (face,) = json.loads((t / "crop.json").read_text())["images"][0]["faces"]
    assert face["restored_by"] == "ref-lite" and face["face_px"] == 16.0
    assert sorted(Path(r["file"]).name for r in face["references"]) == ["front.png", "mirrored.png"]
    assert "face 0: " in printed.out


def test_api_default_reference_model(astronaut):
    from facesr.io import read_image
    from facesr.pipeline.reference import enhance_reference_report

    crop = read_image(astronaut / "crop16.png")
    assert facesr.enhance(crop, 8, reference=astronaut / "refs", aligned=True).shape == (128, 128, 3)
    out, report, faces = enhance_reference_report(read_image(astronaut / "photo.png"), 2, astronaut / "refs",
                                                  source="photo.png")
    assert out.shape == (192, 192, 3) and report.faces_restored == 1 and faces[0].restored_by == "bfr-lite"
