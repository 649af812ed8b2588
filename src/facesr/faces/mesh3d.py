"""Dense 3-D face meshes from MediaPipe's face landmarker (the legacy ``face_mesh`` solution of mediapipe 0.10.21,
478 points with the irises), for 3-D face point clouds (survey §4.8.4).

MediaPipe gives each point ``x``, ``y`` normalised by the image width and height and a relative depth ``z`` on
about the scale of ``x`` (smaller = nearer the camera, origin near the head's centre). :func:`face_mesh_3d`
returns them in pixels: ``(x w - 0.5, y h - 0.5, z w)``. mediapipe is imported on first use; a missing package is
a :class:`MissingDependencyError` with the install line (``reference/offline_weights.md``: only 0.10.21 ships the
models).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import MissingDependencyError
from .mediapipe_mesh import MEDIAPIPE_PIP

#: points of the refined mesh (468 + 10 iris points)
MESH_POINTS = 478


def face_mesh_3d(images: Sequence[np.ndarray], min_confidence: float = 0.5) -> list[np.ndarray | None]:
    """``478 x 3`` float64 points (pixels; module doc) of the most prominent face of each ``uint8 H x W x 3`` RGB
    image, or ``None`` where MediaPipe finds no face."""
    try:
        from mediapipe.python.solutions import face_mesh
    except ImportError as exc:
        raise MissingDependencyError(f"mediapipe 0.10.21 is not usable ({exc}); run: {MEDIAPIPE_PIP}") from None
    out: list[np.ndarray | None] = []
    with face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=True, max_num_faces=1,
                            min_detection_confidence=min_confidence) as mesh:
        for img in images:
            img = np.ascontiguousarray(img, dtype=np.uint8)
            h, w = img.shape[:2]
            found = mesh.process(img).multi_face_landmarks
            if not found:
                out.append(None)
                continue
            pts = np.array([(p.x * w - 0.5, p.y * h - 0.5, p.z * w) for p in found[0].landmark], dtype=np.float64)
            out.append(pts if len(pts) == MESH_POINTS else None)
    return out
