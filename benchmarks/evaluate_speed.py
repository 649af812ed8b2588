"""Speed of ``facesr evaluate --baseline bicubic`` vs a straightforward per-image loop.

The baseline computes the same bicubic row (MATLAB-style LR and upsampling, Y BT.601 rounded, crop 8,
PSNR and Gaussian SSIM) one image at a time with numpy and ``skimage.metrics``; a second loop with
Pillow's C bicubic (a different LR kernel) is printed for reference.

    python benchmarks/evaluate_speed.py [--hr DIR] [--scale 8] [--protocol facesr]

Prints a table with seconds, images/s and the speed-up ratio, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np


def naive_loop(paths: list[Path], scale: int, kernel: str = "matlab") -> tuple[float, float]:
    """One image at a time: MATLAB-style resize in numpy (or Pillow), scikit-image metrics."""
    from PIL import Image
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    from facesr.ops import imresize

    psnrs, ssims = [], []
    for p in paths:
        hr = np.asarray(Image.open(p).convert("RGB"))
        h, w = hr.shape[:2]
        if kernel == "pil":
            lr = Image.fromarray(hr).resize((w // scale, h // scale), Image.BICUBIC)
            sr = np.asarray(lr.resize((w, h), Image.BICUBIC))
        else:
            sr = imresize(imresize(hr, 1 / scale), scale)

        def y(a):
            return np.round(16 + a.astype(np.float64) @ np.array([65.481, 128.553, 24.966]) / 255)[8:-8, 8:-8]

        a, b = y(sr), y(hr)
        psnrs.append(peak_signal_noise_ratio(b, a, data_range=255))
        ssims.append(structural_similarity(b, a, data_range=255, gaussian_weights=True, sigma=1.5,
                                           use_sample_covariance=False))
    return float(np.mean(psnrs)), float(np.mean(ssims))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = Path(os.environ.get("FACESR_DATA", "../shared/data")) / "celeba1000" / "HR"
    ap.add_argument("--hr", default=str(default))
    ap.add_argument("--scale", type=int, default=8)
    ap.add_argument("--protocol", default="facesr")
    args = ap.parse_args()
    hr = Path(args.hr)
    if not hr.is_dir():
        print(f"{hr}: not found (set FACESR_DATA or --hr)", file=sys.stderr)
        return 2
    from facesr.evaluation import evaluate
    from facesr.io import list_images

    paths = list_images(hr)
    t0 = time.perf_counter()
    res = evaluate(hr=hr, scale=args.scale, baseline="bicubic", protocol=args.protocol, metrics="psnr,ssim")
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    base_psnr, base_ssim = naive_loop(paths, args.scale)
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    pil_psnr, pil_ssim = naive_loop(paths, args.scale, "pil")
    t_pil = time.perf_counter() - t0
    n = len(paths)
    print(f"{n} images, x{args.scale}, {os.cpu_count()} CPU(s), torch threads {__import__('torch').get_num_threads()}")
    print(f"{'implementation':<34} {'seconds':>8} {'img/s':>8} {'PSNR':>8} {'SSIM':>7}")
    print(f"{'facesr evaluate (batched torch)':<34} {t_ours:8.2f} {n / t_ours:8.1f} "
          f"{res.metrics['psnr']:8.3f} {res.metrics['ssim']:7.4f}")
    print(f"{'per-image numpy MATLAB + skimage':<34} {t_base:8.2f} {n / t_base:8.1f} {base_psnr:8.3f} {base_ssim:7.4f}")
    print(f"{'per-image Pillow + skimage (*)':<34} {t_pil:8.2f} {n / t_pil:8.1f} {pil_psnr:8.3f} {pil_ssim:7.4f}")
    print(f"speed-up vs the same computation one image at a time: {t_base / t_ours:.2f}x")
    print(f"(*) a different LR kernel (Pillow's C bicubic), for reference: ratio {t_pil / t_ours:.2f}x")
    print(res.convention)
    return 0


if __name__ == "__main__":
    sys.exit(main())
