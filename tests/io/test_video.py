"""Video I/O (:mod:`facesr.io.video`): frames, frame rate and audio survive a write and a read; unreadable and
zero-frame videos are one-line input errors naming the file."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from facesr.errors import InputError

av = pytest.importorskip("av", reason="PyAV (pip install av) is needed for video")

from facesr.io.video import VideoWriter, is_video, iter_frames, probe_video, read_frames  # noqa: E402


def write_clip(path, frames, fps=Fraction(25), audio: str | None = "aac", rate: int = 16000, seconds: float = 0.3):
    """A test clip written with PyAV directly (independent of VideoWriter): frames + an audio tone."""
    out = av.open(str(path), "w")
    vs = out.add_stream("libx264", rate=fps)
    vs.height, vs.width = frames[0].shape[:2]
    vs.pix_fmt = "yuv444p"
    vs.options = {"crf": "0"}
    a = out.add_stream(audio, rate=rate, layout="mono") if audio else None
    for i, f in enumerate(frames):
        vf = av.VideoFrame.from_ndarray(f, format="rgb24")
        vf.pts = i
        for p in vs.encode(vf):
            out.mux(p)
    for p in vs.encode(None):
        out.mux(p)
    if a is not None:
        tone = (np.sin(np.arange(int(rate * seconds)) * 0.05) * 8000).astype(np.int16)
        af = av.AudioFrame.from_ndarray(tone[None], format="s16", layout="mono")
        af.sample_rate, af.pts = rate, 0
        if audio == "aac":
            frames_in = av.AudioResampler(format="fltp", layout="mono", rate=rate).resample(af)
        else:
            frames_in = [af]
        for fr in frames_in:
            for p in a.encode(fr):
                out.mux(p)
        for p in a.encode(None):
            out.mux(p)
    out.close()
    return path


def ramp_frames(n: int = 6, h: int = 40, w: int = 48) -> list[np.ndarray]:
    yy, xx = np.mgrid[0:h, 0:w]
    return [np.stack([(xx * 5 + 20 * i) % 256, (yy * 6) % 256, np.full_like(xx, 40 * i)], -1).astype(np.uint8)
            for i in range(n)]


def test_probe_and_read(tmp_path):
    frames = ramp_frames()
    src = write_clip(tmp_path / "in.mp4", frames, fps=Fraction(30000, 1001))
    info = probe_video(src)
    assert (info.frames, info.fps, info.width, info.height) == (6, Fraction(30000, 1001), 48, 40)
    assert info.audio_codec == "aac" and info.audio_rate == 16000
    got, _ = read_frames(src)
    assert got.shape == (6, 40, 48, 3) and got.dtype == np.uint8
    assert np.abs(got.astype(int) - np.stack(frames)).mean() < 3  # lossless x264 4:4:4, RGB<->YUV rounding
    assert is_video(src) and not is_video(tmp_path / "a.png")


@pytest.mark.parametrize("codec", ["aac", "pcm_s16le"])
def test_writer_keeps_count_rate_and_audio(tmp_path, codec):
    suffix = ".mp4" if codec == "aac" else ".mkv"  # PCM audio lives in Matroska; the mp4 gets it as AAC
    src = write_clip(tmp_path / f"in{suffix}", ramp_frames(5), fps=Fraction(24), audio=codec)
    out = tmp_path / "out.mp4"
    with VideoWriter(out, probe_video(src).fps, audio_from=src) as w:
        for f in iter_frames(src):
            w.write(np.repeat(np.repeat(f, 3, 0), 3, 1))
    info = probe_video(out)
    assert (info.frames, info.fps, info.width, info.height, info.audio_codec) == (5, 24, 144, 120, "aac")
    with av.open(str(out)) as c:
        duration = float(c.streams.audio[0].duration * c.streams.audio[0].time_base)
    assert 0.2 < duration < 0.45
    assert not list(tmp_path.glob(".*.tmp.mp4"))


def test_odd_size_without_audio(tmp_path):
    out = tmp_path / "odd.mp4"
    with VideoWriter(out, 10) as w:
        for f in ramp_frames(3, 33, 45):
            w.write(f)
    info = probe_video(out)
    assert (info.frames, info.width, info.height, info.audio_codec) == (3, 45, 33, None)


def test_failed_write_leaves_nothing(tmp_path):
    out = tmp_path / "x.mp4"
    with pytest.raises(InputError, match="frame 1 is"), VideoWriter(out, 25) as w:
        w.write(ramp_frames(1)[0])
        w.write(np.zeros((10, 10, 3), np.uint8))
    assert not out.exists() and not list(tmp_path.iterdir())


def test_unreadable_and_empty_videos(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all" * 10)
    with pytest.raises(InputError, match="bad.mp4") as e:
        probe_video(bad)
    assert "\n" not in str(e.value)
    empty = tmp_path / "empty.mp4"  # a video stream declared, no frame encoded (the muxer keeps no track)
    c = av.open(str(empty), "w")
    s = c.add_stream("libx264", rate=25)
    s.width, s.height, s.pix_fmt = 32, 32, "yuv420p"
    c.start_encoding()
    c.close()
    with pytest.raises(InputError, match=r"empty.mp4: the (video has no frames|file has no video stream)$"):
        probe_video(empty)
    with pytest.raises(InputError, match="empty.mp4"):
        next(iter_frames(empty))
    with pytest.raises(InputError, match="no such video"):
        probe_video(tmp_path / "missing.mp4")
