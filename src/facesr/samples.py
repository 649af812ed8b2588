"""Real faces that ship inside registry packages, for demos and smoke tests (no downloads)."""

from __future__ import annotations

import numpy as np

from .paths import package_file

#: Face box (left, top, right, bottom) in scikit-image's 512x512 public-domain astronaut portrait
#: (Eileen Collins, NASA), framed like the FSRNet/DIC 128x128 CelebA crops.
ASTRONAUT_FACE_BOX = (172, 52, 292, 172)


def astronaut_face(size: int = 128) -> np.ndarray:
    """The astronaut portrait's face, cropped and MATLAB-bicubic resized: uint8 ``size x size x 3``."""
    from .io import read_image
    from .ops import imresize

    path = package_file("skimage", "data/astronaut.png", "pip install scikit-image")
    img = read_image(path)
    left, top, right, bottom = ASTRONAUT_FACE_BOX
    crop = img[top:bottom, left:right]
    return imresize(crop, size=(size, size), kernel="matlab")
