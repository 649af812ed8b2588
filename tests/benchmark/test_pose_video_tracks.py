"""``facesr bench --track pose|video``: frontalization pairs from identity groups (yaw proxy of pose_pairs.py,
bicubic LR of the non-frontal face, scored against the frontal one), seeded clips from still faces (centre-frame
metrics and flicker of video_eval.py, multi-frame networks on the window), and clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from facesr.benchmark.methods import parse_methods
from facesr.cli.main import main
from facesr.errors import InputError
from facesr.io import read_image, write_image
from reference_testing import reference_checkpoint, write_group_folder

#: nose offsets (pixels) of the fake faces' five points: faces 001 and 004 turned, 000 and 003 frontal,
#: 002 slightly turned (neither), 005 turned but in no group
NOSE = (0.0, 12.0, 2.0, 1.0, -12.0, 15.0)


@pytest.fixture(scope="module")
def groups(tmp_path_factory):
    """Groups id0 = 000-002, id1 = 003-004 (005 in none), with five-point landmarks in the track's cache."""
    from facesr.benchmark.pose import _GroupSource
    from facesr.benchmark.reference import landmark_cache_path
    from facesr.data.landmark_cache import LandmarkCache
    from facesr.data.testlist import TestList

    root = write_group_folder(tmp_path_factory.mktemp("pose") / "set", sizes=(3, 2), extra=1)
    dataset = TestList(root)
    points = {i: np.array([[44, 50], [84, 50], [64 + d, 70], [50, 90], [78, 90]], np.float64)
              for i, d in enumerate(NOSE)}
    LandmarkCache(landmark_cache_path(dataset), 128).save(_GroupSource(dataset, {}, 128), points)
    return root


@pytest.fixture(scope="module")
def clips_folder(tmp_path_factory):
    """Three smooth 32 x 32 faces (x4 fits)."""
    from facesr.ops import imresize

    folder = tmp_path_factory.mktemp("clips") / "hr"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for i in range(3):
        write_image(folder / f"{i}.png", imresize(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8), 4))
    return folder


@pytest.fixture(scope="module")
def ckpts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ckpt")
    return {"tann": reference_checkpoint(tmp / "tann.pt", "tann", scale=4, features=8),
            "video": reference_checkpoint(tmp / "vid.pt", "videofsr", scale=4, frames=3, n_feats=8, n_extract=1,
                                          n_recon=1, flow_feats=8)}


def test_pose_pairs_from_groups(groups):
    from facesr.benchmark.pose import load_pose_pairs

    pose = load_pose_pairs(groups)
    assert pose.names == ["001", "004"] and pose.identities == 2
    assert pose.records["001"]["target"] == "000.png" and pose.records["004"]["target"] == "003.png"
    assert pose.records["001"]["yaw"] == pytest.approx(np.degrees(np.arctan(0.6)), abs=1e-3)
    assert np.array_equal(pose.inputs[0], read_image(groups / "HR" / "001.png"))
    assert np.array_equal(pose.targets[1], read_image(groups / "HR" / "003.png"))
    with pytest.raises(InputError, match="no identity has a face"):
        load_pose_pairs(groups, profile_min=40)


def test_pose_track_cli(groups, ckpts, tmp_path):
    out = {k: tmp_path / f"pose.{k}" for k in ("json", "md", "html")}
    assert main(["bench", "--track", "pose", "--dataset", str(groups), "--methods", f"tann:{ckpts['tann']}",
                 "--scales", "4", "--metrics", "psnr,ssim", "--json", str(out["json"]), "--markdown", str(out["md"]),
                 "--html", str(out["html"]), "--quiet"]) == 0
    data = json.loads(out["json"].read_text())
    assert data["n"] == 2 and data["names"] == ["001", "004"] and data["scales"] == [4]
    assert {r["method"]: r["family"] for r in data["rows"]} == {"bicubic": "baseline", "tann:tann": "joint"}
    assert data["degradation"]["name"] == "pose" and set(data["degradation"]["pairs"]) == {"001", "004"}
    assert "2 pairs of 2 identities" in data["degradation"]["description"]
    assert "records" not in data["degradation"]  # not a replayable degraded track
    md = out["md"].read_text()
    assert "Joint tasks" in md and "TANN" in md and "|yaw| >= 15" in md
    assert (tmp_path / "pose_grid_x4.png").is_file()


def test_pose_scores_against_the_frontal_face(groups):
    from facesr.benchmark.pose import run_pose_bench
    from facesr.evaluation import evaluate_arrays
    from facesr.metrics.protocols import get_protocol

    result, images = run_pose_bench(groups, parse_methods("bicubic"), scales=[4], metrics=["psnr"], limit=1,
                                    progress=False, keep_images=True)
    proto = get_protocol("facesr")
    hr_in, hr_target = read_image(groups / "HR" / "001.png"), read_image(groups / "HR" / "000.png")
    assert result.n == 1 and np.array_equal(images[4]["lr"][0], proto.make_lr(hr_in[None], 4)[0])
    sr = proto.upsample(proto.make_lr(hr_in[None], 4), 4)
    want = evaluate_arrays(list(sr), [hr_target], ["001"], scale=4, protocol=proto, metrics=["psnr"])
    assert result.rows[0]["scores"]["4"]["psnr"] == pytest.approx(want.metrics["psnr"])


def test_video_track_scores_and_records(clips_folder, ckpts):
    import torch

    from facesr.benchmark.video import SeededClips, run_video_bench
    from facesr.degradation import image_seed
    from facesr.metrics import create_metric
    from facesr.metrics.protocols import get_protocol
    from facesr.training.video_eval import bicubic_restore, score_clips

    methods = parse_methods(f"videofsr:{ckpts['video']}")
    result, images = run_video_bench(clips_folder, methods, scales=[4], metrics=["psnr", "ssim"], seed=3,
                                     progress=False, keep_images=True)
    assert result.metrics == ["psnr", "ssim", "flicker"] and result.n == 3
    deg = result.degradation
    assert deg["frames"] == 3  # the multi-frame network's window
    rec = deg["clips"]["4"]["1"]
    assert rec["seed"] == image_seed(3, "1.png") and rec["key"] == "1.png" and len(rec["trajectory"]) == 5
    row = {r["method"]: r for r in result.rows}
    assert row["videofsr:vid"]["family"] == "application" and "3 LR frames" in row["videofsr:vid"]["note"]
    assert images[4]["videofsr:vid"].shape == (3, 32, 32, 3) and images[4]["lr"].shape == (3, 8, 8, 3)
    # the bicubic row is video_eval's bicubic restore on the same clips
    proto = get_protocol("facesr")
    faces = np.stack([read_image(clips_folder / f"{i}.png") for i in range(3)])
    clips = SeededClips(faces, ["0.png", "1.png", "2.png"], frames=3, scale=4, seed=3)
    assert torch.equal(clips.lr, SeededClips(faces, ["0.png", "1.png", "2.png"], frames=3, scale=4, seed=3).lr)
    per = score_clips(bicubic_restore(proto, 4), clips, [create_metric(m, proto, 4) for m in ("psnr", "ssim")])
    got = row["bicubic"]["scores"]["4"]
    assert got["psnr"] == pytest.approx(per[:, 0].mean()) and got["flicker"] == pytest.approx(per[:, 2].mean())
    again, _ = run_video_bench(clips_folder, parse_methods("bicubic"), scales=[4], metrics=["psnr"], seed=4,
                               progress=False)
    assert again.degradation["frames"] == 5 and again.degradation["clips"]["4"]["1"]["seed"] != rec["seed"]


def test_video_track_cli_window(clips_folder, ckpts, tmp_path):
    path = tmp_path / "v.json"
    assert main(["bench", "--track", "video", "--dataset", str(clips_folder), "--methods",
                 f"videofsr:{ckpts['video']}", "--scales", "4", "--metrics", "psnr", "--frames", "1", "--limit", "2",
                 "--json", str(path), "--quiet"]) == 0
    data = json.loads(path.read_text())
    assert data["n"] == 2 and data["degradation"]["frames"] == 1
    row = {r["method"]: r for r in data["rows"]}["videofsr:vid"]
    assert row["scores"] == {} and "needs 3 frames" in row["note"]


@pytest.mark.parametrize("argv, message", [
    (["--track", "pose", "--seed", "1"], "leave out --seed"),
    (["--track", "video", "--frames", "4"], "odd number"),
    (["--track", "pose", "--degradation", "blind"], "makes its own LR"),
    (["--frames", "3"], "--frames is a --track video option"),
    (["--track", "pose", "--scales", "4,4"], "distinct integers"),
])
def test_errors(groups, argv, message, capsys):
    assert main(["bench", "--dataset", str(groups), *argv, "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_pose_needs_groups(tmp_path, capsys):
    (tmp_path / "HR").mkdir()
    write_image(tmp_path / "HR" / "a.png", np.zeros((32, 32, 3), np.uint8))
    assert main(["bench", "--track", "pose", "--dataset", str(tmp_path), "--quiet"]) == 2
    assert "no identity_groups.json" in capsys.readouterr().err
