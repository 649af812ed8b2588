"""Video files in and out with PyAV (``av``; its wheels carry FFmpeg): frames as ``uint8 H x W x 3`` RGB.

* :func:`probe_video`: frame count (counted by decoding when the container does not say), frame rate,
  size and the audio stream's codec, without keeping any frame.
* :func:`iter_frames`: the frames, one at a time (a long video is never held in memory).
* :class:`VideoWriter`: an H.264 mp4 (CRF 18) at a constant frame rate with exactly the frames written;
  the source's first audio stream is copied packet for packet when the mp4 muxer takes its codec,
  otherwise re-encoded to AAC. The file is written under a temporary name and renamed when complete.

Unreadable files, files without a video stream and zero-frame videos raise a one-line
:class:`~facesr.errors.InputError` naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, MissingDependencyError

#: suffixes ``facesr enhance`` treats as videos
VIDEO_SUFFIXES: tuple[str, ...] = (".mp4", ".mov", ".m4v", ".mkv", ".avi", ".webm")
#: audio codecs the mp4 muxer takes as they are (others are re-encoded to AAC)
MP4_AUDIO_COPY: frozenset[str] = frozenset({"aac", "mp3", "ac3", "eac3", "opus", "alac"})


def _av():
    try:
        import av
    except ImportError:
        raise MissingDependencyError("video needs PyAV: pip install av") from None
    return av


def is_video(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` has a video suffix (:data:`VIDEO_SUFFIXES`)."""
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


@dataclass(frozen=True)
class VideoInfo:
    """A video's ``frames`` (count), ``fps`` (frames per second, exact), ``width`` x ``height`` (pixels) and
    its audio stream: ``audio_codec`` (``None`` without audio), ``audio_rate`` (Hz)."""

    path: Path
    frames: int
    fps: Fraction
    width: int
    height: int
    audio_codec: str | None = None
    audio_rate: int | None = None

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None


def _open(path: Path) -> Any:
    av = _av()
    if not path.is_file():
        raise InputError(f"{path}: no such video file")
    try:
        container = av.open(str(path))
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: not a readable video ({_reason(exc)})") from None
    if not container.streams.video:
        container.close()
        raise InputError(f"{path}: the file has no video stream")
    return container


def _reason(exc: Exception) -> str:
    return " ".join(str(exc).split())[:160] or type(exc).__name__


def _decoded(container: Any, path: Path) -> Iterator[Any]:
    av = _av()
    try:
        yield from container.decode(video=0)
    except av.FFmpegError as exc:
        raise InputError(f"{path}: the video cannot be decoded ({_reason(exc)})") from None


def probe_video(path: str | os.PathLike[str]) -> VideoInfo:
    """Frame count, frame rate, size and audio of ``path`` (frames counted by decoding: exact)."""
    p = Path(path)
    container = _open(p)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        count, size = 0, None
        for frame in _decoded(container, p):
            count += 1
            size = size or (frame.width, frame.height)
        if count == 0 or size is None:
            raise InputError(f"{p}: the video has no frames")
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        if not rate or rate <= 0:
            raise InputError(f"{p}: the video does not state its frame rate")
        audio = container.streams.audio[0] if container.streams.audio else None
        return VideoInfo(p, count, Fraction(rate), size[0], size[1],
                         audio.codec_context.name if audio is not None else None,
                         int(audio.codec_context.sample_rate or 0) or None if audio is not None else None)
    finally:
        container.close()


def iter_frames(path: str | os.PathLike[str]) -> Iterator[np.ndarray]:
    """The frames of ``path`` in display order: ``uint8 H x W x 3`` RGB (decoded one at a time)."""
    p = Path(path)
    container = _open(p)
    try:
        container.streams.video[0].thread_type = "AUTO"
        for frame in _decoded(container, p):
            yield frame.to_ndarray(format="rgb24")
    finally:
        container.close()


def read_frames(path: str | os.PathLike[str]) -> tuple[np.ndarray, VideoInfo]:
    """Every frame of a (short) video, ``uint8 T x H x W x 3``, and its :class:`VideoInfo`."""
    info = probe_video(path)
    return np.stack(list(iter_frames(path))), info


class VideoWriter:
    """Write ``uint8 H x W x 3`` RGB frames to an H.264 mp4 at ``fps`` (context manager).

    ``audio_from``: a video whose first audio stream is put in the output (copied, or AAC when the mp4
    muxer does not take its codec). ``crf``: x264 quality (0 lossless .. 51; 18 looks lossless). The
    output appears under ``path`` only when :meth:`close` completes (temporary file, then rename).
    Odd widths or heights are encoded as 4:4:4 (4:2:0 needs even sizes).
    """

    def __init__(self, path: str | os.PathLike[str], fps: Fraction | float, *,
                 audio_from: str | os.PathLike[str] | None = None, crf: int = 18) -> None:
        import tempfile

        self.av = _av()
        self.path = Path(path)
        self.fps = Fraction(fps).limit_denominator(1_000_000)
        if self.fps <= 0:
            raise InputError(f"{self.path}: frame rate must be positive, got {fps}")
        self.audio_from = Path(audio_from) if audio_from is not None else None
        self.crf = int(crf)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp.mp4", dir=self.path.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        self.container = self.av.open(str(self.tmp), "w", format="mp4")
        self.stream: Any = None
        self.count = 0
        self._src: Any = None  # the audio source (open from the first frame to close)
        self._audio: tuple[Any, Any] | None = None  # (input stream, output stream)

    def _start(self, h: int, w: int) -> None:
        s = self.container.add_stream("libx264", rate=self.fps)
        s.width, s.height = w, h
        s.pix_fmt = "yuv420p" if h % 2 == 0 and w % 2 == 0 else "yuv444p"
        s.options = {"crf": str(self.crf)}
        s.codec_context.time_base = Fraction(1) / self.fps
        self.stream = s
        self._add_audio()  # every stream exists before the first packet (the mp4 header lists them)

    def write(self, frame: np.ndarray) -> None:
        """Append one ``uint8 H x W x 3`` frame (every frame must have the first one's size)."""
        arr = np.ascontiguousarray(frame)
        if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3:
            raise InputError(f"{self.path}: frames must be uint8 H x W x 3, got {arr.dtype} {arr.shape}")
        if self.stream is None:
            self._start(*arr.shape[:2])
        elif (arr.shape[0], arr.shape[1]) != (self.stream.height, self.stream.width):
            raise InputError(f"{self.path}: frame {self.count} is {arr.shape[1]}x{arr.shape[0]}, the video is "
                             f"{self.stream.width}x{self.stream.height}")
        vf = self.av.VideoFrame.from_ndarray(arr, format="rgb24")
        vf.pts = self.count
        vf.time_base = self.stream.codec_context.time_base
        for packet in self.stream.encode(vf):
            self.container.mux(packet)
        self.count += 1

    def _add_audio(self) -> None:
        if self.audio_from is None:
            return
        src = _open(self.audio_from)
        if not src.streams.audio:
            src.close()
            return
        a_in = src.streams.audio[0]
        if a_in.codec_context.name in MP4_AUDIO_COPY:
            a_out = self.container.add_stream_from_template(a_in)
        else:
            a_out = self.container.add_stream("aac", rate=int(a_in.codec_context.sample_rate or 48000))
        self._src, self._audio = src, (a_in, a_out)

    def _write_audio(self) -> None:
        if self._audio is None:
            return
        a_in, a_out = self._audio
        if a_in.codec_context.name in MP4_AUDIO_COPY:
            for packet in self._src.demux(a_in):
                if packet.dts is None:
                    continue
                packet.stream = a_out
                self.container.mux(packet)
            return
        resampler = self.av.AudioResampler(format="fltp", layout=a_out.codec_context.layout,
                                           rate=a_out.codec_context.sample_rate)
        for frame in self._src.decode(a_in):
            for f in resampler.resample(frame):
                for packet in a_out.encode(f):
                    self.container.mux(packet)
        for packet in a_out.encode(None):
            self.container.mux(packet)

    def close(self) -> None:
        """Flush the encoder, add the audio and move the file to ``path``."""
        if self.stream is None:
            self.abort()
            raise InputError(f"{self.path}: no frames were written")
        try:
            for packet in self.stream.encode(None):
                self.container.mux(packet)
            self._write_audio()
            self.container.close()
        except BaseException:
            self.abort()
            raise
        finally:
            if self._src is not None:
                self._src.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        """Drop the partial output."""
        import contextlib

        with contextlib.suppress(Exception):
            self.container.close()
        with contextlib.suppress(Exception):
            if self._src is not None:
                self._src.close()
        with contextlib.suppress(FileNotFoundError):
            self.tmp.unlink()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
