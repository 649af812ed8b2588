"""Face detection + landmarks behind one interface, chosen by name (imported lazily).

=============  ======================================================  ==============
name           what                                                    landmarks
=============  ======================================================  ==============
dlib-hog       dlib HOG + linear SVM detector, dlib shape predictor     68 (or 5)
dlib-cnn       dlib MMOD CNN detector (slow on CPU), shape predictor    68 (or 5)
dlib-hog-cnn   HOG first, the CNN only where HOG finds no face          68 (or 5)
mediapipe      MediaPipe face detection + face mesh with irises        478
=============  ======================================================  ==============

``create_backend(name)`` returns an object with ``detect(image) -> list[Face]`` (best first).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..registry import Registry
from . import dlib_models
from .mediapipe_mesh import MEDIAPIPE_PIP


@dataclass
class Face:
    """One detected face: ``box`` ``(left, top, right, bottom)`` pixels, detector ``score``,
    ``landmarks`` ``float64 (n, 2)`` ``(x, y)`` in the ``scheme`` order (or ``None``)."""

    box: tuple[float, float, float, float]
    score: float
    landmarks: np.ndarray | None = None
    scheme: str | None = None


class FaceBackend:
    """Base class: ``name``, ``scheme`` (landmark scheme) and ``detect``."""

    name = "base"
    scheme: str | None = None

    def detect(self, image: np.ndarray, landmarks: bool = True) -> list[Face]:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:
        """Release native resources (no-op unless the backend holds any)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class DlibBackend(FaceBackend):
    """dlib detector (``hog``, ``cnn`` or ``hog-cnn``: CNN where HOG finds nothing) and shape
    predictor (``n_points`` 68 or 5).

    ``upsample``: times the image is doubled before detection (finds faces down to about 40 px at 1,
    80 px at 0 for HOG). ``threshold``: HOG score threshold (dlib's ``adjust_threshold``; below 0
    finds more faces and more false ones).
    """

    def __init__(self, detector: str = "hog", n_points: int = 68, upsample: int = 1, threshold: float = 0.0):
        if detector not in ("hog", "cnn", "hog-cnn"):
            raise InputError(f"dlib detector must be hog, cnn or hog-cnn, got {detector!r}")
        if n_points not in (68, 5):
            raise InputError(f"dlib landmark models have 68 or 5 points, not {n_points}")
        self.detector = detector
        self.n_points = n_points
        self.upsample = int(upsample)
        self.threshold = float(threshold)
        self.name = f"dlib-{detector}"
        self.scheme = "ibug68" if n_points == 68 else "dlib5"

    def detect(self, image: np.ndarray, landmarks: bool = True) -> list[Face]:
        img = dlib_models.check_image(image)
        found = []
        if self.detector in ("hog", "hog-cnn"):
            found = dlib_models.detect_hog(img, self.upsample, self.threshold)
        if self.detector == "cnn" or (self.detector == "hog-cnn" and not found):
            found = dlib_models.detect_cnn(img, self.upsample)
        faces = []
        for box, score in found:
            lm = dlib_models.landmarks(img, box, self.n_points) if landmarks else None
            faces.append(Face(tuple(float(v) for v in box), score, lm, self.scheme if landmarks else None))
        return faces


class MediaPipeBackend(FaceBackend):
    """MediaPipe 0.10.21 legacy solutions: face detection (boxes, scores) and the 478-point mesh.

    ``model``: 0 short-range detector (faces within ~2 m), 1 full-range. ``max_faces``: mesh limit.
    The mesh runs its own detector; each mesh is attached to the detection it overlaps most (a
    mesh without detection is kept with score 0).
    """

    name = "mediapipe"
    scheme = "mediapipe478"

    def __init__(self, model: int = 0, min_confidence: float = 0.5, max_faces: int = 4):
        self.model = model
        self.min_confidence = min_confidence
        self.max_faces = max_faces
        self._det = None
        self._mesh = None

    def _load(self) -> None:
        if self._det is not None:
            return
        from ..errors import MissingDependencyError

        try:
            from mediapipe.python.solutions import face_detection, face_mesh
        except ImportError as exc:
            msg = f"mediapipe 0.10.21 is not usable ({exc}); run: {MEDIAPIPE_PIP}"
            raise MissingDependencyError(msg) from None
        self._det = face_detection.FaceDetection(model_selection=self.model,
                                                 min_detection_confidence=self.min_confidence)
        self._mesh = face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=True,
                                        max_num_faces=self.max_faces,
                                        min_detection_confidence=self.min_confidence)

    def close(self) -> None:
        for obj in (self._det, self._mesh):
            if obj is not None:
                obj.close()
        self._det = self._mesh = None

    def detect(self, image: np.ndarray, landmarks: bool = True) -> list[Face]:
        img = dlib_models.check_image(image)
        self._load()
        h, w = img.shape[:2]
        faces = []
        res = self._det.process(img)
        for d in res.detections or []:
            b = d.location_data.relative_bounding_box
            box = (b.xmin * w, b.ymin * h, (b.xmin + b.width) * w - 1, (b.ymin + b.height) * h - 1)
            faces.append(Face(box, float(d.score[0]) if d.score else 0.0))
        if landmarks:
            meshes = self._mesh.process(img).multi_face_landmarks or []
            for m in meshes:
                # mediapipe's normalised coordinates put pixel edges at 0 and 1
                pts = np.array([(p.x * w - 0.5, p.y * h - 0.5) for p in m.landmark], dtype=np.float64)
                mbox = (pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max())
                best = max(faces, key=lambda f: _iou(f.box, mbox), default=None)
                if best is not None and best.landmarks is None and _iou(best.box, mbox) > 0.3:
                    best.landmarks, best.scheme = pts, self.scheme
                else:
                    faces.append(Face(mbox, 0.0, pts, self.scheme))
        return sorted(faces, key=lambda f: -f.score)


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


FACE_BACKENDS: Registry[type] = Registry("face backend")
FACE_BACKENDS.add("dlib-hog", "facesr.faces.backends:DlibBackend", aliases=("dlib",), detector="hog",
                  scheme="ibug68", requires=dlib_models.PIP_LINE,
                  description="dlib HOG detector + 68-point shape predictor (fast on CPU)")
FACE_BACKENDS.add("dlib-cnn", "facesr.faces.backends:DlibBackend", detector="cnn", scheme="ibug68",
                  requires=dlib_models.PIP_LINE,
                  description="dlib MMOD CNN detector + 68-point shape predictor (robust, slow on CPU)")
FACE_BACKENDS.add("dlib-hog-cnn", "facesr.faces.backends:DlibBackend", detector="hog-cnn", scheme="ibug68",
                  requires=dlib_models.PIP_LINE,
                  description="dlib HOG, then the CNN detector where HOG finds no face; 68 points")
FACE_BACKENDS.add("mediapipe", "facesr.faces.backends:MediaPipeBackend", scheme="mediapipe478",
                  requires=MEDIAPIPE_PIP, description="MediaPipe face detection + 478-point face mesh")


def create_backend(name: str, **options) -> FaceBackend:
    """A face backend by name (``dlib-hog``, ``dlib-cnn``, ``mediapipe``); options go to its class."""
    entry = FACE_BACKENDS.entry(name)
    cls = entry.load()
    if entry.meta.get("detector"):
        options.setdefault("detector", entry.meta["detector"])
    return cls(**options)
