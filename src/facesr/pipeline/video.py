"""``facesr enhance in.mp4 -o out.mp4``: every face of a video restored and pasted back, frame count, frame
rate and audio kept (survey §4.8.1).

1. **Detect** the faces of every frame (the photo pipeline's detector) and **track** them
   (:mod:`facesr.pipeline.tracking`: IoU links, missed frames filled, landmarks smoothed over time).
2. **Restore** each frame's tracked faces and paste them over the bicubic-upscaled frame with the photo
   pipeline (:class:`~facesr.pipeline.enhance.Enhancer`): frame by frame for single-image restorers
   (``bfr-lite`` by default); with **temporal fusion** for a multi-frame zoo network (``videofsr:CHECKPOINT``):
   the face's ``2k + 1`` aligned LR crops around the frame (each frame aligned with its own smoothed
   landmarks, repeated at the ends of the track) go in together and the centre face comes out.
3. **Write** an H.264 mp4 with the same number of frames at the same frame rate, the audio copied
   (:class:`facesr.io.video.VideoWriter`). Frames are decoded one at a time (three passes: count, detect,
   restore), so memory does not grow with the video's length.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from .enhance import ALIGNED_SIZE, Enhancer, background, build_restorer, check_output_size
from .restorers import ModelRestorer, Restorer


@dataclass
class VideoReport:
    """What :func:`enhance_video` did: frames written, frame rate, sizes (``width, height``), audio codec,
    faces tracked, face crops restored (over all frames) and whether temporal fusion was used."""

    input: str
    output: str
    frames: int
    fps: str
    size: tuple[int, int]
    out_size: tuple[int, int]
    audio: str | None
    tracks: int = 0
    faces_restored: int = 0
    temporal: bool = False
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class TemporalRestorer(ModelRestorer):
    """A multi-frame zoo network (registry ``temporal``) with its weights: ``restore_windows`` takes each face's
    window of aligned LR crops."""

    temporal = True

    def frames(self, scale: int) -> int:
        """The window length ``2k + 1`` of the x``scale`` network."""
        return int(self._net(self.check_scale(scale)).frames)

    def restore_windows(self, windows: np.ndarray, scale: int) -> np.ndarray:
        """uint8 ``N x T x h x w x 3`` aligned LR windows -> uint8 ``N x (h*scale) x (w*scale) x 3`` centre faces."""
        import torch

        from ..io import tensor_to_uint8

        net = self._net(self.check_scale(scale))
        arr = np.asarray(windows)
        if arr.dtype != np.uint8 or arr.ndim != 5 or arr.shape[-1] != 3:
            raise InputError(f"{self.name} restores uint8 N x T x h x w x 3 windows, got {arr.dtype} {arr.shape}")
        x = torch.from_numpy(np.ascontiguousarray(arr.transpose(0, 1, 4, 2, 3))).float().div_(255.0)
        outs = []
        with torch.inference_mode():
            for i in range(0, len(x), self.batch_size):
                outs.append(net(x[i : i + self.batch_size].to(self.device)).float().clamp(0, 1).cpu())
        return tensor_to_uint8(torch.cat(outs))


def as_temporal(restorer: Restorer) -> TemporalRestorer | None:
    """``restorer`` as a :class:`TemporalRestorer` when its networks are multi-frame zoo networks, else ``None``."""
    from ..models import model_info

    if isinstance(restorer, TemporalRestorer):
        return restorer
    if not isinstance(restorer, ModelRestorer):
        return None
    if not all(model_info(spec.name).get("temporal") for spec in restorer.specs.values()):
        return None
    return TemporalRestorer(restorer.specs, name=restorer.name, device=restorer.device,
                            batch_size=restorer.batch_size, kernel=restorer.kernel)


class VideoEnhancer:
    """Detect, track, restore and paste back the faces of a video (module doc) with ``enhancer``'s detector,
    restorer and paste-back. ``smooth``: landmark smoothing half-window (frames); ``progress``: tqdm bars."""

    def __init__(self, enhancer: Enhancer, *, smooth: int = 2, progress: bool = True) -> None:
        self.enhancer = enhancer
        self.temporal = as_temporal(enhancer.restorer)
        self.smooth, self.progress = int(smooth), progress

    def _bar(self, it: Any, total: int, desc: str) -> Any:
        if not self.progress:
            return it
        from tqdm.auto import tqdm

        return tqdm(it, total=total, desc=desc, unit="frame")

    def track(self, src: Path, frames: int) -> list[dict[int, Any]]:
        """Per track, ``{frame: Face}`` over its span (detections linked, filled and smoothed)."""
        from ..io.video import iter_frames
        from .tracking import track_faces, track_frames

        detections = [self.enhancer.detect(f) for f in self._bar(iter_frames(src), frames, "detecting")]
        return [track_frames(t, self.smooth) for t in track_faces(detections)]

    def run(self, src: str | os.PathLike[str], dst: str | os.PathLike[str], scale: int) -> VideoReport:
        """Enhance video ``src`` by ``scale`` into the mp4 ``dst`` (written whole or not at all)."""
        from ..io.video import VideoWriter, iter_frames, probe_video

        src, dst = Path(src), Path(dst)
        if scale < 1 or scale != int(scale):
            raise InputError(f"scale must be a positive integer, got {scale}")
        info = probe_video(src)
        check_output_size((info.height, info.width), int(scale), self.enhancer.max_megapixels)
        k = self.temporal.frames(self._model_scale()) // 2 if self.temporal is not None else 0
        tracks = self.track(src, info.frames)
        report = VideoReport(str(src), str(dst), 0, str(info.fps), (info.width, info.height),
                             (info.width * scale, info.height * scale), info.audio_codec, tracks=len(tracks),
                             temporal=self.temporal is not None)
        buf: dict[int, np.ndarray] = {}
        with VideoWriter(dst, info.fps, audio_from=src) as writer:
            for t, frame in enumerate(self._bar(iter_frames(src), info.frames, "enhancing")):
                buf[t] = frame
                if t >= k:
                    writer.write(self._frame(t - k, buf, tracks, int(scale), k, report))
                    buf.pop(t - 2 * k, None)
            n = len(buf) and max(buf) + 1
            for t in range(max(n - k, 0), n):
                writer.write(self._frame(t, buf, tracks, int(scale), k, report))
            report.frames = writer.count
        if report.frames != info.frames:
            report.notes.append(f"decoded {report.frames} frames, the first pass counted {info.frames}")
        return report

    def _model_scale(self) -> int:
        return int(self.temporal.scales[0]) if len(self.temporal.scales) == 1 else int(max(self.temporal.scales))

    def _frame(self, t: int, buf: dict[int, np.ndarray], tracks: list[dict[int, Any]], scale: int, k: int,
               report: VideoReport) -> np.ndarray:
        faces = [tr for tr in tracks if t in tr]
        if self.temporal is None:
            out, rep = self.enhancer.enhance_array(buf[t], scale, aligned=False, faces=[tr[t] for tr in faces])
            report.faces_restored += rep.faces_restored
            return out
        out = background(buf[t], scale)
        for tr in faces:
            report.faces_restored += self._fuse(tr, t, buf, out, scale, k)
        return out

    def _fuse(self, track: dict[int, Any], t: int, buf: dict[int, np.ndarray], out: np.ndarray, scale: int,
              k: int) -> int:
        """Restore the face of ``track`` at frame ``t`` from its window and paste it into ``out``; 1 if done."""
        import math

        from ..faces.align import align_face, alignment_matrix

        face = track[t]
        m = alignment_matrix(face.landmarks, "dic", ALIGNED_SIZE, face.scheme)
        crop_px = ALIGNED_SIZE / math.sqrt(abs(np.linalg.det(m[:, :2])))
        if crop_px > self.enhancer.max_face:
            return 0  # a large face keeps the bicubic frame, as in the photo pipeline
        s = self.enhancer._model_scale(crop_px)
        lr_size = ALIGNED_SIZE // s
        lo, hi = min(track), max(track)
        window = []
        for j in range(t - k, t + k + 1):
            f = track[min(max(j, lo), hi)]
            src = buf[min(max(j, lo), hi)]
            window.append(align_face(src, f.landmarks, template="dic", size=lr_size, scheme=f.scheme).image)
        restored = self.temporal.restore_windows(np.stack(window)[None], s)[0]
        centre = alignment_matrix(face.landmarks, "dic", lr_size, face.scheme)
        self.enhancer.paste_restored(out, restored, centre, lr_size, scale)
        return 1


def enhance_video(src: str | os.PathLike[str], dst: str | os.PathLike[str], scale: int = 4, *,
                  model: str | Restorer = "bfr-lite", detector: str = "dlib-hog", device: str = "cpu",
                  fidelity: float | None = None, max_megapixels: float | None = None,
                  progress: bool = False, flip: bool = False) -> VideoReport:
    """Python API of ``facesr enhance in.mp4 -o out.mp4``: restore every face of video ``src`` and write the
    mp4 ``dst`` upscaled by ``scale`` (same frames, frame rate and audio). ``model`` as :func:`enhance`'s;
    a multi-frame network (``videofsr:CHECKPOINT``) restores with temporal fusion. ``flip``: a single-image
    network runs as a flip self-ensemble."""
    r = build_restorer(model, scale=scale, device=device, fidelity=fidelity, flip=flip)
    enhancer = Enhancer(r, detector=detector, max_megapixels=max_megapixels)
    return VideoEnhancer(enhancer, progress=progress).run(src, dst, scale)
