"""Speed of ``facesr evaluate --baseline bicubic`` vs a straightforward per-image loop.

The baseline computes the same bicubic row (MATLAB-style LR and upsampling, Y BT.601 rounded, crop 8,
PSNR and Gaussian SSIM) one image at a time with numpy and ``skimage.metrics``; a second loop with
Pillow's C bicubic (a different LR kernel) is printed for reference. Where BasicSR's own functions can
be loaded (the ``basicsr`` package; its ``psnr_ssim`` module needs ``cv2``, e.g.
``pip install --target DIR opencv-python-headless`` and ``PYTHONPATH=DIR``), a third loop runs
BasicSR's ``imresize`` + ``calculate_psnr``/``calculate_ssim`` (Y, crop = scale: the ``basicsr``
protocol), beside ``facesr evaluate --protocol basicsr`` timed in the same run.

    python benchmarks/evaluate_speed.py [--hr DIR] [--scale 8] [--protocol facesr] [--limit N] [--no-basicsr]

Prints a table with seconds, images/s and the speed-up ratio, measured in the same run; ``--limit 100``
is a quick check.
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


def basicsr_functions():
    """BasicSR's own ``imresize``, ``calculate_psnr``, ``calculate_ssim``, loaded without running the
    package's ``__init__`` (which imports its architectures, datasets and torchvision); ``None`` with the
    reason when they cannot be loaded."""
    import importlib
    import importlib.util
    import types

    spec = importlib.util.find_spec("basicsr")
    if spec is None or not spec.submodule_search_locations:
        return None, "basicsr is not installed"
    if importlib.util.find_spec("cv2") is None:
        return None, ("BasicSR's psnr_ssim needs cv2 (pip install --target DIR opencv-python-headless; "
                      "PYTHONPATH=DIR)")
    root = Path(list(spec.submodule_search_locations)[0])
    for name, folder in (("basicsr", root), ("basicsr.utils", root / "utils"), ("basicsr.metrics", root / "metrics")):
        if name not in sys.modules:
            mod = types.ModuleType(name)
            mod.__path__ = [str(folder)]
            sys.modules[name] = mod
    try:
        sys.modules["basicsr.utils"].bgr2ycbcr = importlib.import_module("basicsr.utils.color_util").bgr2ycbcr
        imresize = importlib.import_module("basicsr.utils.matlab_functions").imresize
        metrics = importlib.import_module("basicsr.metrics.psnr_ssim")
    except Exception as exc:  # another BasicSR layout
        return None, f"cannot load BasicSR's functions ({type(exc).__name__}: {exc})"
    return (imresize, metrics.calculate_psnr, metrics.calculate_ssim), ""


def basicsr_loop(paths: list[Path], scale: int, funcs) -> tuple[float, float]:
    """BasicSR's way: read BGR, MATLAB imresize down and up (uint8 rounding between), Y PSNR/SSIM."""
    from PIL import Image

    imresize, calculate_psnr, calculate_ssim = funcs
    psnrs, ssims = [], []
    for p in paths:
        hr = np.ascontiguousarray(np.asarray(Image.open(p).convert("RGB"))[:, :, ::-1])  # BGR, as cv2.imread
        lr = np.clip(np.round(imresize(hr / 255.0, 1 / scale) * 255), 0, 255).astype(np.uint8)
        sr = np.clip(np.round(imresize(lr / 255.0, scale) * 255), 0, 255).astype(np.uint8)
        psnrs.append(calculate_psnr(sr, hr, crop_border=scale, input_order="HWC", test_y_channel=True))
        ssims.append(calculate_ssim(sr, hr, crop_border=scale, input_order="HWC", test_y_channel=True))
    return float(np.mean(psnrs)), float(np.mean(ssims))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = Path(os.environ.get("FACESR_DATA", "../shared/data")) / "celeba1000" / "HR"
    ap.add_argument("--hr", default=str(default))
    ap.add_argument("--scale", type=int, default=8)
    ap.add_argument("--protocol", default="facesr")
    ap.add_argument("--limit", type=int, default=0, help="only the first N images (a quick check)")
    ap.add_argument("--no-basicsr", action="store_true", help="leave out the BasicSR row")
    args = ap.parse_args()
    hr = Path(args.hr)
    if not hr.is_dir():
        print(f"{hr}: not found (set FACESR_DATA or --hr)", file=sys.stderr)
        return 2
    from facesr.evaluation import evaluate
    from facesr.io import list_images

    paths = list_images(hr)
    src = hr
    if args.limit:
        import tempfile

        paths = paths[: args.limit]
        tmp = tempfile.TemporaryDirectory(prefix="facesr-evalspeed-")
        src = Path(tmp.name)
        for p in paths:
            (src / p.name).symlink_to(p.resolve())
    t0 = time.perf_counter()
    res = evaluate(hr=src, scale=args.scale, baseline="bicubic", protocol=args.protocol, metrics="psnr,ssim")
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
    if args.no_basicsr:
        return 0
    funcs, why = basicsr_functions()
    if funcs is None:
        print(f"BasicSR row left out: {why}")
        return 0
    t0 = time.perf_counter()
    res_b = evaluate(hr=src, scale=args.scale, baseline="bicubic", protocol="basicsr", metrics="psnr,ssim")
    t_ours_b = time.perf_counter() - t0
    t0 = time.perf_counter()
    bs_psnr, bs_ssim = basicsr_loop(paths, args.scale, funcs)
    t_bs = time.perf_counter() - t0
    print(f"\nprotocol basicsr (Y float, crop = scale), {n} images, x{args.scale}")
    print(f"{'implementation':<34} {'seconds':>8} {'img/s':>8} {'PSNR':>8} {'SSIM':>7}")
    print(f"{'facesr evaluate --protocol basicsr':<34} {t_ours_b:8.2f} {n / t_ours_b:8.1f} "
          f"{res_b.metrics['psnr']:8.3f} {res_b.metrics['ssim']:7.4f}")
    print(f"{'BasicSR imresize + calculate_*':<34} {t_bs:8.2f} {n / t_bs:8.1f} {bs_psnr:8.3f} {bs_ssim:7.4f}")
    print(f"speed-up vs BasicSR's own functions: {t_bs / t_ours_b:.2f}x (issue 20 target: >= 5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
