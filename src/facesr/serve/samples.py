"""Sample images offered on the enhance page (shipped inside installed packages; no downloads)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _astronaut_photo() -> np.ndarray:
    from ..io import read_image
    from ..ops import imresize
    from ..paths import package_file

    img = read_image(package_file("skimage", "data/astronaut.png", "pip install scikit-image"))
    return imresize(img, size=(192, 192))  # a portrait with a face about 45 px wide


def _astronaut_face() -> np.ndarray:
    from ..samples import astronaut_face

    return astronaut_face(32)


#: name -> (label, loader of a uint8 H x W x 3 image)
SAMPLES: dict[str, tuple[str, Callable[[], np.ndarray]]] = {
    "astronaut-photo": ("astronaut portrait, 192x192 (face about 45 px)", _astronaut_photo),
    "astronaut-face": ("astronaut face, aligned 32x32 crop", _astronaut_face),
}
