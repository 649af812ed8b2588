"""Scoring multi-frame face SR on clips made from still faces (the face-video track, survey §4.8.1).

Each HR face becomes a clip of ``frames + 2`` frames (:func:`facesr.data.video_clips.make_clip`, fixed seed
per face), so that three consecutive centre frames ``c - 1, c, c + 1`` each have a full window of ``frames``
LR frames. Scores:

* the protocol's metrics (PSNR, SSIM, LPIPS, ...) of the SR frame ``c`` (the still, aligned face) against
  the HR face;
* ``flicker``: temporal inconsistency, the mean absolute difference between the SR and the HR frame-to-frame
  changes, ``|(SR_{t+1} - SR_t) - (HR_{t+1} - HR_t)|`` over ``t = c - 1, c`` (0..255 grey levels, RGB, no
  crop; lower is better; 0 for an output that changes exactly as the true frames do).

The bicubic row upsamples each LR frame with the protocol's bicubic kernel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

FLICKER = "flicker"


class ClipSet:
    """Fixed evaluation clips: ``hr`` float32 ``N x 3 x 3 x H x W`` (frames ``c-1, c, c+1``) and ``lr`` float32
    ``N x (frames + 2) x 3 x h x w``, made from ``uint8 N x H x W x 3`` faces with seed ``seed`` + face index."""

    def __init__(self, faces: np.ndarray, *, frames: int, scale: int, degradation: str = "blind",
                 kernel: str = "matlab", seed: int = 0, motion=None) -> None:
        from ..data.video_clips import Motion, frames_tensor, make_clip
        from ..degradation import build_degradation

        deg = build_degradation(degradation, float(scale), kernel=kernel)
        n = frames + 2
        hr, lr = [], []
        for i, face in enumerate(faces):
            rng = np.random.default_rng(np.random.SeedSequence([int(seed), i]))
            hr_frames, lr_frames, _ = make_clip(face, n, deg, rng, motion or Motion(), centre=n // 2)
            hr.append(frames_tensor(hr_frames[n // 2 - 1 : n // 2 + 2]))
            lr.append(frames_tensor(lr_frames))
        self.hr, self.lr = torch.stack(hr), torch.stack(lr)
        self.frames, self.scale = frames, scale

    def __len__(self) -> int:
        return self.hr.shape[0]

    def windows(self) -> list[torch.Tensor]:
        """The three ``N x frames x 3 x h x w`` windows centred on frames ``c - 1``, ``c`` and ``c + 1``."""
        return [self.lr[:, j : j + self.frames] for j in range(3)]


def flicker(sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
    """Per-clip flicker (module doc) of ``N x K x 3 x H x W`` consecutive SR and HR frames in ``[0,1]``."""
    d_sr, d_hr = sr[:, 1:] - sr[:, :-1], hr[:, 1:] - hr[:, :-1]
    return (d_sr - d_hr).abs().flatten(1).mean(1) * 255.0


def score_clips(restore: Callable[[torch.Tensor], torch.Tensor], clips: ClipSet, metrics: Sequence) -> np.ndarray:
    """``(N, len(metrics) + 1)`` per-clip scores: each metric on the centre frame, then ``flicker``.
    ``restore``: ``N x frames x 3 x h x w`` LR windows -> ``N x 3 x H x W`` SR frames in ``[0,1]``."""
    sr = torch.stack([restore(w).float().clamp(0, 1).cpu() for w in clips.windows()], dim=1)
    centre = sr[:, 1]
    cols = [m(centre, clips.hr[:, 1]).double().cpu() for m in metrics]
    cols.append(flicker(sr, clips.hr).double())
    return torch.stack(cols, dim=1).numpy()


def bicubic_restore(protocol, scale: int) -> Callable[[torch.Tensor], torch.Tensor]:
    """The protocol's bicubic upsampling of each window's centre frame, as a ``restore`` of :func:`score_clips`."""
    from ..io import tensor_to_uint8, uint8_to_tensor

    def restore(window: torch.Tensor) -> torch.Tensor:
        centre = tensor_to_uint8(window[:, window.shape[1] // 2])
        return uint8_to_tensor(list(protocol.upsample(centre, scale)))

    return restore
