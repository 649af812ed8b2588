"""``facesr bench --degradation``: degraded LR tracks (blind, realworld, deblur), the restore-only x1 track,
records and replay, caches per degradation, dashes for scales a model lacks, and the default run unchanged."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from facesr.benchmark import run_bench
from facesr.benchmark.datasets import DEGRADED_METRICS, TRACKS, Track, deblur_steps, read_replay
from facesr.benchmark.methods import parse_methods
from facesr.cli.main import main
from facesr.errors import InputError, UnknownNameError
from facesr.io import read_image, write_image
from facesr_testing import PROJECT_ROOT, require_data

FAST = ["psnr", "ssim"]


@pytest.fixture
def faces(tmp_path):
    """Four smooth 32 x 32 'faces' (x1, x4 and x8 fit)."""
    from facesr.ops import imresize

    folder = tmp_path / "hr"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        write_image(folder / f"{i}.png", imresize(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8), 4))
    return folder


@pytest.fixture
def srcnn_ckpt(tmp_path):
    from facesr.models import create

    model = create("srcnn", scale=4, seed=0)
    path = tmp_path / "srcnn.safetensors"
    save_file(model.state_dict(), str(path))
    return path


@pytest.fixture
def bfr_ckpt(tmp_path):
    """A tiny full-size restorer (BFR, 1 group x 1 block x 8 features) recorded as x1, as bfr-lite is."""
    from facesr.models import create

    opts = {"n_resgroups": 1, "n_resblocks": 1, "n_feats": 8, "reduction": 4}
    torch.manual_seed(0)
    model = create("bfr", scale=1, **opts)
    with torch.no_grad():  # an untrained BFR is the identity; give it a small correction
        model.tail[-1].weight.normal_(0, 0.02)
    path = tmp_path / "bfr_tiny.safetensors"
    save_file(model.state_dict(), str(path),
              metadata={"format": "facesr-weights-1", "model": "bfr", "scale": "1", "options": json.dumps(opts)})
    return path


def _bench(folder, methods, **kw):
    kw.setdefault("metrics", FAST)
    kw.setdefault("progress", False)
    return run_bench(folder, parse_methods(methods), **kw)


def test_tracks_defined():
    from facesr.metrics.registry import METRICS

    for m in DEGRADED_METRICS:
        METRICS.entry(m)  # every default metric of a degraded track exists
    assert {"blind", "realworld", "deblur", "deblur-gaussian", "deblur-motion", "occlusion", "illumination",
            "misalign"} <= set(TRACKS)
    steps = deblur_steps(4)
    assert [s["type"] for s in steps] == ["blur", "resize"] and steps[1]["scale"] == 4
    assert deblur_steps(4, blur="motion")[0]["kernel"] == "motion"
    with pytest.raises(UnknownNameError, match="did you mean blind"):
        Track("blnd")


def test_x1_track_dash_and_records(faces, srcnn_ckpt, bfr_ckpt, monkeypatch):
    res, images = _bench(faces, f"bicubic,srcnn:{srcnn_ckpt},bfr:{bfr_ckpt}", scales=[1, 4], degradation="blind",
                         seed=5, cache=False, keep_images=True)
    rows = {r["method"]: r for r in res.rows}
    # srcnn has no x1 design: a dash and a note, not an error; it runs at x4
    assert "1" not in rows["srcnn:srcnn"]["scores"] and "4" in rows["srcnn:srcnn"]["scores"]
    assert "x1: no x1 design" in rows["srcnn:srcnn"]["note"]
    # the full-size network runs at x1 and (its file says x1) at x4
    assert set(rows["bfr:bfr_tiny"]["scores"]) == {"1", "4"}
    # x1: the bicubic row is the degraded face itself; LR is full size
    assert images[1]["lr"].shape == images["hr"].shape
    assert np.array_equal(images[1]["bicubic"], images[1]["lr"])
    assert images[4]["lr"].shape[1:3] == (8, 8)
    # every face's record at each scale, the x1 chain has a scale-1 resize
    deg = res.degradation
    assert deg["name"] == "blind" and deg["seed"] == 5 and set(deg["records"]) == {"1", "4"}
    assert set(deg["records"]["1"]) == set(res.names)
    rec = deg["records"]["1"][res.names[0]]
    assert [s["type"] for s in rec["steps"]] == ["blur", "resize", "noise", "jpeg"]
    assert rec["steps"][1]["scale"] == 1 and rec["key"] == res.names[0] + ".png"
    assert "degradation" in res.as_dict()
    from facesr.benchmark.figures import grid_for_scale, pick_images
    from facesr.benchmark.table import to_markdown, to_text

    assert grid_for_scale(res, images, 1, pick_images(res, 1)) is not None  # a blank cell for srcnn
    text = to_text(res)
    assert "degradation blind" in text and "x1 = restore only" in text and "(shown as -)" in text
    assert "LR: degradation blind" in to_markdown(res)


def test_same_lr_as_facesr_degrade(faces, tmp_path, capsys):
    res, images = _bench(faces, "bicubic", scales=[4], degradation="blind", seed=3, cache=False,
                         keep_images=True)
    out = tmp_path / "deg"
    assert main(["degrade", str(faces), str(out), "--preset", "blind", "--scale", "4", "--seed", "3", "--quiet"]) == 0
    for i, name in enumerate(res.names):
        assert np.array_equal(read_image(out / f"{name}.png"), images[4]["lr"][i])


def test_replay_bit_for_bit(faces, tmp_path, capsys):
    first = tmp_path / "a.json"
    argv = ["bench", "--dataset", str(faces), "--methods", "bicubic", "--metrics", "psnr,ssim", "--quiet",
            "--no-cache"]
    assert main([*argv, "--degradation", "realworld", "--seed", "7", "--scales", "1,4", "--json", str(first)]) == 0
    a = json.loads(first.read_text())
    assert a["scales"] == [1, 4] and a["degradation"]["name"] == "realworld"
    second = tmp_path / "b.json"
    assert main([*argv, "--replay", str(first), "--json", str(second)]) == 0  # scales from the file
    b = json.loads(second.read_text())
    assert b["per_image"] == a["per_image"] and b["degradation"]["records"] == a["degradation"]["records"]
    assert b["degradation"]["replayed_from"] == str(first)
    # a facesr degrade sidecar replays too
    out = tmp_path / "deg"
    assert main(["degrade", str(faces), str(out), "--preset", "realworld", "--scale", "4", "--seed", "7",
                 "--quiet"]) == 0
    track = read_replay(out / "degradation.json")
    res, images = _bench(faces, "bicubic", scales=[4], degradation=track, cache=False, keep_images=True)
    assert res.per_image["bicubic"]["4"] == a["per_image"]["bicubic"]["4"]
    # replay errors are one line: a scale not recorded, conflicting options, a crafted record
    assert main([*argv, "--replay", str(first), "--scales", "8"]) == 2
    assert "no records at x8" in capsys.readouterr().err
    assert main([*argv, "--replay", str(first), "--seed", "1"]) == 2
    assert "leave out --degradation/--seed" in capsys.readouterr().err
    bad = json.loads(first.read_text())
    bad["degradation"]["records"]["4"][res.names[0]]["steps"][1] = {"type": "resize", "scale": 0.001}
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    with pytest.raises(InputError, match="resize scale"):
        read_replay(tmp_path / "bad.json")


def test_caches_do_not_mix(faces, srcnn_ckpt, tmp_path, monkeypatch):
    monkeypatch.setenv("FACESR_CACHE", str(tmp_path / "cache"))
    methods = f"bicubic,srcnn:{srcnn_ckpt}"
    runs = {}
    for deg, seed in (("blind", 0), ("blind", 1), ("deblur", 0), (None, 0)):
        runs[(deg, seed)] = _bench(faces, methods, scales=[4], degradation=deg, seed=seed)[0]
    folders = {p.parent.parent.name for p in (tmp_path / "cache").rglob("*.npz")}
    assert len(folders) == 4  # facesr/ (default), and one per degradation + seed
    assert any(f.startswith("blind-seed0-") for f in folders) and any(f.startswith("deblur-seed0-") for f in folders)
    scores = [r.rows[1]["scores"]["4"]["psnr"] for r in runs.values()]
    assert len(set(scores)) == 4
    # a second run reads its own cache entry and gives the same numbers
    again = _bench(faces, methods, scales=[4], degradation="blind", seed=1)[0]
    assert again.rows == runs[("blind", 1)].rows
    deblur = runs[("deblur", 0)].degradation["records"]["4"]
    assert all([s["type"] for s in r["steps"]] == ["blur", "resize"] for r in deblur.values())


def test_cli_scales_and_errors(faces, capsys):
    base = ["bench", "--dataset", str(faces), "--methods", "bicubic", "--metrics", "psnr", "--quiet", "--no-cache"]
    assert main([*base, "--scales", "1"]) == 2
    assert "needs --degradation" in capsys.readouterr().err
    assert main([*base, "--seed", "3"]) == 2
    assert "give --degradation" in capsys.readouterr().err
    assert main([*base, "--degradation", "blurry"]) == 2
    assert "unknown degradation track" in capsys.readouterr().err
    assert main([*base, "--degradation", "deblur-motion"]) == 0  # default scale of the deblur tracks: x4
    out = capsys.readouterr().out
    assert "x4 PSNR" in out and "x8 PSNR" not in out and "deblur-motion" in out


def test_celeba_faces_blind_track(tmp_path, bfr_ckpt):
    """Three real faces, blind x4 and x8 with bicubic and a tiny restorer; the HTML names the track."""
    hr = require_data("celeba1000/HR")
    folder = tmp_path / "celeba3"
    folder.mkdir()
    for p in sorted(hr.iterdir())[:3]:
        shutil.copy(p, folder / p.name)
    res, images = _bench(folder, f"bicubic,bfr:{bfr_ckpt}", scales=[4, 8], degradation="blind", seed=0,
                         cache=False, keep_images=True)
    assert res.n == 3 and images[8]["lr"].shape[1:3] == (16, 16)
    for row in res.rows:
        assert set(row["scores"]) == {"4", "8"}
    from facesr.benchmark.report import write_report

    html = Path(write_report(res, images, tmp_path / "r.html")[0]).read_text()
    assert "degradation blind" in html and "data:image/png;base64," in html


def _base_commit() -> str | None:
    """The commit before degraded tracks came in (the parent of the commit that added this file), or HEAD
    while it is not committed; ``None`` without git."""
    if shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists():
        return None
    try:
        added = subprocess.run(["git", "log", "--diff-filter=A", "--format=%H", "--",
                                "tests/benchmark/test_degraded_tracks.py"], cwd=PROJECT_ROOT, capture_output=True,
                               text=True, check=True).stdout.split()
        return f"{added[-1]}^" if added else "HEAD"
    except (OSError, subprocess.CalledProcessError):
        return None


def test_default_run_unchanged(faces, srcnn_ckpt, tmp_path, capsys):
    """Without --degradation the JSON, Markdown and LaTeX are byte-identical to the code before the tracks."""
    base = _base_commit()
    if base is None:
        pytest.skip("not a git checkout")
    old = tmp_path / "old"
    old.mkdir()
    try:
        archive = subprocess.run(["git", "archive", "--format=tar", base, "src/facesr",
                                  ":(exclude)src/facesr/weights/*.safetensors"], cwd=PROJECT_ROOT,
                                 capture_output=True, check=True).stdout
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"git archive {base} failed: {exc.stderr.decode()[:200]}")
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)

    def args(out: Path) -> list[str]:
        return ["bench", "--dataset", str(faces), "--scales", "4,8", "--methods", f"bicubic,srcnn:{srcnn_ckpt}",
                "--metrics", "psnr,ssim", "--no-cache", "--quiet", "--json", str(out / "r.json"),
                "--markdown", str(out / "r.md"), "--latex", str(out / "r.tex")]

    code = ("import sys, facesr; from facesr.cli.main import main\n"
            f"assert facesr.__file__.startswith({str(old)!r}), facesr.__file__\n"
            "sys.exit(main(sys.argv[1:]))")
    env = {**os.environ, "PYTHONPATH": str(old / "src"), "FACESR_CACHE": str(tmp_path / "old-cache")}
    before = subprocess.run([sys.executable, "-c", code, *args(tmp_path / "a")], env=env, capture_output=True,
                            text=True)
    assert before.returncode == 0, before.stderr[-2000:]
    assert main(args(tmp_path / "b")) == 0
    now = capsys.readouterr().out
    for name in ("r.json", "r.md", "r.tex"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert before.stdout.replace(str(tmp_path / "a"), "") == now.replace(str(tmp_path / "b"), "")


@pytest.mark.parametrize("name", ["occlusion", "illumination", "misalign"])
def test_joint_task_tracks_make_lr_and_replay(name):
    """The joint-task tracks (survey 4.7) give LR faces of the benchmark's size, and their records replay them."""
    rng = np.random.default_rng(3)
    hr = (rng.random((2, 64, 64, 3)) * 255).astype(np.uint8)
    track = Track(name, seed=1)
    lr, records = track.make_lr(hr, ["a", "b"], ["a.png", "b.png"], 4)
    assert lr.shape == (2, 16, 16, 3)
    again = Track(name, seed=None, replay={4: records}, source="x.json")
    replayed = again.make_lr(hr, ["a", "b"], ["a.png", "b.png"], 4)
    assert np.array_equal(replayed[0], lr)



def test_occlusion_track_scores_the_occluded_region(faces):
    """The completion track adds psnr_occ: PSNR over each face's occluded pixels (from its record). The
    occluded pixels are where the bicubic row is worst, so its region PSNR is below its whole-face PSNR."""
    from facesr.benchmark.regions import OCCLUDED_PSNR, occluded_psnr
    from facesr.degradation.occlusion import occlusion_mask
    from facesr.metrics.protocols import get_protocol

    result, images = run_bench(faces, parse_methods("bicubic"), scales=[4], metrics=["psnr"],
                               degradation="occlusion", seed=0, cache=False, progress=False, keep_images=True)
    assert result.metrics == ["psnr", OCCLUDED_PSNR]
    per = result.per_image["bicubic"]["4"]
    region = [v[OCCLUDED_PSNR] for v in per.values() if v[OCCLUDED_PSNR] is not None]
    assert region and np.mean(region) < np.mean([v["psnr"] for v in per.values()])
    row = result.rows[0]["scores"]["4"]
    assert row[OCCLUDED_PSNR] == pytest.approx(np.mean(region))
    # the region score is the masked MSE on the protocol's plane: an SR face equal to HR outside the region
    # and off by 10 grey levels inside scores 10 log10(255^2 / 10^2) on Y (gain 219/255 on the luma)
    proto = get_protocol("facesr")
    name = result.names[0]
    record = result.degradation["records"]["4"][name]
    hr = images["hr"][0]
    mask = occlusion_mask(record, hr.shape[:2])
    sr = hr.astype(np.int16)
    sr[mask] = np.clip(sr[mask] + 10, 0, 255)
    if mask[8:-8, 8:-8].any():
        got = occluded_psnr([sr.astype(np.uint8)], [hr], [name], {name: record}, 4, proto)[name]
        assert 20 * np.log10(255 / 10) - 0.5 < got < 20 * np.log10(255 / (10 * 219 / 255)) + 0.5


def test_limit_scores_the_first_faces(faces):
    """``limit`` (``facesr bench --limit N``) scores the first N faces in name order, the same per-face scores as
    the full run."""
    full, _ = _bench(faces, "bicubic", scales=[4], metrics=["psnr"], degradation="blind", cache=False)
    part, _ = _bench(faces, "bicubic", scales=[4], metrics=["psnr"], degradation="blind", cache=False, limit=2)
    assert part.n == 2 and part.names == full.names[:2]
    for n in part.names:
        assert part.per_image["bicubic"]["4"][n]["psnr"] == pytest.approx(full.per_image["bicubic"]["4"][n]["psnr"])
    with pytest.raises(InputError, match="limit must be 1 or more"):
        _bench(faces, "bicubic", scales=[4], limit=0)


def test_reference_methods_are_a_dash_outside_table8_mode(faces):
    """A guided method (the bundled ref-lite) cannot run without reference photos: outside ``--reference`` its
    row is a dash whose note says where it is scored, not a traceback."""
    result, _ = _bench(faces, "ref-lite", scales=[8], metrics=["psnr"], cache=False)
    row = next(r for r in result.rows if r["method"] != "bicubic")
    assert not row["scores"].get("8") and "facesr bench --reference" in row["note"]
