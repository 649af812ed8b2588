"""Zoo entries of the general family's GAN leaves beyond SPGAN (survey §4.1.2): HiFaceGAN / PCA-SRGAN and
the real-world (unpaired) GANs LRGAN, CR and RWSR. Metadata only (no torch): the registry imports this
module when it is built.
"""

from __future__ import annotations

from .registry import _add  # noqa: F401  (entries call _add(name, "module:Class", family=..., ...))
