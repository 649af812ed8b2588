"""Real old face photos (survey §4.8.2): the 29 aligned low-quality face crops of the Solvay 1927 photograph
(``realworld/old_photos/solvay_lq_faces_512`` under the data root, 512 x 512 JPEG, from PSFR-GAN's test data).

BOPBL trains its first VAE on these beside synthetically degraded faces, so that real and synthetic old faces
share one latent space. They have no clean counterpart: they are inputs only, never pairs.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import InputError
from ..paths import DATA_ENV, data_root

#: the folder of the crops, relative to the data root
SOLVAY_FACES = "realworld/old_photos/solvay_lq_faces_512"


def real_old_faces(root: str | os.PathLike[str] | None = None, size: int = 128,
                   folder: str = SOLVAY_FACES) -> np.ndarray:
    """Every image of ``folder`` (relative to the data root ``root``, or absolute) as ``uint8 N x size x size x 3``
    RGB, MATLAB-bicubic resized (greyscale crops become three equal channels). A missing or empty folder is an
    :class:`InputError` naming the path and the data-root variable."""
    from ..ops import imresize
    from .folders import ImageFolder

    path = data_root(root) / folder
    if not path.is_dir():
        raise InputError(f"{path}: folder of real old faces not found (set {DATA_ENV} to the data root)")
    crops = ImageFolder(path, recursive=False)
    faces = []
    for i in range(len(crops)):
        img = crops.image(i)
        if img.shape[:2] != (size, size):
            img = imresize(img, size=(size, size))
        faces.append(img)
    return np.stack(faces)
