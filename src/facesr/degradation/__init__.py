"""Degradation models of the survey (Eq. 1, 4, 5): blur, downsampling, noise, JPEG; presets; seeds."""

from .kernels import gaussian_kernel, motion_kernel
from .pipeline import PRESETS, Degradation, build_degradation, image_seed, sample_seed

__all__ = [
    "PRESETS",
    "Degradation",
    "build_degradation",
    "gaussian_kernel",
    "image_seed",
    "motion_kernel",
    "sample_seed",
]
