"""GFP-GAN (Wang et al., "Towards Real-World Blind Face Restoration with Generative Facial Prior", CVPR
2021), the clean architecture of ``TencentARC/GFPGAN @ 7552a779: gfpgan/archs/gfpganv1_clean_arch.py``
(``GFPGANv1Clean``) with the settings of its v1.3/v1.4 models (``different_w``, ``input_is_latent``,
``sft_half``).

* Degradation removal: a U-Net at half the prior's widths (1x1 conv, residual blocks with bilinear
  down-sampling to 4x4, 3x3 conv, residual blocks with bilinear up-sampling and the encoder's features added
  at each size); its 4x4 features give, through one linear layer, a separate ``w`` for every layer of the
  prior (``different_w``, used as ``w`` directly: ``input_is_latent``); each up-sampling level also gives an
  RGB image (``rgb_8`` ... ``rgb_S``, the pyramid loss's outputs) and the scale and shift of a spatial
  feature transform.
* The prior (:class:`~.stylegan2.StyleGAN2Generator`, plain noise) generates the face, each level's features
  after its first convolution modulated by channel-split SFT: half the channels pass, the other half is
  ``x * scale + shift`` (``sft_half``).
* :class:`FacialComponentDiscriminator`: GFP-GAN's VGG-style patch discriminator of one facial component
  (left eye, right eye, mouth), fed the component's box of a face cropped by its 68 landmarks
  (:func:`facesr.models.reference.components.part_boxes`) and resampled to the paper's 80 / 120 px at 512
  (20 / 30 px at 128); :meth:`FacialComponentDiscriminator.features` gives the two feature maps of the
  component style loss.

Faces are ``[0,1] float NCHW RGB`` in and out (``[-1, 1]`` inside, as the paper's networks).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError, InputError
from ..prior.parsenet import FixedSizeNet
from .layers import ConvLayer
from .prior import EmbedsPrior
from .stylegan2 import StyleGAN2Generator, channel_table, log2_size


class ResampleBlock(nn.Module):
    """GFP-GAN's residual block: conv 3x3, bilinear x0.5 (``down``) or x2, conv 3x3 (leaky ReLUs), plus a
    bilinearly resampled 1x1 skip without bias."""

    def __init__(self, in_channels: int, out_channels: int, down: bool) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, in_channels, 3, 1, 1)
        self.conv2 = nn.Conv2d(in_channels, out_channels, 3, 1, 1)
        self.skip = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        self.factor = 0.5 if down else 2.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.leaky_relu(self.conv1(x), 0.2)
        out = F.interpolate(out, scale_factor=self.factor, mode="bilinear", align_corners=False)
        out = F.leaky_relu(self.conv2(out), 0.2)
        x = F.interpolate(x, scale_factor=self.factor, mode="bilinear", align_corners=False)
        return out + self.skip(x)


def _sft_branch(channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(channels, channels, 3, 1, 1), nn.LeakyReLU(0.2, True),
                         nn.Conv2d(channels, out_channels, 3, 1, 1))


class GFPGAN(EmbedsPrior, FixedSizeNet):
    """Degraded face ``N x 3 x S x S`` in ``[0,1]`` (the LR face bicubic-upsampled to ``size``) -> restored
    face, same size; ``aux=True`` returns ``{"sr", "rgb_8", ..., "rgb_S"}`` (the U-Net's RGB outputs in
    ``[0,1]``, for the pyramid loss). ``style_dim``, ``n_mlp``, ``channel_multiplier``, ``narrow``: the
    prior's options (a prior trained with the same ones loads into it: :meth:`load_prior`); the U-Net has
    half its widths. ``different_w``: one ``w`` per prior layer (else one for all); ``input_is_latent``: the
    code is ``w`` (else it goes through the prior's mapping network); ``sft_half``: channel-split SFT."""

    upsamples = False
    prior_attr = "decoder"

    def __init__(self, scale: int = 8, size: int = 128, style_dim: int = 512, n_mlp: int = 8,
                 channel_multiplier: float = 1, narrow: float = 1.0, different_w: bool = True,
                 input_is_latent: bool = True, sft_half: bool = True) -> None:
        super().__init__(scale)
        self.size = self.size_multiple = self.min_size = int(size)
        self.log_size = log_size = log2_size(size)
        self.different_w, self.input_is_latent, self.sft_half = different_w, input_is_latent, sft_half
        ch = channel_table(channel_multiplier, narrow * 0.5)
        self.first = nn.Conv2d(3, ch[size], 1)
        self.down = nn.ModuleList([ResampleBlock(ch[2**i], ch[2 ** (i - 1)], down=True)
                                   for i in range(log_size, 2, -1)])
        self.final_conv = nn.Conv2d(ch[4], ch[4], 3, 1, 1)
        levels = [2**i for i in range(3, log_size + 1)]
        self.up = nn.ModuleList([ResampleBlock(ch[r // 2], ch[r], down=False) for r in levels])
        self.to_rgb = nn.ModuleList([nn.Conv2d(ch[r], 3, 1) for r in levels])
        self.decoder = StyleGAN2Generator(scale, size, style_dim, n_mlp, channel_multiplier, narrow, lr_mlp=0.01)
        n_codes = self.decoder.num_ws if different_w else 1
        self.final_linear = nn.Linear(ch[4] * 16, n_codes * style_dim)
        dec = self.decoder.channels
        sft_out = [ch[r] if sft_half else 2 * ch[r] for r in levels]
        for r, o in zip(levels, sft_out):
            if o != (dec[r] // 2 if sft_half else dec[r]):
                raise ConfigError(f"GFPGAN: SFT maps of {o} channels at {r} px cannot modulate the prior's {dec[r]} "
                                  "(narrow gives the U-Net half the prior's widths)")
        self.condition_scale = nn.ModuleList([_sft_branch(ch[r], o) for r, o in zip(levels, sft_out)])
        self.condition_shift = nn.ModuleList([_sft_branch(ch[r], o) for r, o in zip(levels, sft_out)])
        self.aux_outputs = tuple(f"rgb_{r}" for r in levels)

    def forward(self, x: torch.Tensor, aux: bool = False) -> torch.Tensor | dict[str, torch.Tensor]:
        self.check_input(x)
        feat = F.leaky_relu(self.first(x * 2.0 - 1.0), 0.2)
        skips = []
        for block in self.down:
            feat = block(feat)
            skips.insert(0, feat)
        feat = F.leaky_relu(self.final_conv(feat), 0.2)
        code = self.final_linear(feat.flatten(1))
        dec = self.decoder
        if self.different_w:
            code = code.reshape(code.shape[0], dec.num_ws, dec.style_dim)
            ws = code if self.input_is_latent else dec.mapping(code.flatten(0, 1)).reshape(code.shape)
        else:
            w = code if self.input_is_latent else dec.mapping(code)
            ws = w[:, None].expand(-1, dec.num_ws, -1)
        sft, rgbs = [], {}
        for i, (skip, up) in enumerate(zip(skips, self.up)):
            feat = up(feat + skip)
            sft.append((self.condition_scale[i](feat), self.condition_shift[i](feat)))
            if aux:
                rgbs[self.aux_outputs[i]] = (self.to_rgb[i](feat) + 1.0) / 2.0
        sr = (dec.synthesis(ws, sft=sft, sft_half=self.sft_half) + 1.0) / 2.0
        return {"sr": sr, **rgbs} if aux else sr


#: GFP-GAN's component crop sides at 512 px (``get_roi_regions``: eyes 80, mouth 120)
COMPONENT_SIZES_512 = {"l_eye": 80, "r_eye": 80, "mouth": 120}


class FacialComponentDiscriminator(nn.Module):
    """One facial component's discriminator: the component (``l_eye``, ``r_eye`` or ``mouth``) of each face
    is cropped by its landmarks (``conditions``: the batch's ``landmarks``, ``N x 68 x 2`` pixels) and
    resampled to ``COMPONENT_SIZES_512 * face_size / 512`` px, then GFP-GAN's VGG-style network (3x3 convs
    64-128-128-256-256, two blurred stride-2, biased leaky ReLUs, a 3x3 conv to one channel) scores it:
    ``N x 1 x h x w`` logits."""

    conditions = ("landmarks",)

    def __init__(self, scale: int = 8, component: str = "l_eye", face_size: int = 128, width: int = 64) -> None:
        super().__init__()
        if component not in COMPONENT_SIZES_512:
            raise ConfigError(f"unknown facial component {component!r} (known: {', '.join(COMPONENT_SIZES_512)})")
        self.component, self.face_size = component, int(face_size)
        self.crop_size = max(8, round(COMPONENT_SIZES_512[component] * face_size / 512))
        w = width
        self.conv1 = ConvLayer(3, w, 3)
        self.conv2 = ConvLayer(w, 2 * w, 3, downsample=True)
        self.conv3 = ConvLayer(2 * w, 2 * w, 3)
        self.conv4 = ConvLayer(2 * w, 4 * w, 3, downsample=True)
        self.conv5 = ConvLayer(4 * w, 4 * w, 3)
        self.final_conv = ConvLayer(4 * w, 1, 3, activate=False)

    def crop(self, faces: torch.Tensor, landmarks: torch.Tensor) -> torch.Tensor:
        """The component of each face (``N x 3 x S x S``, ``S = face_size``) as ``N x 3 x c x c``."""
        from ..reference.components import PARTS, crop, part_boxes

        if faces.shape[-1] != self.face_size or landmarks.dim() != 3 or landmarks.shape[1:] != (68, 2):
            raise InputError(f"FacialComponentDiscriminator expects {self.face_size} px faces and N x 68 x 2 "
                             f"landmarks, got {tuple(faces.shape)} and {tuple(landmarks.shape)}")
        boxes = part_boxes(landmarks.to(faces.device), self.face_size)[:, PARTS.index(self.component)]
        return crop(faces, boxes, self.crop_size, self.face_size)

    def features(self, faces: torch.Tensor, landmarks: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """(logits, [features after conv3, after conv5]) of the faces' component."""
        x = self.crop(faces, landmarks) * 2.0 - 1.0
        f1 = self.conv3(self.conv2(self.conv1(x)))
        f2 = self.conv5(self.conv4(f1))
        return self.final_conv(f2), [f1, f2]

    def forward(self, faces: torch.Tensor, landmarks: torch.Tensor) -> torch.Tensor:
        return self.features(faces, landmarks)[0]


def component_part(component: str) -> type[FacialComponentDiscriminator]:
    """A :class:`FacialComponentDiscriminator` subclass fixed to ``component`` (a zoo part per component)."""

    class Part(FacialComponentDiscriminator):
        def __init__(self, scale: int = 8, face_size: int = 128, width: int = 64) -> None:
            super().__init__(scale, component, face_size, width)

    Part.__name__ = Part.__qualname__ = f"{component.title().replace('_', '')}Discriminator"
    return Part


LeftEyeDiscriminator = component_part("l_eye")
RightEyeDiscriminator = component_part("r_eye")
MouthDiscriminator = component_part("mouth")
