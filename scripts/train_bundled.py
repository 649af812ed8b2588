#!/usr/bin/env python3
"""Train several configs side by side on one machine (one GPU shared), each within a time limit,
then export each run's EMA generator to ``OUT/<name>.safetensors`` and its logs to
``OUT/logs.tar.gz``. This is the recipe of the bundled models (docs/bundled.md):

    FACESR_DATA=/path/to/data python scripts/train_bundled.py --time-limit 400 --out exported \\
        configs/bundled/rcan_lite_x4.yaml configs/bundled/rcan_lite_x8.yaml ...

Every run is ``python -m facesr train CONFIG output=RUNS/NAME train.time_limit=T``: the engine
re-plans each run's cosine schedule to what its measured speed fits in ``T`` seconds.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path


def last_row(path: Path) -> dict[str, str]:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError:
        return {}
    return rows[-1] if rows else {}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("configs", nargs="+", type=Path, help="training configs (YAML)")
    ap.add_argument("--time-limit", type=float, required=True, help="seconds of training per run")
    ap.add_argument("--runs", type=Path, default=Path("runs/bundled"), help="run folders")
    ap.add_argument("--out", type=Path, required=True, help="folder for NAME.safetensors and logs.tar.gz")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads per run")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                    help="overrides for every run; {name} and {scale} are replaced by the run's")
    ap.add_argument("--raw", action="store_true", help="also export the raw (non-EMA) weights as NAME_raw")
    args = ap.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from facesr.training import load_config
    from facesr.training.export import export_weights

    args.runs.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "PYTHONUNBUFFERED": "1"}
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    runs: dict[str, tuple[subprocess.Popen, Path]] = {}
    for cfg_path in args.configs:
        cfg = load_config(cfg_path)
        name = cfg.name
        folder = args.runs / name
        sets = [v.replace("{name}", name).replace("{scale}", str(cfg.scale)) for v in args.set]
        cmd = [sys.executable, "-m", "facesr", "train", str(cfg_path), f"output={folder}",
               f"train.time_limit={args.time_limit}", f"train.threads={args.threads}", *sets]
        log = open(args.runs / f"{name}.log", "w", encoding="utf-8")  # noqa: SIM115 (closed by the child's end)
        runs[name] = (subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env), folder)
        print("started", " ".join(cmd), flush=True)

    start = time.time()
    while any(p.poll() is None for p, _ in runs.values()):
        time.sleep(20)
        status = []
        for name, (p, folder) in runs.items():
            row = last_row(folder / "train_log.csv")
            state = "running" if p.poll() is None else f"exit {p.returncode}"
            status.append(f"{name}: it {row.get('iteration', '-')} loss {float(row.get('loss', 'nan')):.4f} "
                          f"{float(row.get('sec_per_it', 'nan')) * 1e3:.0f} ms/it ({state})")
        print(f"[{time.time() - start:5.0f} s] " + " | ".join(status), flush=True)

    failed = 0
    print(f"\n{'run':<16} {'exit':>4} {'iterations':>10} {'val psnr':>9} {'val ssim':>9}")
    for name, (p, folder) in runs.items():
        val = last_row(folder / "val_log.csv")
        row = last_row(folder / "train_log.csv")
        print(f"{name:<16} {p.returncode:>4} {row.get('iteration', '-'):>10} {val.get('psnr', '-'):>9} "
              f"{val.get('ssim', '-'):>9}")
        ckpt = folder / "checkpoints" / "last.pt"
        if ckpt.is_file():
            export_weights(ckpt, args.out / f"{name}.safetensors",
                           extra={"train_seconds": str(args.time_limit)})
            if args.raw:
                export_weights(ckpt, args.out / f"{name}_raw.safetensors", ema=False,
                               extra={"train_seconds": str(args.time_limit)})
        else:
            failed += 1
    with tarfile.open(args.out / "logs.tar.gz", "w:gz") as tar:
        for name, (_, folder) in runs.items():
            tar.add(args.runs / f"{name}.log", arcname=f"{name}/stdout.log")
            for fname in ("config.yaml", "train_log.csv", "val_log.csv"):
                if (folder / fname).is_file():
                    tar.add(folder / fname, arcname=f"{name}/{fname}")
    print(f"wrote {args.out}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
