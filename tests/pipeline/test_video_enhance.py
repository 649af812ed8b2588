"""``facesr enhance in.mp4 -o out.mp4``: faces tracked across frames (IoU links, gaps filled, landmarks
smoothed), restored frame by frame (default restorer) or with temporal fusion (a videofsr network), pasted
back; the output keeps the frame count, frame rate and audio, at the asked scale. The clip is synthesised
from scikit-image's astronaut portrait (bundled), panning slowly."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from facesr.cli.main import main
from facesr.faces.backends import Face
from facesr.pipeline.tracking import box_iou, track_faces, track_frames

N_FRAMES, SIZE, FPS = 6, 112, Fraction(25)


def face_at(x: float, y: float, w: float = 40.0) -> Face:
    pts = np.array([[x + 10, y + 15], [x + 30, y + 15], [x + 20, y + 25], [x + 12, y + 32], [x + 28, y + 32]])
    return Face((x, y, x + w, y + w), 1.0, pts.astype(np.float64), "5pt")


def test_iou_tracking_links_faces_across_gaps_and_drops_strays():
    frames = [[face_at(10 + 2 * t, 10), face_at(100 - 2 * t, 60)] for t in range(8)]
    frames[3] = [frames[3][1]]  # the first face missed in frame 3
    frames[5].append(face_at(200, 200))  # a one-frame false detection
    tracks = track_faces(frames)
    assert len(tracks) == 2 and box_iou(face_at(0, 0).box, face_at(0, 0).box) == 1.0
    moving_right = next(t for t in tracks if t.detections[0].box[0] == 10)
    assert sorted(moving_right.detections) == [0, 1, 2, 4, 5, 6, 7]
    per_frame = track_frames(moving_right, smooth=0)
    assert sorted(per_frame) == list(range(8))  # frame 3 filled in
    assert np.allclose(per_frame[3].landmarks, face_at(16, 10).landmarks)  # halfway between frames 2 and 4


def test_smoothing_removes_jitter():
    rng = np.random.default_rng(0)
    frames = [[face_at(20 + t + rng.normal(0, 1.5), 20)] for t in range(12)]
    (track,) = track_faces(frames)
    raw = np.array([track.detections[t].landmarks[0, 0] - t for t in range(12)])
    smooth = np.array([track_frames(track, smooth=2)[t].landmarks[0, 0] - t for t in range(2, 10)])
    assert smooth.std() < raw.std() / 1.5


# -- end to end (dlib detects the faces) -----------------------------------------------------------------
pytest.importorskip("dlib", reason="dlib-bin is needed for face detection")
av = pytest.importorskip("av", reason="PyAV (pip install av) is needed for video")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A 6-frame 112 x 112 mp4 at 25 fps of the astronaut's face (about 60 px) panning 2 px per frame, with a
    0.24 s AAC tone."""
    from facesr.io import read_image
    from facesr.ops import imresize
    from facesr.paths import package_file

    img = imresize(read_image(package_file("skimage", "data/astronaut.png", "pip install scikit-image")),
                   size=(256, 256))
    path = tmp_path_factory.mktemp("video") / "in.mp4"
    out = av.open(str(path), "w")
    vs = out.add_stream("libx264", rate=FPS)
    vs.width = vs.height = SIZE
    vs.pix_fmt = "yuv420p"
    audio = out.add_stream("aac", rate=16000, layout="mono")  # every stream exists before the first packet
    packets = []
    for t in range(N_FRAMES):
        frame = np.ascontiguousarray(img[0:SIZE, 60 + 2 * t : 60 + 2 * t + SIZE])
        vf = av.VideoFrame.from_ndarray(frame, format="rgb24")
        vf.pts = t
        packets += vs.encode(vf)
    packets += vs.encode(None)
    tone = (np.sin(np.arange(int(16000 * 0.24)) * 0.05) * 0.3).astype(np.float32)[None]
    af = av.AudioFrame.from_ndarray(tone, format="fltp", layout="mono")
    af.sample_rate, af.pts = 16000, 0
    packets += [*audio.encode(af), *audio.encode(None)]
    for p in packets:
        out.mux(p)
    out.close()
    return path


def test_first_frame_has_a_detectable_face(clip):
    from facesr.io.video import iter_frames
    from facesr.pipeline import Enhancer

    first = next(iter_frames(clip))
    assert len(Enhancer().detect(first)) >= 1


def test_cli_default_restorer_keeps_length_rate_and_audio(clip, tmp_path, capsys):
    from facesr.io.video import probe_video

    out, report = tmp_path / "out.mp4", tmp_path / "report.json"
    assert main(["enhance", str(clip), "-o", str(out), "--scale", "2", "--quiet", "--json", str(report)]) == 0
    info = probe_video(out)
    assert (info.frames, info.fps, info.width, info.height) == (N_FRAMES, FPS, 2 * SIZE, 2 * SIZE)
    assert info.audio_codec == "aac"
    rec = json.loads(report.read_text())
    assert rec["model"] == "bfr-lite" and rec["video"]["tracks"] >= 1 and not rec["video"]["temporal"]
    assert rec["video"]["faces_restored"] >= N_FRAMES  # one tracked face in every frame at least
    assert "6 frames" in capsys.readouterr().out
    # against the same pipeline with the bicubic restorer (Python API): the face differs, the background not
    import facesr
    from facesr.io.video import iter_frames

    ref = tmp_path / "bicubic.mp4"
    rep = facesr.enhance(str(clip), scale=2, model="bicubic", output=ref)
    assert rep.frames == N_FRAMES and rep.tracks == rec["video"]["tracks"]
    diff = np.abs(next(iter_frames(out)).astype(int) - next(iter_frames(ref)).astype(int)).mean(axis=2)
    assert diff[60:160, 60:160].mean() > 2 * diff[:, :20].mean() + 0.5  # face at x, y ~ 52..172 px


def test_temporal_fusion_with_a_videofsr_checkpoint(clip, tmp_path):
    from safetensors.torch import save_file

    from facesr.io.video import probe_video
    from facesr.models import create
    from facesr.training.export import WEIGHTS_FORMAT

    opts = {"frames": 3, "n_feats": 8, "n_extract": 1, "n_recon": 1, "flow_feats": 8}
    net = create("videofsr", scale=4, seed=0, **opts)
    weights = tmp_path / "videofsr_x4.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(weights),
              metadata={"format": WEIGHTS_FORMAT, "model": "videofsr", "scale": "4", "options": json.dumps(opts)})
    out, report = tmp_path / "fused.mp4", tmp_path / "fused.json"
    code = main(["enhance", str(clip), "-o", str(out), "--scale", "4", "--model", f"videofsr:{weights}", "--quiet",
                 "--json", str(report)])
    assert code == 0
    info = probe_video(out)
    assert (info.frames, info.fps, info.width, info.height, info.audio_codec) == (N_FRAMES, FPS, 448, 448, "aac")
    video = json.loads(report.read_text())["video"]
    assert video["temporal"] is True and video["faces_restored"] >= N_FRAMES


def test_errors(clip, tmp_path, capsys):
    import facesr
    from facesr.errors import InputError

    with pytest.raises(InputError, match="needs output"):
        facesr.enhance(str(clip), scale=2)
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00garbage" * 50)
    capsys.readouterr()
    assert main(["enhance", str(bad), "-o", str(tmp_path / "b.mp4"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "broken.mp4" in err and len(err.splitlines()) == 1
    assert main(["enhance", str(clip), "-o", str(tmp_path / "x.avi"), "--quiet"]) == 2
    assert not (tmp_path / "b.mp4").exists()
