"""Pretrained feature extractors in plain torch (VGG16, VGG19, AlexNet, FID Inception), loaded offline.

Weights come from registry packages that physically ship them, located by path without importing
those packages (:mod:`facesr.backbones.sources`), converted once and cached as safetensors under
``$FACESR_CACHE/weights`` (:mod:`facesr.backbones.cache`). Used by the LPIPS/DISTS/FID metrics and
by perceptual losses: ``FeatureExtractor("vgg19", layers=("relu5_4",))``.
"""

from .extractor import ARCHS, FeatureExtractor, InputNorm, backbone_features, layer_names

__all__ = ["ARCHS", "FeatureExtractor", "InputNorm", "backbone_features", "layer_names"]
