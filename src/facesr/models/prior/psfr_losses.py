"""PSFR-GAN's generator losses besides pixel and adversarial (facts from chaofengc/PSFRGAN @ ab853cdc,
``models/loss.py``, ``models/enhance_model.py``):

* semantic-aware style loss: for each VGG-19 layer (conv3_4, conv4_4, conv5_4, before ReLU) and each of the 19
  parsing classes of the HR face, the Gram matrix of the features inside that region (normalised by channels x
  region pixels); MSE between SR and HR Gram matrices, summed over layers;
* feature matching: MSE between the discriminators' features of the SR and the HR face (conditioned on the HR
  parsing), summed over layers, averaged over discriminators: the registry's ``feature_matching`` with
  ``criterion: mse, layers: sum`` on ``d_feats_fake``/``d_feats_real`` (configs/prior/_base_/psfrgan.yaml).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .parsenet import PARSING_CLASSES

STYLE_LAYERS = ("conv3_4", "conv4_4", "conv5_4")


def masked_gram(features: torch.Tensor, masks: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Gram matrices of ``features`` (N x C x H x W) within each of ``masks`` (N x K x H x W, 0/1): N x K x C x C,
    each divided by C x (pixels of the region + ``eps``)."""
    n, c, h, w = features.shape
    f = features.reshape(n, 1, c, h * w) * masks.reshape(n, -1, 1, h * w)
    area = masks.reshape(n, -1, h * w).sum(-1) + eps
    return torch.matmul(f, f.transpose(-1, -2)) / (c * area)[..., None, None]


class SemanticStyleLoss(nn.Module):
    """Semantic-aware style loss (module doc): ``forward(sr, hr, parsing)`` with [0,1] images N x 3 x H x W and
    HR parsing labels N x H x W (class ids). The VGG-19 is the project's frozen ImageNet network."""

    def __init__(self, layers: Sequence[str] = STYLE_LAYERS, classes: int = PARSING_CLASSES,
                 pretrained: bool = True) -> None:
        super().__init__()
        from ...backbones import FeatureExtractor

        self.layers, self.classes = tuple(layers), int(classes)
        self.extractor = FeatureExtractor("vgg19", layers=self.layers, pretrained=pretrained)
        self.extractor.requires_grad_(False)

    def forward(self, sr: torch.Tensor, hr: torch.Tensor, parsing: torch.Tensor) -> torch.Tensor:
        from .psfrgan import _one_hot

        masks = _one_hot(parsing, self.classes, sr.dtype)
        f_sr = self.extractor(sr)
        with torch.no_grad():
            f_hr = self.extractor(hr.detach())
        loss = sr.new_zeros(())
        for k in self.layers:
            m = F.interpolate(masks, size=f_sr[k].shape[-2:], mode="nearest")
            loss = loss + F.mse_loss(masked_gram(f_sr[k], m), masked_gram(f_hr[k], m))
        return loss

