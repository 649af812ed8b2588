"""Facial components: boxes from 68 landmarks, and cropping / pasting them on image or feature maps.

The four components of DFDNet (and JSRFC's composite) in iBUG-68 indices, image sides as the rest of
the project (``l_`` = image left): ``l_eye`` = brow 17-21 + eye 36-41, ``r_eye`` = 22-26 + 42-47,
``nose`` = 29-35, ``mouth`` = 48-67. A box is square, centred on the component's mean point, with half
side ``max(largest extent / 2, 16 / 512 of the face)`` (DFDNet's ``get_part_location``, which uses 16
px at 512). Boxes are ``(x0, y0, x1, y1)`` in continuous image coordinates (pixel ``p`` covers
``[p, p + 1)``, i.e. point ``x`` of the landmark convention is ``x + 0.5`` here).

Cropping and pasting go through ``grid_sample`` with per-face boxes, so a batch of faces with
different boxes is one tensor operation (no Python slicing by tensor values).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .geometry import sample_grid

PARTS: tuple[str, ...] = ("l_eye", "r_eye", "nose", "mouth")
PART_POINTS: dict[str, list[int]] = {
    "l_eye": list(range(17, 22)) + list(range(36, 42)),
    "r_eye": list(range(22, 27)) + list(range(42, 48)),
    "nose": list(range(29, 36)),
    "mouth": list(range(48, 68)),
}
#: DFDNet's fixed component sizes on a 512 px face (dictionary atoms are these / feature stride)
PART_SIZES_512: dict[str, int] = {"l_eye": 80, "r_eye": 80, "nose": 50, "mouth": 110}
MIN_HALF_512 = 16.0


def part_boxes(landmarks: torch.Tensor, size: float) -> torch.Tensor:
    """Boxes ``N x 4 x 4`` (one per part of :data:`PARTS`) of faces with iBUG-68 ``landmarks``
    (``N x 68 x 2`` pixels) of side ``size``."""
    boxes = []
    landmarks = landmarks.float()
    for part in PARTS:
        pts = landmarks[:, PART_POINTS[part]] + 0.5
        centre = pts.mean(1)
        extent = (pts.amax(1) - pts.amin(1)).amax(-1)
        half = torch.clamp(extent / 2, min=MIN_HALF_512 * size / 512.0)
        boxes.append(torch.cat([centre - half[:, None], centre + half[:, None]], dim=-1))
    return torch.stack(boxes, dim=1)


def crop(maps: torch.Tensor, boxes: torch.Tensor, out: int, face_size: float) -> torch.Tensor:
    """The ``out x out`` patch of each box (``N x 4`` in face pixels) from ``maps`` (N x C x h x w of a
    face of side ``face_size``), bilinear."""
    return sample_grid(maps, box_points(boxes * (maps.shape[-1] / face_size), out), padding="border")


def paste(patches: torch.Tensor, boxes: torch.Tensor, h: int, w: int, face_size: float) -> tuple[torch.Tensor,
                                                                                                   torch.Tensor]:
    """``patches`` (N x C x p x p) resampled into their boxes on an ``h x w`` map of a face of side
    ``face_size``: (map N x C x h x w, zero outside the boxes; mask N x 1 x h x w, 1 inside). A box is
    widened to at least 1.5 map pixels about its centre, so that it holds at least one pixel of a coarse map."""
    b = boxes.float() * (w / face_size)
    centre, half = (b[:, :2] + b[:, 2:]) / 2, ((b[:, 2:] - b[:, :2]) / 2).clamp(min=0.75)
    b = torch.cat([centre - half, centre + half], dim=1)
    xs = torch.arange(w, device=b.device, dtype=b.dtype) + 0.5
    ys = torch.arange(h, device=b.device, dtype=b.dtype) + 0.5
    u = (xs[None] - b[:, None, 0]) / (b[:, None, 2] - b[:, None, 0])      # N x w, 0..1 inside
    v = (ys[None] - b[:, None, 1]) / (b[:, None, 3] - b[:, None, 1])      # N x h
    grid = torch.stack([(u * 2 - 1)[:, None, :].expand(-1, h, -1), (v * 2 - 1)[:, :, None].expand(-1, -1, w)], -1)
    out = F.grid_sample(patches.float(), grid, mode="bilinear", padding_mode="border", align_corners=False)
    inside = ((u >= 0) & (u < 1))[:, None, :] & ((v >= 0) & (v < 1))[:, :, None]
    mask = inside.unsqueeze(1).float()
    return (out * mask).to(patches.dtype), mask.to(patches.dtype)


def box_points(boxes: torch.Tensor, out: int) -> torch.Tensor:
    """Pixel positions (landmark convention) of an ``out x out`` sampling of each box (N x 4) -> N x out x out x 2."""
    boxes = boxes.float()
    t = (torch.arange(out, device=boxes.device, dtype=boxes.dtype) + 0.5) / out
    x = boxes[:, None, 0] + t[None] * (boxes[:, None, 2] - boxes[:, None, 0]) - 0.5
    y = boxes[:, None, 1] + t[None] * (boxes[:, None, 3] - boxes[:, None, 1]) - 0.5
    return torch.stack([x[:, None, :].expand(-1, out, -1), y[:, :, None].expand(-1, -1, out)], dim=-1)
