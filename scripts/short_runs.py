#!/usr/bin/env python3
"""Short measured CPU runs of the zoo's newer methods (issues 23 and 24), two lanes of one thread each.

Every run trains its shipped config for a fixed number of seconds (``train.time_limit``; the cosine and step
schedules are planned to that time by the engine), validates on celeba1000 along the way (the curve), then
scores its last checkpoint with ``facesr bench`` on the track that fits its purpose (the row). Runs that share
the CPU with another lane get about half the machine each, so compare iterations only within this table.

    python scripts/short_runs.py                 # everything not done yet (a run is done when DONE exists)
    python scripts/short_runs.py --only tann,mtdn --lanes 1
    python scripts/short_runs.py --list
    python scripts/short_runs.py --report docs/images/short_runs_leaves.png   # Markdown table + curves

Outputs: ``runs/short/NAME/`` (the run, ``bench.json`` / ``bench.md``, ``DONE``), logs ``runs/short/NAME.log``.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "runs" / "short"
PREPARED = "runs/short/celeba128"
METRICS = "psnr,ssim,lpips,identity_cos"


@dataclass
class Run:
    name: str
    config: str | None  # None: ``command`` only
    seconds: int = 200
    overrides: list[str] = field(default_factory=list)
    bench: list[str] | None = None  # facesr bench arguments after the method list (None: none)
    limit: int = 100  # faces the bench row scores
    method: str = ""  # registry name for the bench row (default: name)
    needs: tuple[str, ...] = ()
    command: list[str] | None = None  # a plain command instead of training
    val_every: int = 50


def _clean(scale: int = 8) -> list[str]:
    return ["--scales", str(scale)]


def _track(track: str, scale: int = 8) -> list[str]:
    return ["--degradation", track, "--scales", str(scale)]


RUNS: list[Run] = [
    Run("prepare", None, command=["facesr", "data", "prepare", "--dataset", "celeba", "--out", PREPARED,
                                  "--landmarks", "--parsing", "--limit", "2500", "--no-progress"]),
    # issue 24: joint tasks, pre/parallel priors, applications
    Run("fcsrgan", "configs/joint/fcsrgan_x8.yaml", 240, ["recipe.completion=60", "recipe.fixed=60"],
        _track("occlusion")),
    Run("dgfan", "configs/joint/dgfan_x4.yaml", 240, [], _track("deblur", 4)),
    Run("cpgan", "configs/joint/cpgan_x8.yaml", 240, ["data.val.every=0"],
        ["--reference", "--degradation", "illumination", "--scales", "8"], limit=100),
    Run("mtdn", "configs/joint/mtdn_x8.yaml", 200, [], _track("misalign")),
    Run("tdae", "configs/joint/tdae_x8.yaml", 200, [], _track("misalign")),
    Run("tann", "configs/joint/tann_x8.yaml", 240, [], ["--track", "pose", "--scales", "8"]),
    Run("jasrnet", "configs/prior/jasrnet_x8.yaml", 240, [f"data.train.root={PREPARED}"], _clean(),
        needs=("prepare",)),
    Run("psfrgan_parsenet", "configs/prior/psfrgan_parsenet_x8.yaml", 150, [f"data.train.root={PREPARED}"], None,
        needs=("prepare",)),
    Run("psfrgan", "configs/prior/psfrgan_x8.yaml", 240,
        [f"data.train.root={PREPARED}", "generator.options.parsenet=runs/short/psfrgan_parsenet/checkpoints/last.pt",
         "data.train.batch_size=4"], _track("blind"), needs=("psfrgan_parsenet",), val_every=25),
    Run("videofsr", "configs/application/videofsr_x8.yaml", 240, [], ["--track", "video", "--scales", "8"],
        limit=50),
    Run("bopbl", "configs/application/bopbl_x8.yaml", 240, ["recipe.vae=80"], _track("realworld")),
    Run("fsr3d", "configs/application/fsr3d_x8.yaml", 200, [], None),
    Run("audiofsr", "configs/application/audiofsr_cpu_smoke.yaml", 180,
        ["data.train.limit=null", "data.train.batch_size=8", "data.val.limit=100", "train.iterations=100000"], None),
    Run("audiofsr_image_only", "configs/application/audiofsr_cpu_smoke.yaml", 180,
        ["data.train.limit=null", "data.train.batch_size=8", "data.val.limit=100", "train.iterations=100000",
         "recipe.use_audio=false"], None),
    # issue 23: the other leaves of general FSR, IADFH
    Run("srdsi_bases", None, command=[sys.executable, "-m", "facesr.training.srdsi_bases", "--dataset", "celeba",
                                      "--limit", "1000", "--scale", "8", "-o", "runs/short/srdsi_bases.safetensors"]),
    Run("srdsi", "configs/srdsi_x8.yaml", 200, ["generator.options.bases=runs/short/srdsi_bases.safetensors",
                                                "data.train.batch_size=16"], _clean(), needs=("srdsi_bases",)),
    Run("dpdfn", "configs/dpdfn_x8.yaml", 200, [], _clean()),
    Run("spgan", "configs/spgan_x8.yaml", 240, ["data.train.batch_size=16"], _clean()),
    Run("attention_fh", "configs/attention_fh_x8.yaml", 240, [], _clean()),
    Run("atfmn", "configs/atfmn_x8.yaml", 300, ["data.train.batch_size=4"], _clean(), val_every=25),
    Run("iadfh", "configs/iadfh_x8.yaml", 240, ["data.train.batch_size=16"], _clean()),
    Run("lrgan", "configs/general/lrgan_x8.yaml", 300, ["recipe.degrade=60", "data.train.batch_size=8"],
        _track("realworld"), val_every=25),
    Run("cr", "configs/general/cr_x8.yaml", 300, ["recipe.translate=60", "data.train.batch_size=8"],
        _track("realworld"), val_every=25),
    Run("rwsr", "configs/general/rwsr_x8.yaml", 300, ["data.train.batch_size=8"], _track("realworld"), val_every=25),
    Run("pca_srgan", "configs/general/pca_srgan_x8.yaml", 300, ["data.train.batch_size=8", "recipe.grow=150",
                                                               "recipe.fit_faces=300"], _clean(), val_every=25),
    Run("stylegan2_64", "configs/generative/stylegan2_64_cpu.yaml", 600,
        ["recipe.fid_samples=300", "data.val.limit=300", "data.train.limit=5000"], None, val_every=150),
    Run("pulse", None, command=None, bench=_clean(), limit=20, needs=("stylegan2_64",)),
    Run("gpen", "configs/generative/gpen_x8.yaml", 300, ["recipe.prior=null"], _track("blind"), limit=50,
        val_every=20),
    Run("gfpgan", "configs/generative/gfpgan_x8.yaml", 300,
        ["recipe.prior=null", "recipe.fix_prior=false", f"data.train.root={PREPARED}", "data.train.batch_size=4"],
        _track("blind"), limit=50, needs=("prepare",), val_every=20),
    Run("glean", "configs/generative/glean_x8.yaml", 300,
        ["recipe.prior=null", "recipe.fix_prior=false", "data.train.batch_size=4"], _clean(), limit=50,
        val_every=20),
]


def train_command(r: Run) -> list[str]:
    return ["facesr", "train", r.config, f"output=runs/short/{r.name}", f"name={r.name}_short",
            f"train.time_limit={r.seconds}", "train.threads=1", "data.train.num_workers=0", "train.progress=false",
            "train.log_every=10", "train.checkpoint_every=100", "train.keep_checkpoints=1",
            f"data.val.every={r.val_every}", "data.val.batch_size=25", *r.overrides]


def bench_command(r: Run) -> list[str]:
    d = OUT / r.name
    if r.name == "pulse":
        spec = "pulse:runs/short/stylegan2_64/checkpoints/last.pt"
    else:
        spec = f"{r.method or r.name}:runs/short/{r.name}/checkpoints/last.pt"
    return ["facesr", "bench", "--dataset", "celeba1000", "--methods", spec, *(r.bench or []), "--limit",
            str(r.limit), "--metrics", METRICS, "--json", str(d / "bench.json"), "--markdown", str(d / "bench.md"),
            "--quiet"]


def run_one(r: Run) -> bool:
    d = OUT / r.name
    d.mkdir(parents=True, exist_ok=True)
    log = OUT / f"{r.name}.log"
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    steps = []
    if r.command:
        steps.append(r.command)
    if r.config:
        steps.append(train_command(r))
    if r.bench is not None:
        steps.append(bench_command(r))
    with open(log, "a") as fh:
        for cmd in steps:
            fh.write(f"\n$ {' '.join(cmd)}\n")
            fh.flush()
            t0 = time.time()
            rc = subprocess.call(cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, env=env)
            fh.write(f"# rc={rc} in {time.time() - t0:.0f} s\n")
            if rc != 0:
                return False
    (d / "DONE").write_text(time.strftime("%Y-%m-%d %H:%M:%S\n"))
    return True


def _csv(path: Path) -> list[dict[str, str]]:
    import csv

    if not path.exists():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def report(picture: str | None) -> str:
    """A Markdown table of the finished runs: iterations, seconds per iteration, the last validation
    (the metric the recipe validates) and the bench row beside bicubic on the same faces; ``picture``: one
    curve panel per run (``facesr curves``)."""
    lines = ["| run | config | iterations | s/it (last log) | last validation | bench: track, faces (metrics) | method "
             "| bicubic |",
             "|---|---|---|---|---|---|---|---|"]
    panels = []
    for r in RUNS:
        d = OUT / r.name
        if not (d / "DONE").exists() or (r.config is None and r.bench is None):
            continue
        train = _csv(d / "train_log.csv")
        val = _csv(d / "val_log.csv")
        its = train[-1]["iteration"] if train else "-"
        spi = f"{float(train[-1]['sec_per_it']):.2f}" if train and train[-1].get("sec_per_it") else "-"
        last = "-"
        if val:
            row = val[-1]
            bases = ("bicubic", "repeat")  # the baseline the recipe validates beside (fsr3d: each point repeated)
            keys = [k for k in row if k != "iteration" and not k.startswith(bases) and row[k]]
            shown = []
            for k in keys[:2]:
                base = next((b for b in bases if row.get(f"{b}_{k}")), None)
                ref = f" ({base} {float(row[f'{base}_{k}']):.4g})" if base else ""
                shown.append(f"{k} {float(row[k]):.4g}{ref}")
            last = ", ".join(shown)
            panels.append((keys[0] if keys else "psnr", f"{r.name}=runs/short/{r.name}"))
        bench = d / "bench.json"
        if r.name == "pulse":
            bench = OUT / "pulse" / "bench.json"
        track, ours, base = "-", "-", "-"
        if bench.exists():
            import json

            b = json.loads(bench.read_text())
            scale = str(b["scales"][0])
            track = f"{(b.get('degradation') or {}).get('name') or 'clean'} x{scale}, {b['dataset']}, {b['n']}"
            rows = {row["name"]: row["scores"].get(scale, {}) for row in b["rows"]}
            names = b["metrics"]

            def fmt(sc: dict, names: list = names) -> str:
                return " / ".join(f"{sc[m]:.4g}" if sc.get(m) is not None else "-" for m in names)

            method = next(n for n in rows if n != "bicubic")
            ours, base = fmt(rows[method]), fmt(rows["bicubic"])
            track += f" ({' / '.join(b['metrics'])})"
        lines.append(f"| {r.name} | {r.config or '-'} | {its} | {spi} | {last} | {track} | {ours} | {base} |")
    if picture and panels:  # PSNR panels in PICTURE; a run that validates another metric in PICTURE_<run>.png
        groups: dict[str, list[str]] = {}
        for metric, panel in panels:
            groups.setdefault(metric, []).append(panel)
        for metric, group in groups.items():
            out = picture if metric == "psnr" else picture.replace(".png", f"_{metric}.png")
            subprocess.call(["facesr", "curves", *group, "-o", out, "--metric", metric, "--overwrite", "--columns",
                             "5", "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL)
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help="comma-separated run names")
    ap.add_argument("--lanes", type=int, default=2)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--report", nargs="?", const="", default=None, metavar="PNG",
                    help="print the Markdown table of finished runs (and draw their curves into PNG)")
    args = ap.parse_args()
    if args.report is not None:
        print(report(args.report or None))
        return 0
    runs = [r for r in RUNS if not args.only or r.name in args.only.split(",")]
    if args.list:
        for r in runs:
            print(f"{r.name:22s} {r.seconds:4d} s  {r.config or ' '.join(r.command or ['(bench only)'])}")
        return 0
    done = {r.name for r in RUNS if (OUT / r.name / "DONE").exists()}
    failed: set[str] = set()
    todo = [r for r in runs if r.name not in done]
    lock = threading.Lock()

    def worker(lane: int) -> None:
        while True:
            with lock:
                ready = [r for r in todo if all(n in done or n not in {x.name for x in runs} for n in r.needs)]
                blocked = [r for r in todo if any(n in failed for n in r.needs)]
                for r in blocked:
                    todo.remove(r)
                    failed.add(r.name)
                    print(f"[lane {lane}] skip {r.name}: a run it needs failed", flush=True)
                if not todo:
                    return
                if not ready:
                    pick = None
                else:
                    pick = ready[0]
                    todo.remove(pick)
            if pick is None:
                time.sleep(5)
                continue
            print(f"[lane {lane}] {time.strftime('%H:%M:%S')} start {pick.name}", flush=True)
            ok = run_one(pick)
            with lock:
                (done if ok else failed).add(pick.name)
            print(f"[lane {lane}] {time.strftime('%H:%M:%S')} {'done' if ok else 'FAILED'} {pick.name}", flush=True)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.lanes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"done: {sorted(done)}\nfailed: {sorted(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
