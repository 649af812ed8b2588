"""Zoo entries of the applications (survey §4.8: face video SR, old photos, audio-guided and 3D FSR).
Metadata only (no torch): the registry imports this module when it is built.
"""

from __future__ import annotations

from .registry import _add  # noqa: F401  (entries call _add(name, "module:Class", family=..., ...))

_APP = "facesr.models.application"

# -- face video SR (§4.8.1) ----------------------------------------------------------------------------
_add("videofsr", f"{_APP}.videofsr:VideoFSR", aliases=("video_fsr",), table7=False, display="VideoFSR",
     family="application", section="Face Video Super-Resolution (§4.8.1)", application="video",
     paper="after the survey's [190] (per-frame generator + fusion into the central frame) and [191] (Video "
           "Face Super-Resolution with Motion-Adaptive Feedback Cell, Xin et al.)",
     venue="AAAI 2020 ([191]); the network is this project's", input="lr", scales=(2, 4, 8, 16),
     temporal=True, train_inputs=(), code="none copied; layers ours (no official code was used)",
     notes="from the papers: centre-frame SR from 2k+1 LR frames, one shared per-frame encoder and a fusion "
           "module that estimates the central frame ([190]); the motion between the centre and each neighbour "
           "fed back into the centre's features through learned motion-adaptive weights ([191]'s MAFC idea). "
           "Ours: widths and depths (64 features, 5 encoder + 10 reconstruction residual blocks), flow-style "
           "feature alignment by a small stride-2 net + bilinear warping (zero-initialised: identity warp at "
           "start), the gate form centre + sigmoid(conv[centre, D]) * conv(D), per-pixel temporal attention "
           "before a 1x1 fusion conv, the bicubic global residual, a 4-D input taken as a still clip; trained on "
           "clips synthesised from still faces (smooth similarity motion, per-clip blind degradation: "
           "facesr.data.video_clips)")
