"""Speed of the learned / no-reference metrics, each against a naive baseline measured in the same run.

Data: celeba1000 HR (128x128) and its bicubic x8 SR (protocol ``facesr``: MATLAB-bicubic down and
up). Rows:

* LPIPS-alex, DISTS: ours = batched metric (batch 50, SR and HR through one forward) over N pairs;
  naive = the same network called one pair at a time, SR and HR in separate forwards.
* FID embed: ours = batched Inception (batch 50) + streaming float64 statistics over N SR + N HR
  images; naive = one image at a time. FID distance (rate = distances per second, N images per
  set): ours (nuclear norm of the factor product) vs the classic ``scipy.linalg.sqrtm(S1 @ S2)``
  of pytorch-fid, on the same statistics.
* NIQE: ours = vectorised block features + grid search by bisection; naive = a direct
  transcription of MATLAB's loops (per block, per fit, brute-force argmin over the 9,801-point
  alpha grid). Per image on metric_refs/niqe/baboon.png (480x492, 25 blocks).

Every row also prints the largest difference between ours and the baseline (they must agree).
Usage: ``PYTHONPATH=src python benchmarks/perceptual_metrics_speed.py [--n 1000] [--naive-n 100]``.
Baselines may run on fewer images than ours (``--naive-n``); rates are per image either way.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch


def load_pairs(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    from facesr.io import list_images, read_image, uint8_to_tensor
    from facesr.metrics import get_protocol
    from facesr.paths import dataset_dir

    files = list_images(dataset_dir("celeba1000") / "HR")[:n]
    hr = np.stack([read_image(f) for f in files])
    p = get_protocol("facesr")
    sr = p.upsample(p.make_lr(hr, 8), 8)
    return uint8_to_tensor(sr), uint8_to_tensor(hr)


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def bench_pairwise(name: str, sr, hr, naive_n: int):
    from facesr.metrics import create_metric

    m = create_metric(name, batch_size=50)
    m(sr[:2], hr[:2])  # warm-up (weights loaded, caches built)
    ours, t_ours = timed(lambda: m(sr, hr))
    net = m.net

    def naive():
        vals = []
        with torch.no_grad():
            for i in range(naive_n):
                a, b = sr[i:i + 1], hr[i:i + 1]
                if name == "lpips_alex":
                    a, b = a * 2 - 1, b * 2 - 1
                vals.append(float(net_pair(net, a, b)))
        return np.array(vals)

    base, t_base = timed(naive)
    diff = float(np.abs(base - ours[:naive_n].numpy()).max())
    return (name, len(sr), len(sr) / t_ours, naive_n, naive_n / t_base, diff)


def net_pair(net, a, b):
    """One pair with separate forwards for each image (what a naive per-image loop does)."""
    feats_a = net.features(a if not hasattr(net, "shift") else (a - net.shift) / net.scale)
    feats_b = net.features(b if not hasattr(net, "shift") else (b - net.shift) / net.scale)
    if hasattr(net, "shift"):  # LPIPS
        total = 0.0
        for k, (fa, fb) in enumerate(zip(feats_a.values(), feats_b.values())):
            fa = fa / (fa.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
            fb = fb / (fb.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
            total += torch.nn.functional.conv2d((fa - fb) ** 2, getattr(net, f"lin{k}")).mean()
        return total
    from facesr.metrics.dists import C1, C2, CHANNELS  # DISTS

    sa, sb = [a, *feats_a.values()], [b, *feats_b.values()]
    t = s = 0.0
    for fa, fb, al, be in zip(sa, sb, torch.split(net.alpha, CHANNELS), torch.split(net.beta, CHANNELS)):
        ma, mb = fa.mean((2, 3)), fb.mean((2, 3))
        va = ((fa - ma[..., None, None]) ** 2).mean((2, 3))
        vb = ((fb - mb[..., None, None]) ** 2).mean((2, 3))
        cov = (fa * fb).mean((2, 3)) - ma * mb
        t += ((2 * ma * mb + C1) / (ma**2 + mb**2 + C1) * al).sum()
        s += ((2 * cov + C2) / (va + vb + C2) * be).sum()
    return 1 - (t + s)


def bench_fid(sr, hr, naive_n: int):
    """Two rows: Inception embedding (batched vs one image at a time) and the distance itself
    (ours vs ``scipy.linalg.sqrtm(S1 @ S2)``) at the same N; prints the full FID time and value."""
    from scipy.linalg import sqrtm

    from facesr.metrics.fid import FeatureEmbedder, RunningStats, frechet_distance, resize_299

    emb = FeatureEmbedder("pil", batch_size=50)
    emb(sr[:2])  # warm-up

    def ours():
        a, b = RunningStats(), RunningStats()
        for i in range(0, len(sr), 50):
            a.add(emb(sr[i:i + 50]))
            b.add(emb(hr[i:i + 50]))
        sa, sb = a.result(), b.result()
        d, t_d = timed(lambda: frechet_distance(sa, sb))
        return d, t_d, sa, sb

    (fid_ours, t_dist, sa, sb), t_ours = timed(ours)
    print(f"FID(bicubic x8 SR, HR), N={len(sr)} per set: {fid_ours:.4f} in {t_ours:.1f} s "
          f"(distance {t_dist:.2f} s)", flush=True)

    def naive_embed():
        with torch.no_grad():
            return np.array([emb.net(resize_299(x[i:i + 1])).double().numpy()[0]
                             for x in (sr, hr) for i in range(naive_n)])

    feats, t_embed = timed(naive_embed)
    ours_feats = np.concatenate([emb(sr[:naive_n]), emb(hr[:naive_n])])
    embed_row = ("fid embed", 2 * len(sr), 2 * len(sr) / (t_ours - t_dist), 2 * naive_n, 2 * naive_n / t_embed,
                 float(np.abs(feats - ours_feats).max()))

    def classic():
        s1, s2 = sa.sigma, sb.sigma
        covmean = sqrtm(s1 @ s2).real
        return float(((sa.mu - sb.mu) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))

    fid_classic, t_classic = timed(classic)
    # rate column = distance computations per second
    dist_row = (f"fid distance N={len(sr)}", 1, 1 / t_dist, 1, 1 / t_classic, abs(fid_classic - fid_ours))
    return [embed_row, dist_row]


def naive_niqe(plane: np.ndarray) -> float:
    """MATLAB's computequality.m transcribed loop by loop (the baseline)."""
    from scipy.ndimage import correlate
    from scipy.special import gamma

    from facesr.metrics.niqe import pristine_params
    from facesr.ops.resize import imresize

    mu_p, cov_p, win = pristine_params()
    gam = 0.2 + 0.001 * np.arange(9801)
    r_gam = gamma(2 / gam) ** 2 / (gamma(1 / gam) * gamma(3 / gam))

    def aggd(v):
        left = np.sqrt(np.mean(v[v < 0] ** 2))
        right = np.sqrt(np.mean(v[v > 0] ** 2))
        gh = left / right
        rhat = np.mean(np.abs(v)) ** 2 / np.mean(v**2)
        rn = rhat * (gh**3 + 1) * (gh + 1) / (gh**2 + 1) ** 2
        a = gam[np.argmin((r_gam - rn) ** 2)]
        k = np.sqrt(gamma(1 / a) / gamma(3 / a))
        return a, left * k, right * k

    img = plane[: plane.shape[0] // 96 * 96, : plane.shape[1] // 96 * 96]
    feats = []
    for scale in (1, 2):
        mu = correlate(img, win, mode="nearest")
        sig = np.sqrt(np.abs(correlate(img * img, win, mode="nearest") - mu * mu))
        s = (img - mu) / (sig + 1)
        bs = 96 // scale
        rows = []
        for j in range(img.shape[1] // bs):
            for i in range(img.shape[0] // bs):
                blk = s[i * bs:(i + 1) * bs, j * bs:(j + 1) * bs]
                a, bl, br = aggd(blk.ravel())
                f = [a, (bl + br) / 2]
                for sh in ((0, 1), (1, 0), (1, 1), (1, -1)):
                    a, bl, br = aggd((blk * np.roll(blk, sh, axis=(0, 1))).ravel())
                    f += [a, (br - bl) * gamma(2 / a) / gamma(1 / a), bl, br]
                rows.append(f)
        feats.append(np.array(rows))
        if scale == 1:
            img = imresize(img, 0.5, kernel="matlab")
    x = np.concatenate(feats, axis=1)
    d = mu_p - np.nanmean(x, 0)
    return float(np.sqrt(d @ np.linalg.pinv((cov_p + np.cov(x[~np.isnan(x).any(1)], rowvar=False)) / 2) @ d))


def bench_niqe(reps: int):
    from facesr.io import read_image
    from facesr.metrics.niqe import niqe, to_plane
    from facesr.paths import data_root

    img = read_image(data_root() / "metric_refs" / "niqe" / "baboon.png")
    niqe(img)  # warm-up
    ours, t_ours = timed(lambda: [niqe(img) for _ in range(reps)])
    base, t_base = timed(lambda: [naive_niqe(to_plane(img)) for _ in range(reps)])
    return ("niqe (baboon)", reps, reps / t_ours, reps, reps / t_base, abs(ours[0] - base[0]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="pairs for our batched metrics (default 1000)")
    ap.add_argument("--naive-n", type=int, default=100, help="pairs for the naive LPIPS/DISTS loops")
    ap.add_argument("--fid-naive-n", type=int, default=50, help="images per set for the naive FID")
    ap.add_argument("--niqe-reps", type=int, default=5)
    ap.add_argument("--only", default="lpips_alex,dists,fid,niqe")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: leave the default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    only = args.only.split(",")
    sr, hr = load_pairs(args.n)
    rows = []
    for name in ("lpips_alex", "dists"):
        if name in only:
            rows.append(bench_pairwise(name, sr, hr, min(args.naive_n, args.n)))
            print(rows[-1], flush=True)
    if "fid" in only:
        rows += bench_fid(sr, hr, min(args.fid_naive_n, args.n))
        print(rows[-2:], flush=True)
    if "niqe" in only:
        rows.append(bench_niqe(args.niqe_reps))
    print(f"\ntorch {torch.__version__}, threads {torch.get_num_threads()}, CPU")
    print(f"{'metric':<22}{'N ours':>8}{'ours img/s':>12}{'N naive':>9}{'naive img/s':>13}{'speed-up':>10}"
          f"{'max |diff|':>12}")
    for name, n, r_ours, nn, r_naive, diff in rows:
        print(f"{name:<22}{n:>8}{r_ours:>12.2f}{nn:>9}{r_naive:>13.2f}{r_ours / r_naive:>9.1f}x{diff:>12.2e}")


if __name__ == "__main__":
    main()
