"""What bf16 inference costs the shipped weights: fp32 vs bf16 autocast on celeba1000, each bundled scale.

For every scale of the bundled ``rcan-lite`` the shipped weights restore the celeba1000 faces (LR made
by the ``facesr`` protocol: MATLAB bicubic of the uint8 HR) through ``for_inference`` +
``super_resolve`` (channels-last on CPU, as bench and enhance run them) twice, in fp32 and under bf16
autocast, and both results are scored with PSNR, SSIM and LPIPS under the ``facesr`` protocol. The
table has the scores, the paired per-face PSNR difference (mean and standard error) and faces/s of
both runs (the SR calls only, median of ``--repeats`` timed passes over the first ``--speed-faces``
faces). ``for_inference`` uses bf16 for a weights file only when its entry in
``facesr.models.base.INFERENCE_BF16`` passes ``bf16_acceptable`` (<= 0.02 dB PSNR lost on all 1,000
faces, LPIPS not higher); ``--emit`` prints those entries to paste there.

    python benchmarks/inference_precision.py [--limit 1000] [--threads 2] [--batch 16] [--emit]

``--limit 50`` checks the script in a minute; the policy needs the full 1,000 faces.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path


def lscpu_bf16() -> str:
    import torch

    from facesr.hardware import cpu_flags, native_bf16

    flags = cpu_flags()
    have = [f for f in ("avx512f", "avx512_bf16", "amx_bf16", "amx_tile") if f in flags]
    return f"CPU flags: {', '.join(have) or 'none of avx512f/avx512_bf16/amx_bf16'}; native bf16: " \
           f"{native_bf16(torch.device('cpu')) or 'no'}"


def run_sr(net, lr_u8, batch: int):
    """uint8 SR of uint8 LR faces through ``super_resolve`` (the network's own precision)."""
    import numpy as np
    import torch

    from facesr.io import tensor_to_uint8, uint8_to_tensor
    from facesr.models import super_resolve

    out = []
    with torch.inference_mode():
        for i in range(0, len(lr_u8), batch):
            out.append(tensor_to_uint8(super_resolve(net, uint8_to_tensor(lr_u8[i:i + batch])).clamp(0, 1)))
    return np.concatenate(out)


def faces_per_s(net, lr_u8, batch: int, repeats: int) -> float:
    run_sr(net, lr_u8[:batch], batch)  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run_sr(net, lr_u8, batch)
        times.append(time.perf_counter() - t0)
    return len(lr_u8) / statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=1000, help="celeba1000 faces scored (default all 1000)")
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    ap.add_argument("--batch", type=int, default=16, help="faces per SR call (default 16)")
    ap.add_argument("--speed-faces", type=int, default=128, help="faces of each timed pass (default 128)")
    ap.add_argument("--repeats", type=int, default=3, help="timed passes per row (default 3)")
    ap.add_argument("--scales", default="", help="comma-separated subset of the bundled scales")
    ap.add_argument("--emit", action="store_true", help="print INFERENCE_BF16 entries for facesr/models/base.py")
    args = ap.parse_args()

    import numpy as np
    import torch

    from facesr.benchmark.datasets import resolve_dataset
    from facesr.benchmark.methods import MethodSpec, build_network
    from facesr.errors import FacesrError
    from facesr.evaluation.runner import evaluate_arrays
    from facesr.io import list_images, read_image
    from facesr.metrics.protocols import get_protocol
    from facesr.models.base import BF16_MAX_PSNR_LOSS, bf16_acceptable, for_inference, weights_digest
    from facesr.models.bundled import DEFAULT, bundled_weights, get_bundled

    torch.set_num_threads(args.threads)
    try:
        _, folder = resolve_dataset("celeba1000")
    except FacesrError as exc:
        print(exc, file=sys.stderr)
        return 2
    paths = list_images(folder)[: args.limit]
    names = [p.stem for p in paths]
    hr = np.stack([read_image(p) for p in paths])
    proto = get_protocol("facesr")
    entry = get_bundled(DEFAULT)
    scales = [int(s) for s in args.scales.split(",") if s.strip()] or list(entry.scales)
    print(f"{entry.name}, celeba1000 first {len(paths)} faces, protocol facesr, batch {args.batch}, "
          f"{torch.get_num_threads()} threads, torch {torch.__version__}, {os.cpu_count()} CPUs")
    print(lscpu_bf16())
    head = (f"{'scale':<6} {'precision':<9} {'PSNR':>8} {'SSIM':>7} {'LPIPS':>7} {'dPSNR':>8} {'+-se':>6} "
            f"{'max|d|':>7} {'faces/s':>8}")
    print(head)
    print("-" * len(head))
    emitted = []
    for s in scales:
        lr = proto.make_lr(hr, s)
        res, sr_by = {}, {}
        for prec in ("fp32", "bf16"):
            net = for_inference(build_network(MethodSpec(entry.model, bundled=entry.name), s), precision=prec)
            sr = run_sr(net, lr, args.batch)
            sr_by[prec] = sr
            scores = evaluate_arrays(list(sr), list(hr), names, scale=s, protocol=proto,
                                     metrics="psnr,ssim,lpips")
            speed = faces_per_s(net, lr[: args.speed_faces], args.batch, args.repeats)
            res[prec] = (scores, speed, weights_digest(net), sum(p.numel() for p in net.parameters()))
        (a, fa, digest, params), (b, fb, _, _) = res["fp32"], res["bf16"]
        d = np.array([b.per_image[n]["psnr"] - a.per_image[n]["psnr"] for n in names])
        se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
        maxpix = int(np.abs(sr_by["bf16"].astype(np.int16) - sr_by["fp32"].astype(np.int16)).max())
        for prec, (sc, fps) in (("fp32", (a, fa)), ("bf16", (b, fb))):
            m = sc.metrics
            extra = (f"{d.mean():+8.4f} {se:6.4f} {maxpix:7d}" if prec == "bf16" else f"{'':8} {'':6} {'':7}")
            print(f"x{s:<5} {prec:<9} {m['psnr']:8.3f} {m['ssim']:7.4f} {m['lpips']:7.4f} {extra} {fps:8.1f}")
        rec = {"label": f"{entry.name} x{s}", "params": params, "faces": len(paths),
               "psnr": (round(a.metrics["psnr"], 4), round(b.metrics["psnr"], 4)),
               "lpips": (round(a.metrics["lpips"], 5), round(b.metrics["lpips"], 5)),
               "ssim": (round(a.metrics["ssim"], 5), round(b.metrics["ssim"], 5)),
               "faces_per_s": (round(fa, 1), round(fb, 1))}
        ok = bf16_acceptable(rec)
        print(f"       -> bf16 {'acceptable' if ok else 'not acceptable'} (limit {BF16_MAX_PSNR_LOSS} dB, LPIPS not "
              f"up, >= 1000 faces); weights {Path(bundled_weights(entry.name, s)).name} digest {digest}")
        emitted.append((digest, rec))
    print(lscpu_bf16())
    if args.emit:
        print("\n# paste into INFERENCE_BF16 (facesr/models/base.py):")
        for digest, rec in emitted:
            print(f"    {digest!r}: {rec!r},")
    return 0


if __name__ == "__main__":
    sys.exit(main())
