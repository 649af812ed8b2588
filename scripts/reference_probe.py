#!/usr/bin/env python3
"""How much PSNR could a same-identity reference add to bfr-lite at x8? An oracle bound (docs/reference.md).

For each celeba1000 group target (Table 8's blind LR at ``--scale``, seeded as ``facesr bench --reference``),
``bfr-lite`` (fidelity end) restores the face; each reference of the group is then warped onto the target
and its detail layer (the reference minus a Gaussian blur of ``--sigma`` px) is added to the restored face
with the gain that minimises the error against the *HR target* (an oracle: no method knows it). The best
reference per target is kept. Warps:

* ``none``: the reference as it comes (the groups are aligned crops, so roughly in place already);
* ``estimated``: moving-least-squares warp (iBUG points 17-67, ASFFNet's) from the reference's landmarks to
  the landmarks that the package's hourglass network finds on the restored face (what a method can do);
* ``oracle``: the same warp to the landmarks found on the HR target.

The mean PSNR gain over bfr-lite (protocol ``facesr``) bounds what linear detail transfer from an aligned
reference can give; a network may do more (non-linear, colour, selection by region), but a small bound says
that the references carry little pixel-level detail the restored face lacks.

    python scripts/reference_probe.py --limit 200 [--scale 8] [--sigma 2]
"""

from __future__ import annotations

import argparse

import numpy as np


def detail(x, sigma: float):
    """``x`` minus its separable Gaussian blur (reflect border): the detail layer, N x 3 x H x W."""
    import torch
    import torch.nn.functional as F

    r = int(3 * sigma + 0.5)
    k = torch.arange(-r, r + 1, dtype=torch.float32)
    g = torch.exp(-k**2 / (2 * sigma**2))
    g = (g / g.sum()).to(x)
    c = x.shape[1]
    b = F.conv2d(F.pad(x, (r, r, 0, 0), mode="reflect"), g.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    b = F.conv2d(F.pad(b, (0, 0, r, r), mode="reflect"), g.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)
    return x - b


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=200, help="first N group targets (default 200)")
    ap.add_argument("--scale", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sigma", type=float, default=2.0, help="Gaussian blur of the detail layer (px)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)

    import torch

    from facesr.benchmark.reference import load_groups
    from facesr.degradation import build_degradation, image_seed
    from facesr.io import tensor_to_uint8, uint8_to_tensor
    from facesr.metrics import create_metric
    from facesr.models.reference.asffnet import MLS_POINTS
    from facesr.models.reference.common import estimate_landmarks
    from facesr.models.reference.geometry import mls_affine_grid, sample_grid
    from facesr.ops import imresize
    from facesr.paths import data_root
    from facesr.pipeline.fullsize import full_size_restorer

    torch.set_num_threads(args.threads)
    groups, files = load_groups(data_root() / "celeba1000", limit=args.limit, progress=True)
    deg = build_degradation("blind", float(args.scale))
    lr = np.stack([deg(h, image_seed(args.seed, f))[0] for h, f in zip(groups.hr, files)])
    up = np.stack([imresize(f, args.scale) for f in lr])
    restored = full_size_restorer("bfr-lite", fidelity=1.0).restore_full(up)
    out, hr = uint8_to_tensor(list(restored)), uint8_to_tensor(list(groups.hr))
    psnr = create_metric("psnr", "facesr", args.scale)
    with torch.no_grad():
        base = psnr(out, hr).double()
        targets = {"estimated": estimate_landmarks(out), "oracle": estimate_landmarks(hr)}
    pts = MLS_POINTS
    residual = hr - out
    print(f"celeba1000 groups, first {len(files)} targets, blind x{args.scale} seed {args.seed}: "
          f"bfr-lite {float(base.mean()):.3f} dB")
    print(f"{'warp':<10} {'best-reference PSNR':>20} {'gain (dB)':>10} {'residual energy explained':>26}")
    for warp in ("none", "estimated", "oracle"):
        best = base.clone()
        explained = torch.zeros_like(base)
        for j in range(groups.reference.shape[1]):
            ref = uint8_to_tensor(list(groups.reference[:, j]))
            if warp != "none":
                src = torch.from_numpy(groups.reference_landmarks[:, j][:, pts]).float()
                grid = mls_affine_grid(src, targets[warp][:, pts].float(), ref.shape[-2], ref.shape[-1])
                ref = sample_grid(ref, grid)
            d = detail(ref, args.sigma)
            gain = (residual * d).sum((1, 2, 3)) / (d * d).sum((1, 2, 3)).clamp_min(1e-8)
            moved = out + gain.view(-1, 1, 1, 1) * d
            frac = 1 - ((residual - gain.view(-1, 1, 1, 1) * d) ** 2).sum((1, 2, 3)) / (residual**2).sum((1, 2, 3))
            with torch.no_grad():
                score = psnr(uint8_to_tensor(list(tensor_to_uint8(moved.clamp(0, 1)))), hr).double()
            real = torch.from_numpy(groups.reference_mask[:, j])
            better = real & (score > best)
            best = torch.where(better, score, best)
            explained = torch.where(real, torch.maximum(explained, frac.double()), explained)
        print(f"{warp:<10} {float(best.mean()):>20.3f} {float((best - base).mean()):>+10.3f} "
              f"{100 * float(explained.mean()):>25.2f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
