"""Loss functions of the survey (§2.2.2 and §4): pixel, SSIM, perceptual, style, adversarial, cycle,
prior, attribute, identity, contrastive and AFVL, each a small module naming its equation, plus a
registry (:data:`LOSSES`) and a weighted sum declared as data (:class:`WeightedLoss`).

Importing this package does not import torch; modules load on first use.
"""

from __future__ import annotations

from typing import Any

from .registry import LOSSES

_LAZY = {
    "L1Loss": "pixel", "MSELoss": "pixel", "HuberLoss": "pixel", "CharbonnierLoss": "pixel",
    "PSNRLoss": "pixel",
    "WaveletLoss": "wavelet",
    "SSIMLoss": "ssim", "MSSSIMLoss": "ssim",
    "PerceptualLoss": "perceptual", "StyleLoss": "perceptual", "FeatureMatchingLoss": "perceptual",
    "gram_matrix": "perceptual",
    "GANLoss": "adversarial", "gradient_penalty": "adversarial", "SupervisedPixelGANLoss": "adversarial",
    "spgan_maps": "adversarial", "GAN_MODES": "adversarial",
    "CycleLoss": "structure", "PriorLoss": "structure", "AttributeLoss": "structure",
    "AttributeDiscriminatorLoss": "structure", "mismatched_attributes": "structure",
    "LandmarkHeatmapLoss": "landmark", "ParsingMapLoss": "landmark", "FANHeatmapLoss": "landmark",
    "render_heatmaps": "landmark",
    "IdentityLoss": "identity", "AttentionIdentityLoss": "identity", "ASoftmaxLoss": "identity",
    "ContrastiveLoss": "identity", "AFVLoss": "identity", "identity_distance": "identity",
    "afvl_cross_targets": "identity", "PyramidLoss": "multiscale", "EdgeLoss": "multiscale",
    "laplacian": "multiscale",
    "WeightedLoss": "weighted", "Context": "weighted", "build_loss": "weighted",
}

__all__ = ["LOSSES", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
