"""Face detection, landmarks and alignment (dlib and MediaPipe backends, chosen by name).

Importing this package loads neither dlib nor mediapipe; they are imported on first use.
"""

from .align import AlignedFace, align_face, alignment_matrix, paste_back, similarity_transform
from .backends import FACE_BACKENDS, Face, FaceBackend, create_backend
from .schemes import flip_landmarks

__all__ = [
    "FACE_BACKENDS",
    "AlignedFace",
    "Face",
    "FaceBackend",
    "align_face",
    "alignment_matrix",
    "create_backend",
    "flip_landmarks",
    "paste_back",
    "similarity_transform",
]
