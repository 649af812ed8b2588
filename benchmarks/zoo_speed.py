"""CPU inference time per 128x128 face at x8 for every registered network, beside bicubic.

Each network (default options, fresh weights: speed does not depend on the values) turns a batch
of 16x16 LR faces into 128x128 results through ``facesr.models.super_resolve``, so networks that
need a bicubic-upsampled input pay for that upsampling as well. The baseline is the bicubic
upsampling alone (``facesr.ops.imresize``, MATLAB kernel by default), measured in the same run.

    python benchmarks/zoo_speed.py [--models rcan,sparnet] [--batches 1,16] [--threads 2]
                                   [--min-time 2] [--kernel matlab] [--json F]

Per network and batch size: one warm-up call, then calls until ``--min-time`` seconds have passed
(at least one); the median call time divided by the batch size is the time per face. The table
prints ms/face and the ratio to bicubic (how many times slower than bicubic).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable


def time_call(fn: Callable[[], object], min_time: float) -> tuple[float, int]:
    """Median seconds of ``fn()`` after one warm-up call; repeats until ``min_time`` has passed."""
    fn()
    times: list[float] = []
    start = time.perf_counter()
    while not times or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), len(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", help="comma-separated registry names (default: all registered)")
    ap.add_argument("--batches", default="1,16", help="batch sizes (default 1,16)")
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    ap.add_argument("--min-time", type=float, default=2.0, help="seconds of timed calls per cell (default 2)")
    ap.add_argument("--kernel", default="matlab", help="bicubic kernel for pre-upsampling and the baseline")
    ap.add_argument("--json", metavar="F", help="also write the results as JSON")
    args = ap.parse_args()

    import torch

    from facesr.models import create, list_models, model_info, super_resolve
    from facesr.ops import imresize

    if args.threads:
        torch.set_num_threads(args.threads)
    scale, hr = 8, 128
    names = args.models.split(",") if args.models else [m["name"] for m in list_models()]
    infos = [model_info(n) for n in names]
    batches = [int(b) for b in args.batches.split(",")]
    gen = torch.Generator().manual_seed(0)
    lrs = {b: torch.rand(b, 3, hr // scale, hr // scale, generator=gen) for b in batches}

    results: list[dict] = []
    base: dict[int, float] = {}

    def measure(name: str, fn: Callable[[torch.Tensor], object]) -> None:
        for b in batches:
            t, n = time_call(lambda b=b: fn(lrs[b]), args.min_time)
            per_face = t / b
            base.setdefault(b, per_face)  # the first row measured is bicubic
            results.append({"name": name, "batch": b, "ms_per_face": 1e3 * per_face, "calls": n,
                            "ratio": per_face / base[b]})
            print(f"  {name:<14} batch {b:>3}: {1e3 * per_face:10.3f} ms/face ({n} calls)", file=sys.stderr,
                  flush=True)

    with torch.inference_mode():
        measure("bicubic", lambda lr: imresize(lr, scale, kernel=args.kernel))
        for info in infos:
            model = create(info["name"], scale=scale, seed=0).eval()
            measure(info["name"], lambda lr, m=model: super_resolve(m, lr, kernel=args.kernel))
            del model

    cols = "".join(f" {'ms/face b' + str(b):>13} {'x bicubic':>10}" for b in batches)
    print(f"CPU x{scale}, {hr}x{hr} output, torch threads {torch.get_num_threads()}, kernel {args.kernel}")
    print(f"{'Model':<21} {'Input':<9}{cols}")
    by = {(r["name"], r["batch"]): r for r in results}
    rows = [("bicubic", "bicubic", "-")] + [(i["name"], i["display"], i["input"]) for i in infos]
    for name, display, inp in rows:
        cells = "".join(f" {by[name, b]['ms_per_face']:>13.3f} {by[name, b]['ratio']:>10.1f}"
                        for b in batches)
        print(f"{display:<21} {inp:<9}{cells}")
    if args.json:
        from facesr.io import atomic_write

        payload = {"scale": scale, "hr_size": hr, "threads": torch.get_num_threads(), "kernel": args.kernel,
                   "torch": torch.__version__, "results": results}
        with atomic_write(args.json) as tmp:
            tmp.write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
