"""Faces per second of the bundled models on CPU (128x128 output, batch 16), beside SPARNet.

The bundled networks (``rcan-lite`` per scale, the blind restorer ``bfr-lite`` once: it costs the same
at every scale; also as the flip self-ensemble ``bfr-lite+flip``, two passes; the reference model
``ref-lite`` with K = 3 reference faces; their shipped weights)
and SPARNet from the zoo (default options, fresh weights: speed does not depend on the values; it gets
the bicubic-upsampled input it needs) each restore batches of LR faces through
``facesr.models.super_resolve``, prepared by ``facesr.models.base.for_inference`` as bench and enhance
run them (channels-last on CPU), in the same run, with the same thread count. One warm-up call, then
calls until ``--min-time`` seconds have
passed; the median call gives faces/s. The ratio column is faces/s relative to SPARNet at x8.

    python benchmarks/bundled_speed.py [--threads 2] [--batch 16] [--min-time 5] [--study] [--json F]

``--study`` adds the x8 networks of the width study (configs/bundled/study/*.yaml, fresh weights).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from zoo_speed import time_call  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    ap.add_argument("--batch", type=int, default=16, help="faces per call (default 16)")
    ap.add_argument("--min-time", type=float, default=5.0, help="seconds of timed calls per row (default 5)")
    ap.add_argument("--study", action="store_true", help="also time the width-study networks at x8")
    ap.add_argument("--json", metavar="F", help="also write the results as JSON")
    args = ap.parse_args()

    import torch

    from facesr.benchmark.methods import MethodSpec, build_network
    from facesr.models import count_params, create, model_info, super_resolve
    from facesr.models.base import for_inference
    from facesr.models.weights import get_pretrained, list_pretrained, super_resolve_batched

    torch.set_num_threads(args.threads)
    rows = []
    nets = []
    for row in list_pretrained():
        if not row["installed"]:
            continue
        entry = get_pretrained(row["name"])
        if model_info(entry.model).get("full_size"):  # one network for every scale: time it once, at x4
            net = for_inference(build_network(MethodSpec(entry.model, bundled=entry.name), 4))
            nets += [(f"{entry.name} x1..x16", 4, net, False), (f"{entry.name}+flip x1..x16", 4, net, True)]
            continue
        nets += [(f"{entry.name} x{s}", s, for_inference(build_network(MethodSpec(entry.model, bundled=entry.name), s)),
                  False) for s in entry.scales]
    if args.study:
        from facesr.training import load_config

        for cfg_path in sorted((Path(__file__).resolve().parents[1] / "configs" / "bundled" / "study").glob("*.yaml")):
            cfg = load_config(cfg_path)
            nets.append((f"{cfg.name} (study)", cfg.scale,
                         for_inference(create(cfg.generator.model, scale=cfg.scale, **cfg.generator.options)), False))
    nets.append(("sparnet x8 (zoo)", 8, for_inference(create("sparnet", scale=8)), False))
    g = torch.Generator().manual_seed(0)
    for label, s, net, flip in nets:
        lr = torch.rand(args.batch, 3, 128 // s, 128 // s, generator=g)
        with torch.inference_mode():
            if flip:  # the flip self-ensemble as bench and enhance run it (NAME+flip, --flip-ensemble)
                sec, calls = time_call(lambda net=net, lr=lr: super_resolve_batched(net, lr, batch_size=len(lr),
                                                                                    flip=True), args.min_time)
            else:  # a reference network (ref-lite) gets K = 3 references of the HR size
                conds = net.example_conditions(lr) if hasattr(net, "example_conditions") else {}
                sec, calls = time_call(lambda net=net, lr=lr, c=conds: super_resolve(net, lr, **c), args.min_time)
        rows.append({"model": label, "scale": s, "params": count_params(net), "batch": args.batch,
                     "faces_per_s": args.batch / sec, "ms_per_face": 1e3 * sec / args.batch, "calls": calls})
    ref = next(r for r in rows if r["model"].startswith("sparnet"))["faces_per_s"]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"CPU inference, {args.threads} threads, batch {args.batch}, 128x128 output "
          f"(torch {torch.__version__}, load average {load:.2f} at the end)")
    print(f"{'model':<24} {'params':>9} {'faces/s':>8} {'ms/face':>8} {'vs SPARNet':>10}")
    for r in rows:
        r["ratio_vs_sparnet"] = r["faces_per_s"] / ref
        print(f"{r['model']:<24} {r['params'] / 1e6:>8.2f}M {r['faces_per_s']:>8.1f} {r['ms_per_face']:>8.2f} "
              f"{r['ratio_vs_sparnet']:>9.1f}x")
    if args.json:
        Path(args.json).write_text(json.dumps({"threads": args.threads, "load": load, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
