"""``facesr.enhance``: one entry point for images (:func:`facesr.pipeline.enhance.enhance`) and video files
(:func:`facesr.pipeline.video.enhance_video`)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..errors import InputError
from .enhance import enhance as enhance_image
from .video import VideoReport, enhance_video


def enhance(image: np.ndarray | str | os.PathLike[str], scale: int = 4, *,
            output: str | os.PathLike[str] | None = None, **options: Any) -> np.ndarray | VideoReport:
    """Restore and upscale by ``scale`` (1..16) a uint8 ``H x W x 3`` face crop or photo (returns the uint8
    result), or a video file (``.mp4``, ...) into the mp4 ``output`` (same frames, frame rate and audio; returns
    its :class:`~facesr.pipeline.video.VideoReport`). ``options``: ``model``, ``restorer``, ``detector``,
    ``aligned`` (images), ``device``, ``fidelity``, as :func:`facesr.pipeline.enhance.enhance` takes them."""
    if not isinstance(image, str | os.PathLike):
        if output is not None:
            raise InputError("output= is for video files; an image array is returned")
        return enhance_image(image, scale, **options)
    if output is None:
        raise InputError(f"{image}: enhancing a video needs output=PATH.mp4")
    if options.pop("aligned", None):
        raise InputError(f"{image}: aligned= applies to face crops, not to videos")
    restorer = options.pop("restorer", None)
    if restorer is not None:
        options["model"] = restorer
    return enhance_video(image, output, scale, **options)
