"""NLSN (Mei et al., CVPR'21): EDSR backbone with Non-Local Sparse Attention (NLSA).

Normalise (DIV2K mean, pixel range 1) -> head conv 3x3 (3 -> 256) -> body: NLSA, then 32
ResBlocks (conv-ReLU-conv, res_scale 0.1) with an NLSA after every 8th (5 NLSAs) -> conv 3x3 ->
global skip -> sub-pixel upsampler (conv 256 -> 1024 + PixelShuffle(2) per x2) -> conv (256 -> 3).

NLSA: a 3x3 conv embeds 256 -> 64 channels for matching, a 1x1 conv 256 -> 256 for assembly.
Positions are hashed by locality-sensitive hashing (random rotations, ``n_hashes`` rounds,
``hash_buckets = min(L // chunk + parity, 128)``), sorted by hash code and cut into chunks of
``chunk_size``; every query attends to its chunk and the two adjacent ones (keys L2-normalised);
the hash rounds are merged by a softmax over their log-sum-exp scores; output = input +
res_scale x attention. The rotations are drawn afresh at every training step (as the paper); in
eval mode a fixed draw is used so that inference is deterministic.

Chunk size: 144 (paper) for x2..x8; at x16 the 8x8 LR face has 64 positions (< 144 gives zero
hash buckets), so the default is 32, which keeps the 2 buckets that x8 has.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import InputError
from ..base import SRNet
from ..blocks import PixelRange, ResBlock, ResidualTrunk, Upsampler, conv


def default_chunk_size(scale: int) -> int:
    """144 (paper) up to x8; 32 at x16 and above, where the LR face has fewer than 144 positions."""
    return 144 if scale <= 8 else 32


def _gather_rows(t: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """t: N x L x C, index: N x M (values < L) -> N x M x C."""
    return torch.gather(t, 1, index.unsqueeze(-1).expand(-1, -1, t.shape[-1]))


def _with_adjacent(t: torch.Tensor) -> torch.Tensor:
    """N x h x K x chunk x C -> N x h x K x 3chunk x C: each chunk, the previous and the next (cyclic)."""
    return torch.cat([t, torch.roll(t, 1, dims=2), torch.roll(t, -1, dims=2)], dim=3)


class NonLocalSparseAttention(nn.Module):
    """NLSA on N x C x H x W features; needs H*W >= chunk_size."""

    def __init__(
        self,
        channels: int = 256,
        reduction: int = 4,
        n_hashes: int = 4,
        chunk_size: int = 144,
        res_scale: float = 0.1,
        max_buckets: int = 128,
        rotation_seed: int = 0,
    ) -> None:
        super().__init__()
        self.conv_match = conv(channels, channels // reduction, 3)
        self.conv_assembly = conv(channels, channels, 1)
        self.n_hashes = n_hashes
        self.chunk_size = chunk_size
        self.res_scale = float(res_scale)
        self.max_buckets = max_buckets
        g = torch.Generator(device="cpu").manual_seed(rotation_seed)
        rot = torch.randn(channels // reduction, n_hashes, max_buckets // 2, generator=g, device="cpu")
        self.register_buffer("eval_rotations", rot, persistent=False)

    def n_buckets(self, length: int) -> int:
        b = length // self.chunk_size
        return min(b + b % 2, self.max_buckets)

    def _hash(self, key: torch.Tensor, n_buckets: int) -> torch.Tensor:
        """key N x L x Ck -> bucket codes N x (n_hashes L), rounds offset so they never collide."""
        half = n_buckets // 2
        if self.training:
            rot = torch.randn(key.shape[-1], self.n_hashes, half, device=key.device, dtype=key.dtype)
        else:
            rot = self.eval_rotations[:, :, :half].to(key)
        proj = torch.einsum("nlc,chb->nhlb", key, rot)
        codes = torch.cat([proj, -proj], dim=-1).argmax(dim=-1)  # N x h x L
        offsets = torch.arange(self.n_hashes, device=key.device).view(1, -1, 1) * n_buckets
        return (codes + offsets).flatten(1).detach()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        length, hashes, chunk = h * w, self.n_hashes, self.chunk_size
        if length < chunk:
            raise InputError(
                f"NLSN attention with chunk_size={chunk} needs at least {chunk} feature positions, got "
                f"{h}x{w}={length}; build NLSN with chunk_size <= {length} (x16 default: 32)"
            )
        key = self.conv_match(x).flatten(2).transpose(1, 2)  # N x L x Ck
        val = self.conv_assembly(x).flatten(2).transpose(1, 2)  # N x L x C
        ck = key.shape[-1]
        order = self._hash(key, self.n_buckets(length)).sort(dim=-1, stable=True).indices
        undo = order.argsort(dim=-1)
        pos = order % length
        key_s = _gather_rows(key, pos).view(n, hashes, length, ck)
        val_s = _gather_rows(val, pos).view(n, hashes, length, c)
        pad = (-length) % chunk
        if pad:  # fill the last chunk of each round with its last elements, as the reference code
            key_s = torch.cat([key_s, key_s[:, :, -pad:]], dim=2)
            val_s = torch.cat([val_s, val_s[:, :, -pad:]], dim=2)
        key_c = key_s.reshape(n, hashes, -1, chunk, ck)
        val_c = _with_adjacent(val_s.reshape(n, hashes, -1, chunk, c))
        match = _with_adjacent(F.normalize(key_c, p=2, dim=-1, eps=5e-5))
        score = torch.einsum("nhkic,nhkjc->nhkij", key_c, match)
        lse = torch.logsumexp(score, dim=-1, keepdim=True)
        out = torch.einsum("nhkij,nhkjc->nhkic", torch.exp(score - lse), val_c)
        out = out.reshape(n, hashes, -1, c)[:, :, :length].reshape(n, hashes * length, c)
        lse = lse.reshape(n, hashes, -1)[:, :, :length].reshape(n, hashes * length)
        out = _gather_rows(out, undo).view(n, hashes, length, c)
        weights = torch.softmax(lse.gather(1, undo).view(n, hashes, length, 1), dim=1)
        out = (out * weights).sum(dim=1)  # N x L x C
        return x + self.res_scale * out.transpose(1, 2).reshape(n, c, h, w)


class NLSN(ResidualTrunk, SRNet):
    """NLSN: raw LR [0,1] RGB N x 3 x h x w -> N x 3 x (s h) x (s w); needs h*w >= chunk_size."""

    upsamples = True

    def __init__(
        self,
        scale: int = 8,
        n_resblocks: int = 32,
        n_feats: int = 256,
        res_scale: float = 0.1,
        n_hashes: int = 4,
        chunk_size: int | None = None,
        reduction: int = 4,
        attention_every: int = 8,
        pixel_range: float = 1.0,
    ) -> None:
        super().__init__(scale)
        self.chunk_size = chunk_size or default_chunk_size(scale)
        self.range = PixelRange(pixel_range=pixel_range)
        self.head = conv(3, n_feats, 3)
        n_att = 0

        def attention() -> NonLocalSparseAttention:
            nonlocal n_att
            n_att += 1
            return NonLocalSparseAttention(n_feats, reduction, n_hashes, self.chunk_size, res_scale,
                                           rotation_seed=n_att)

        body: list[nn.Module] = [attention()]
        for i in range(n_resblocks):
            body.append(ResBlock(n_feats, 3, res_scale))
            if (i + 1) % attention_every == 0:
                body.append(attention())
        body.append(conv(n_feats, n_feats, 3))
        self.body = nn.Sequential(*body)
        self.tail = nn.Sequential(Upsampler(n_feats, scale), conv(n_feats, 3, 3))
