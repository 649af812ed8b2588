"""VideoFSR: multi-frame face SR (survey §4.8.1): the centre frame of ``2k + 1`` LR frames super-resolved with
the help of its neighbours.

The survey describes two designs this network combines: [190] runs one generator on every frame and a
fusion module estimates the central frame from them; Xin et al. [191] (Video Face Super-Resolution with
Motion-Adaptive Feedback Cell, AAAI 2020) feed the motion between the current and each neighbouring frame
back into the current frame's features through a learned, motion-adaptive weighting, so that frames whose
motion is not compensated well contribute less. Layers and widths here are ours:

1. **Per-frame encoder** (shared weights, [190]'s per-frame generator front): conv 3->C, LeakyReLU,
   ``n_extract`` EDSR residual blocks at the LR size.
2. **Feature alignment** (ours, flow-style): for each neighbour, a small net on concat(centre, neighbour)
   features (one stride-2 stage for a wider view) predicts a 2-channel displacement in LR pixels; the
   neighbour's features are warped to the centre by bilinear sampling. Its last conv starts at zero, so
   training starts from the identity warp.
3. **Motion-adaptive feedback** (after [191]): the motion left after alignment ``D = warped neighbour -
   centre`` is turned into per-pixel, per-channel weights ``g = sigmoid(conv[centre, D])`` and fed back
   as ``centre + g * conv(D)``: where the neighbour agrees (or is trusted) its information enters, where
   alignment failed ``g`` can close.
4. **Temporal fusion** ([190]'s fusion of all frames into the centre): each frame's fed-back features are
   weighted by a sigmoid of their per-pixel correlation with the centre's embedding (temporal attention,
   ours after EDVR's TSA) and merged by a 1x1 conv.
5. **Reconstruction**: ``n_recon`` residual blocks with a long skip, sub-pixel upsampling by ``scale``,
   conv C->3, plus the bicubic-upsampled centre frame (global residual).

Input: ``[0,1] float32 N x T x 3 x h x w`` (``T = frames``, the centre frame is ``T // 2``), or ``N x 3 x h
x w`` (one frame, repeated ``T`` times: the network then acts as a single-image SR network). Output:
``N x 3 x (h * scale) x (w * scale)``, not clipped.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError, InputError
from ..base import SRNet
from ..blocks import ResBlock, Upsampler, conv
from ..reference.geometry import flow_warp


def _lrelu() -> nn.LeakyReLU:
    return nn.LeakyReLU(0.1, inplace=True)


class FlowAlign(nn.Module):
    """concat(centre, neighbour) features ``N x 2C x h x w`` -> displacement ``N x 2 x h x w`` (LR pixels,
    ``(dx, dy)``: the neighbour is sampled at ``p + flow(p)``). Needs even ``h`` and ``w``."""

    def __init__(self, channels: int, features: int) -> None:
        super().__init__()
        c, f = channels, features
        self.down = nn.Sequential(conv(2 * c, f, 3), _lrelu(), nn.Conv2d(f, f, 3, 2, 1), _lrelu(), conv(f, f, 3),
                                  _lrelu())
        self.up = nn.Sequential(conv(f, f, 3), _lrelu())
        self.skip = conv(2 * c, f, 3)
        self.out = conv(f, 2, 3)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, pair: torch.Tensor) -> torch.Tensor:
        d = self.down(pair)
        d = F.interpolate(d, size=pair.shape[-2:], mode="bilinear", align_corners=False)
        return self.out(self.up(d) + self.skip(pair))


class MotionAdaptiveFeedback(nn.Module):
    """After [191]'s MAFC: ``centre + sigmoid(conv[centre, D]) * conv(D)`` with ``D = aligned - centre``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        c = channels
        self.gate = conv(2 * c, c, 3)
        self.motion = conv(c, c, 3)

    def forward(self, centre: torch.Tensor, aligned: torch.Tensor) -> torch.Tensor:
        d = aligned - centre
        g = torch.sigmoid(self.gate(torch.cat([centre, d], dim=1)))
        return centre + g * self.motion(d)


class TemporalFusion(nn.Module):
    """``T`` feature maps -> one: each weighted by ``sigmoid(sum_c e(centre) * e(frame))`` per pixel, then a
    1x1 conv over their concatenation."""

    def __init__(self, channels: int, frames: int) -> None:
        super().__init__()
        self.embed_centre = conv(channels, channels, 3)
        self.embed = conv(channels, channels, 3)
        self.merge = nn.Conv2d(frames * channels, channels, 1)

    def forward(self, feats: list[torch.Tensor], centre: int) -> torch.Tensor:
        ref = self.embed_centre(feats[centre])
        weighted = [f * torch.sigmoid((ref * self.embed(f)).sum(1, keepdim=True)) for f in feats]
        return self.merge(torch.cat(weighted, dim=1))


class VideoFSR(SRNet):
    """Centre-frame SR from ``frames`` LR frames (module doc). ``frames``: odd, >= 1 (``2k + 1``);
    ``n_feats`` C; ``n_extract`` / ``n_recon``: residual blocks of the per-frame encoder / reconstruction;
    ``flow_feats``: width of the alignment net."""

    upsamples = True
    size_multiple = 2
    min_size = 4

    def __init__(self, scale: int = 8, frames: int = 5, n_feats: int = 64, n_extract: int = 5, n_recon: int = 10,
                 flow_feats: int = 32) -> None:
        super().__init__(scale)
        if int(frames) != frames or frames < 1 or frames % 2 == 0:
            raise ConfigError(f"VideoFSR: frames must be an odd number >= 1 (2k + 1), got {frames!r}")
        self.frames, self.centre = int(frames), int(frames) // 2
        c = n_feats
        self.head = nn.Sequential(conv(3, c, 3), _lrelu(), *[ResBlock(c) for _ in range(n_extract)])
        self.align = FlowAlign(c, flow_feats)
        self.feedback = MotionAdaptiveFeedback(c)
        self.fusion = TemporalFusion(c, self.frames)
        self.body = nn.Sequential(*[ResBlock(c) for _ in range(n_recon)], conv(c, c, 3))
        self.tail = nn.Sequential(Upsampler(c, self.scale), conv(c, 3, 3))

    def input_hint(self) -> str:
        s = 128 // self.scale
        return f"N x {self.frames} x 3 x {s} x {s} LR frames (or N x 3 x {s} x {s}) for a 128x128 centre frame"

    def frames_of(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` as ``N x T x 3 x h x w`` (a 4-D batch repeated ``T`` times), checked."""
        if isinstance(x, torch.Tensor) and x.dim() == 5:
            if x.shape[1] != self.frames:
                raise InputError(f"VideoFSR was built for {self.frames} frames, got {x.shape[1]} "
                                 f"(shape {tuple(x.shape)})")
            self.check_input(x[:, 0])
            return x
        self.check_input(x)
        return x.unsqueeze(1).expand(-1, self.frames, -1, -1, -1)

    def forward(self, x: torch.Tensor, aux: bool = False) -> torch.Tensor | dict[str, torch.Tensor]:
        """``[0,1]`` LR frames -> the SR centre frame; ``aux``: also ``flow`` (``N x (T-1) x 2 x h x w``, LR
        pixels, neighbours in order)."""
        x = self.frames_of(x)
        n, t, _, h, w = x.shape
        feats = self.head(x.reshape(n * t, 3, h, w)).view(n, t, -1, h, w)
        centre = feats[:, self.centre]
        fed, flows = [], []
        for i in range(t):
            if i == self.centre:
                fed.append(centre)
                continue
            flow = self.align(torch.cat([centre, feats[:, i]], dim=1))
            aligned = flow_warp(feats[:, i], flow).to(centre.dtype)
            fed.append(self.feedback(centre, aligned))
            flows.append(flow)
        f = self.fusion(fed, self.centre)
        f = f + self.body(f)
        base = F.interpolate(x[:, self.centre], scale_factor=self.scale, mode="bicubic", align_corners=False)
        sr = self.tail(f) + base
        if not aux:
            return sr
        flow = torch.stack(flows, dim=1) if flows else sr.new_zeros(n, 0, 2, h, w)
        return {"sr": sr, "flow": flow}
