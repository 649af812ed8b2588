"""Faces tracked across video frames: per-frame detections linked by box overlap (IoU), gaps filled and
landmarks smoothed over time, so that each face is aligned steadily from frame to frame.

:func:`track_faces` links detections greedily (highest IoU first) to the tracks alive in the previous
``max_gap`` frames; :func:`track_frames` turns a track into one :class:`~facesr.faces.backends.Face` per frame of
its span: landmarks (and box) linearly interpolated over missed frames, then averaged over a window of
``2 * smooth + 1`` frames (a moving average within the span), which removes the detector's frame-to-frame
jitter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..faces.backends import Face


def box_iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over union of two ``(left, top, right, bottom)`` boxes (0 when disjoint or empty)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


@dataclass
class Track:
    """One face across frames: ``detections`` ``{frame index: Face}`` (frames where it was detected)."""

    id: int
    detections: dict[int, Face] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return min(self.detections)

    @property
    def last(self) -> int:
        return max(self.detections)

    def last_box(self) -> tuple[float, float, float, float]:
        return self.detections[self.last].box


def track_faces(detections: list[list[Face]], *, iou: float = 0.3, max_gap: int = 5, min_hits: int = 2
                ) -> list[Track]:
    """Link per-frame ``detections`` (frame ``t``: its faces with landmarks) into tracks: each face joins the
    unmatched track of highest IoU >= ``iou`` whose last detection is at most ``max_gap`` frames back, or
    starts a new track. Tracks with fewer than ``min_hits`` detections (spurious detections) are dropped
    unless the video has fewer frames than ``min_hits``. Returns tracks ordered by their first frame."""
    tracks: list[Track] = []
    for t, faces in enumerate(detections):
        alive = [tr for tr in tracks if t - tr.last <= max_gap]
        pairs = sorted(((box_iou(tr.last_box(), f.box), ti, fi) for ti, tr in enumerate(alive)
                        for fi, f in enumerate(faces)), reverse=True)
        used_t, used_f = set(), set()
        for score, ti, fi in pairs:
            if score < iou or ti in used_t or fi in used_f:
                continue
            alive[ti].detections[t] = faces[fi]
            used_t.add(ti)
            used_f.add(fi)
        for fi, f in enumerate(faces):
            if fi not in used_f:
                tracks.append(Track(len(tracks), {t: f}))
    need = min(min_hits, len(detections))
    kept = [tr for tr in tracks if len(tr.detections) >= need]
    return [Track(i, tr.detections) for i, tr in enumerate(kept)]


def track_frames(track: Track, smooth: int = 2) -> dict[int, Face]:
    """One face per frame of ``track``'s span (module doc): interpolated over missed frames, landmarks and box
    averaged over ``2 * smooth + 1`` frames. The landmarks' scheme is the first detection's."""
    known = sorted(track.detections)
    span = np.arange(known[0], known[-1] + 1)
    first = track.detections[known[0]]
    pts = np.stack([track.detections[t].landmarks for t in known]).astype(np.float64)  # K x P x 2
    boxes = np.array([track.detections[t].box for t in known], dtype=np.float64)  # K x 4
    flat = np.concatenate([pts.reshape(len(known), -1), boxes], axis=1)
    filled = np.stack([np.interp(span, known, flat[:, j]) for j in range(flat.shape[1])], axis=1)
    if smooth > 0 and len(span) > 1:
        kernel = np.ones(2 * smooth + 1)
        padded = np.pad(filled, ((smooth, smooth), (0, 0)), mode="edge")
        filled = np.stack([np.convolve(padded[:, j], kernel, mode="valid") / kernel.sum()
                           for j in range(filled.shape[1])], axis=1)
    n_pts = pts.shape[1] * 2
    out = {}
    for i, t in enumerate(span):
        det = track.detections.get(int(t))
        out[int(t)] = Face(box=tuple(float(v) for v in filled[i, n_pts:]),
                           score=float(det.score) if det is not None else 0.0,
                           landmarks=filled[i, :n_pts].reshape(-1, 2), scheme=first.scheme)
    return out
