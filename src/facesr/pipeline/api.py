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
    ``aligned`` (images), ``device``, ``fidelity``, ``flip`` (flip self-ensemble of a single-image network),
    as :func:`facesr.pipeline.enhance.enhance` takes them;
    ``reference`` (images): a folder of photos of the same person, used by the bundled reference model
    ``ref-lite`` (default; any scale: faces at most 16 px wide restored with the references, larger ones by
    ``bfr-lite``) or a reference-family ``model`` (``NAME:WEIGHTS``;
    :func:`facesr.pipeline.reference.enhance_with_reference`)."""
    from .reference import check_single_image_model

    reference = options.pop("reference", None)
    if reference is None:
        check_single_image_model(options.get("model", options.get("restorer")))
    elif options.pop("flip", False):
        raise InputError("flip= (the flip self-ensemble) is for single-image models, not with reference=")
    if not isinstance(image, str | os.PathLike):
        if output is not None:
            raise InputError("output= is for video files; an image array is returned")
        if reference is not None:
            from .reference import enhance_with_reference

            if options.pop("restorer", None) is not None:
                raise InputError("reference= runs a reference-family model=NAME:WEIGHTS, not a restorer=")
            return enhance_with_reference(image, scale, reference, **options)[0]
        return enhance_image(image, scale, **options)
    if reference is not None:
        raise InputError(f"{image}: reference= applies to photos and face crops, not to videos")
    if output is None:
        raise InputError(f"{image}: enhancing a video needs output=PATH.mp4")
    if options.pop("aligned", None):
        raise InputError(f"{image}: aligned= applies to face crops, not to videos")
    restorer = options.pop("restorer", None)
    if restorer is not None:
        options["model"] = restorer
    return enhance_video(image, output, scale, **options)
