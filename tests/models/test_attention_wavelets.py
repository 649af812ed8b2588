"""NLSN's sparse attention and WaSRNet's Haar wavelet packet, checked against direct definitions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from facesr.models.general.nlsn import NonLocalSparseAttention
from facesr.models.general.wasrnet import HaarPacket, haar_packet_filters


def test_nlsa_with_one_chunk_is_dense_non_local_attention():
    """chunk = H*W: every query sees every key (three times, which softmax cancels), in every round."""
    torch.manual_seed(0)
    att = NonLocalSparseAttention(channels=16, reduction=4, n_hashes=3, chunk_size=36, res_scale=0.5).eval()
    x = torch.randn(2, 16, 6, 6)
    with torch.no_grad():
        out = att(x)
        q = att.conv_match(x).flatten(2).transpose(1, 2)
        v = att.conv_assembly(x).flatten(2).transpose(1, 2)
        k = torch.nn.functional.normalize(q, dim=-1, eps=5e-5)
        dense = torch.softmax(q @ k.transpose(1, 2), dim=-1) @ v
        expected = x + 0.5 * dense.transpose(1, 2).reshape(2, 16, 6, 6)
    torch.testing.assert_close(out, expected, rtol=1e-4, atol=1e-5)


def test_nlsa_sparse_rounds_are_a_convex_mix_and_eval_is_deterministic():
    torch.manual_seed(1)
    att = NonLocalSparseAttention(channels=16, reduction=4, n_hashes=4, chunk_size=8, res_scale=1.0).eval()
    assert att.n_buckets(64) == 8 and att.n_buckets(8 * 9) == 10  # parity rounding as the paper
    x = torch.randn(1, 16, 8, 8)
    with torch.no_grad():
        a, b = att(x), att(x)
        v = att.conv_assembly(x)
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    mix = a - x  # every output is a convex combination of assembly vectors
    assert (mix.amax(dim=(2, 3)) <= v.amax(dim=(2, 3)) + 1e-5).all()
    assert (mix.amin(dim=(2, 3)) >= v.amin(dim=(2, 3)) - 1e-5).all()
    att.train()
    with torch.no_grad():
        torch.manual_seed(2)
        c = att(x)
        torch.manual_seed(3)
        d = att(x)
    assert not torch.equal(c, d)  # fresh rotations per training step


@pytest.mark.parametrize("level", [1, 2, 3])
def test_haar_packet_is_orthonormal_and_inverts(level):
    f = haar_packet_filters(level).reshape(4**level, -1)
    np.testing.assert_allclose(f @ f.T, np.eye(4**level), atol=1e-12)
    h = HaarPacket(level)
    x = torch.rand(2, 3, 8 * 2**level, 4 * 2**level, dtype=torch.float32)
    c = h.decompose(x)
    assert c.shape == (2, 3 * 4**level, 8, 4)
    torch.testing.assert_close(h.reconstruct(c), x, rtol=0, atol=1e-5)
    # band 0 is the low-pass: 2^level x the block mean of each colour (band-major channels)
    block_mean = torch.nn.functional.avg_pool2d(x, 2**level)
    torch.testing.assert_close(c[:, :3], block_mean * 2**level, rtol=1e-5, atol=1e-5)


def test_haar_band_groups_match_wasrnet_branches():
    """Bands [4^(k-1), 4^k) add detail from 2^(k-1) to 2^k per LR pixel: an image constant on blocks
    of 2^(r-k) pixels has no energy in bands >= 4^k."""
    level = 3
    h = HaarPacket(level)
    for k in range(level + 1):
        block = 2 ** (level - k)
        coarse = torch.rand(1, 3, 16 // block, 16 // block)
        x = coarse.repeat_interleave(block, -2).repeat_interleave(block, -1)
        c = h.decompose(x)
        if k < level:
            assert c[:, 3 * 4**k:].abs().max() < 1e-5
        if k > 0:
            assert c[:, 3 * 4 ** (k - 1):3 * 4**k].abs().max() > 1e-3
