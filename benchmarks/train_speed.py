"""Training and inference at the speed of the hardware: facesr against bare PyTorch, in one run.

Sections (``--sections``, default all; each measurement runs in its own child process, so thread
settings, allocator and compile caches do not leak from one to the next):

``train``
    The engine (a :class:`facesr.training.Trainer` from ``configs/bundled/rcan_lite_x8.yaml``: real
    CelebA faces with the config's loader, preload, EMA and logging, ``--iterations`` iterations at
    ``--batch``, ``--faces`` faces, no validation, a final checkpoint) against a bare fp32 PyTorch loop
    of the same network, optimiser, L1 loss and batch over in-memory tensors (default layout, no data
    loading), and the same bare loop in the precision and layout the engine chose (read from the run's
    ``precision.json``), which separates the engine's overhead from the precision gain. Whole-process
    seconds (interpreter start to exit, data preload and the start-up probe included) and per-iteration
    milliseconds (median interval between steps after ``--warmup`` steps, data waits included), as
    ratios to the bare fp32 loop. ``--repeats`` alternate the order; medians are shown.
``infer``
    Faces/s of the shipped ``rcan-lite`` x8 weights at ``--infer-batch``: fp32, fp32 channels-last,
    bf16 autocast, bf16 channels-last and ``for_inference`` (its policy: see
    ``benchmarks/inference_precision.py``), ratios to fp32.
``data``
    Samples/s of the training data pipeline alone (the config's dataset, crop and flips, with the
    degradation presets ``bicubic`` (the config's), ``blind`` and ``realworld``) through a DataLoader with
    the config's worker count (``--workers``), and one core's ms per sample (no workers), against the
    model step's samples/s at the same batch (the engine's step time from ``train``, else a bare step in
    the best precision).
``compile``
    ``torch.compile`` (inductor, cold cache) of the network's training step on this CPU: compile seconds
    (the first compiled step minus an eager one) against the per-step gain, as the iterations it takes to
    pay back, for fp32 and for bf16 channels-last.

    PYTHONPATH=src python benchmarks/train_speed.py                 # the real run (about 10 minutes, 2 cores)
    PYTHONPATH=src python benchmarks/train_speed.py --quick         # every section at toy sizes (a check)
    PYTHONPATH=src python benchmarks/train_speed.py --sections train --iterations 60 --batch 32 --repeats 3
    PYTHONPATH=src python benchmarks/train_speed.py --gpu           # CUDA: today vs tuned (scripts/gpu_speed.sh)

``--gpu`` runs the engine on CUDA as the config stands today (fp32, default layout, the config's
batch and workers) against tuned settings (bf16 autocast, channels-last, more loader workers, pinned
memory, ``torch.compile(mode="reduce-overhead")`` (CUDA graphs) and a larger batch), and prints
iterations/s and faces/s of each; real CelebA faces when ``$FACESR_DATA/celeba`` exists, else in-memory
random faces. ``--json F`` also writes every number.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "bundled" / "rcan_lite_x8.yaml"
FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8")


# -- machine ---------------------------------------------------------------------------------------
def machine() -> dict:
    """CPU model, the flags that decide bf16 speed (``lscpu``, else /proc/cpuinfo), cores, torch."""
    import torch

    name, flags = "", set()
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "Model name":
                name = value.strip()
            elif key.strip() == "Flags":
                flags = set(value.split())
    except (OSError, subprocess.SubprocessError):
        pass
    if not flags:
        from facesr.hardware import cpu_flags

        flags = cpu_flags()
    info = {"cpu": name or "unknown", "flags": [f for f in FLAGS if f in flags], "cores": os.cpu_count(),
            "torch": torch.__version__}
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def print_machine(info: dict) -> None:
    have = info["flags"]
    kind = ("AMX-BF16" if "amx_bf16" in have else "AVX512-BF16 (no AMX)" if "avx512_bf16" in have
            else "no native bf16")
    shown = " ".join(have) or f"(none of {' '.join(FLAGS)})"
    print(f"CPU: {info['cpu']}, {info['cores']} cores; lscpu flags: {shown} -> {kind}; torch {info['torch']}"
          + (f"; GPU: {info['gpu']}" if info.get("gpu") else ""))
    sys.stdout.flush()


# -- child processes ------------------------------------------------------------------------------
def spawn(kind: str, spec: dict, *, env: dict | None = None, verbose: bool = False) -> dict:
    """Run one measurement in a fresh interpreter; returns its JSON plus ``wall_s`` (whole process)."""
    with tempfile.TemporaryDirectory(prefix="facesr-speed-") as tmp:
        out = Path(tmp) / "result.json"
        spec = {**spec, "tmp": tmp}
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--spec", json.dumps(spec),
               "--out", str(out)]
        full_env = {**os.environ, **(env or {})}
        full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), full_env.get("PYTHONPATH")]))
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=full_env)
        wall = time.perf_counter() - t0
        if proc.returncode != 0 or not out.is_file():
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            return {"error": f"{kind} child failed (exit {proc.returncode}):\n{tail}", "wall_s": wall}
        if verbose and proc.stderr.strip():
            print(proc.stderr.strip(), file=sys.stderr)
        res = json.loads(out.read_text())
        res["wall_s"] = wall
        return res


def _steady(stamps: list[float], warmup: int) -> float:
    """Median interval between consecutive step starts after ``warmup`` steps (seconds)."""
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    gaps = gaps[min(warmup, max(len(gaps) - 1, 0)):]
    return statistics.median(gaps) if gaps else float("nan")


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def child_engine(spec: dict) -> dict:
    """``Trainer(config).fit()`` with step timestamps; optional compiled generator (benchmark-side)."""
    import torch

    from facesr.training import Trainer, load_config

    t0 = time.perf_counter()
    cfg = load_config(spec["config"], spec["overrides"] + [f"output={spec['tmp']}/run"])
    train_set = None
    if spec.get("synthetic"):  # in-memory random LR/HR pairs (--gpu without a dataset)
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from train_overhead import Pairs

        train_set = Pairs(spec["synthetic"], cfg.data.train.size, cfg.scale)
    trainer = Trainer(cfg, train_set=train_set)
    built = time.perf_counter() - t0
    device = str(trainer.device)
    if spec.get("compile"):
        # the engine has no compile option: the generator's forward (and so its backward) is compiled
        # here; the optimiser, EMA and checkpoints keep the plain module (same parameters)
        trainer.wrapped["generator"] = torch.compile(trainer.nets["generator"], mode=spec["compile"])
    cudagraphs = spec.get("compile") == "reduce-overhead" and device.startswith("cuda")
    stamps, steps = [], []
    plain_step = trainer.step

    def timed(batch, it):
        if cudagraphs:
            torch.compiler.cudagraph_mark_step_begin()
        s = time.perf_counter()
        stamps.append(s)
        out = plain_step(batch, it)
        _sync(device)
        steps.append(time.perf_counter() - s)
        return out

    trainer.step = timed
    t1 = time.perf_counter()
    trainer.fit()
    fit = time.perf_counter() - t1
    prec_file = Path(cfg.output) / "precision.json"
    precision = json.loads(prec_file.read_text()) if prec_file.is_file() else None
    warm = spec["warmup"]
    return {"build_s": built, "fit_s": fit, "iterations": len(steps), "batch": cfg.data.train.batch_size,
            "it_s": _steady(stamps, warm), "step_s": statistics.median(steps[warm:] or steps),
            "first_step_s": steps[0] if steps else None, "precision": precision, "device": device,
            "workers": cfg.data.train.num_workers}


def _bare_setup(spec: dict):
    """The config's network and Adam, in-memory pairs on the device, and ``step(i, call)``: one
    training step whose forward goes through ``call`` (the module, or a compiled wrapper of it)."""
    import torch

    from facesr.models import create
    from facesr.training import load_config

    torch.set_num_threads(spec["threads"])
    cfg = load_config(spec["config"])
    g = cfg.generator
    device = torch.device(spec["device"])
    net = create(g.model, cfg.scale, seed=0, **g.options).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=g.optimizer.lr, betas=tuple(g.optimizer.betas))
    n, b = spec["faces"], spec["batch"]
    gen = torch.Generator().manual_seed(0)
    hr = torch.rand(n, 3, cfg.data.train.size, cfg.data.train.size, generator=gen)
    lr = torch.nn.functional.avg_pool2d(hr, cfg.scale)
    hr, lr = hr.to(device), lr.to(device)
    if spec["channels_last"]:
        net = net.to(memory_format=torch.channels_last)
        lr = lr.contiguous(memory_format=torch.channels_last)
    bf16 = spec["dtype"] == "bf16"

    def step(i: int, call=net) -> None:
        j = (i * b) % max(n - b + 1, 1)
        x, y = lr[j:j + b], hr[j:j + b]
        if bf16:
            with torch.autocast(device.type, dtype=torch.bfloat16):
                sr = call(x)
        else:
            sr = call(x)
        loss = (sr.float() - y).abs().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return net, step


def child_bare(spec: dict) -> dict:
    """The bare loop: the network, Adam and L1 on in-memory tensors, nothing else."""
    _, step = _bare_setup(spec)
    stamps, steps = [], []
    for i in range(spec["iterations"]):
        s = time.perf_counter()
        stamps.append(s)
        step(i)
        _sync(spec["device"])
        steps.append(time.perf_counter() - s)
    stamps.append(time.perf_counter())
    warm = spec["warmup"]
    return {"iterations": len(steps), "it_s": _steady(stamps, warm), "step_s": statistics.median(steps[warm:] or steps)}


def child_compile(spec: dict) -> dict:
    """Eager vs ``torch.compile``d training step: compile time (first compiled step minus an eager
    one) and median step times."""
    import torch

    net, step = _bare_setup(spec)
    res: dict = {}
    for label, call in (("eager", net), ("compiled", torch.compile(net, mode=spec.get("mode") or None))):
        times = []
        for i in range(spec["iterations"] + 2):
            s = time.perf_counter()
            step(i, call)
            _sync(spec["device"])
            times.append(time.perf_counter() - s)
        # the second step may still compile (a recompile for another stride); both stay out of the median
        res[label] = {"first_s": times[0] + times[1], "step_s": statistics.median(times[2:]), "times": times}
    res["compile_s"] = res["compiled"]["first_s"] - 2 * res["eager"]["step_s"]
    try:
        from torch._dynamo.utils import counters

        res["graphs"] = {k: dict(v) for k, v in counters.items() if k in ("stats", "aot_autograd", "inductor")}
    except Exception:  # a private counter: informative only
        pass
    return res


def child_data(spec: dict) -> dict:
    """Samples/s of the training set with each degradation preset, through a DataLoader and on one core."""
    import dataclasses

    import torch
    from torch.utils.data import DataLoader

    from facesr.training import load_config
    from facesr.training.data import build_train_set

    torch.set_num_threads(spec["threads"])
    cfg = load_config(spec["config"])
    out = {}
    for preset in spec["presets"]:
        d = dataclasses.replace(cfg.data.train, degradation=preset, limit=spec["faces"],
                                num_workers=spec["workers"])
        t0 = time.perf_counter()
        ds = build_train_set(d, cfg.scale, cfg.seed)
        build = time.perf_counter() - t0
        n1 = min(spec["single"], len(ds))
        t0 = time.perf_counter()
        for i in range(n1):
            ds[i]
        single = (time.perf_counter() - t0) / max(n1, 1)
        loader = DataLoader(ds, batch_size=spec["batch"], shuffle=True, num_workers=d.num_workers,
                            drop_last=True, generator=torch.Generator().manual_seed(0))
        stamps = []
        for k, _ in enumerate(loader):
            stamps.append(time.perf_counter())
            if k + 1 >= spec["batches"]:
                break
        steady = (len(stamps) - 1) * spec["batch"] / (stamps[-1] - stamps[0]) if len(stamps) > 1 else float("nan")
        out[preset] = {"build_s": build, "preload": d.preload, "single_ms": 1e3 * single,
                       "loader_samples_s": steady, "batches": len(stamps)}
    return out


def child_infer(spec: dict) -> dict:
    """Faces/s of the shipped x8 weights in each precision and layout, and with ``for_inference``."""
    import torch

    from facesr.benchmark.methods import MethodSpec, build_network
    from facesr.models import super_resolve
    from facesr.models.base import for_inference

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from zoo_speed import time_call

    torch.set_num_threads(spec["threads"])
    scale = spec["scale"]
    lr = torch.rand(spec["batch"], 3, 128 // scale, 128 // scale, generator=torch.Generator().manual_seed(0))
    calls = {}
    variants = [("fp32", "fp32", False), ("fp32 channels-last", "fp32", True), ("bf16", "bf16", False),
                ("bf16 channels-last", "bf16", True), ("for_inference (policy)", "auto", None)]
    for label, prec, cl in variants:
        net = build_network(MethodSpec("rcan", bundled="rcan-lite"), scale)
        if prec == "auto":
            net = for_inference(net)
            calls[f"{label}: {net._facesr_precision}"] = lambda net=net: super_resolve(net, lr)
            continue
        net = net.eval()
        x = lr.contiguous(memory_format=torch.channels_last) if cl else lr
        if cl:
            net = net.to(memory_format=torch.channels_last)

        def call(net=net, x=x, bf16=prec == "bf16"):
            if not bf16:
                return net(x)
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return net(x).float()

        calls[label] = call
    # round robin: slow drifts of the machine's load touch every row alike
    times: dict[str, list[float]] = {k: [] for k in calls}
    with torch.inference_mode():
        for _ in range(spec["rounds"]):
            for label, call in calls.items():
                sec, n = time_call(call, spec["min_time"] / spec["rounds"])
                times[label].append(sec)
    return {k: {"faces_s": spec["batch"] / statistics.median(v), "rounds": len(v)} for k, v in times.items()}


CHILDREN = {"engine": child_engine, "bare": child_bare, "compile": child_compile, "data": child_data,
            "infer": child_infer}


# -- the sections -----------------------------------------------------------------------------------
def engine_overrides(args, extra: list[str] = ()) -> list[str]:
    return [f"train.iterations={args.iterations}", f"data.train.batch_size={args.batch}",
            f"data.train.limit={args.faces}", "data.val.enabled=false", f"train.threads={args.threads}",
            "train.checkpoint_every=0", f"train.log_every={args.iterations}", "train.progress=false",
            "train.tensorboard=false", f"train.device={args.device}",
            *([f"data.train.num_workers={args.workers}"] if args.workers is not None else []), *extra]


def section_train(args, results: dict) -> None:
    print(f"\n== train: engine vs bare loop (config {args.config}, batch {args.batch}, "
          f"{args.iterations} iterations, {args.faces} faces, {args.threads} threads, {args.repeats} repeat(s))")
    bare_spec = {"config": args.config, "threads": args.threads, "device": args.device, "faces": args.faces,
                 "batch": args.batch, "iterations": args.iterations, "warmup": args.warmup}
    rows: dict[str, list[dict]] = {}
    chosen = None
    for r in range(args.repeats):
        order = ["engine", "bare fp32"] if r % 2 == 0 else ["bare fp32", "engine"]
        for name in order:
            if name == "engine":
                res = spawn("engine", {"config": args.config, "overrides": engine_overrides(args),
                                       "warmup": args.warmup}, verbose=args.verbose)
                if "error" not in res and res.get("precision"):
                    chosen = res["precision"]
            else:
                res = spawn("bare", {**bare_spec, "dtype": "fp32", "channels_last": False})
            rows.setdefault(name, []).append(res)
            if "error" in res:
                print(res["error"])
                return
    if chosen and (chosen["dtype"] != "fp32" or chosen["channels_last"]):
        name = f"bare {chosen['dtype']}{' channels-last' if chosen['channels_last'] else ''}"
        for _ in range(args.repeats):
            rows.setdefault(name, []).append(spawn("bare", {**bare_spec, "dtype": chosen["dtype"],
                                                            "channels_last": chosen["channels_last"]}))
    if chosen:
        probe = ", ".join(f"{k} {v:.0f} ms" for k, v in (chosen.get("probe_ms") or {}).items())
        print(f"engine chose {chosen['dtype']}{' channels-last' if chosen['channels_last'] else ''} "
              f"({chosen['how']}{'; probe ' + probe if probe else ''}) [precision.json]")
    med = {k: {f: statistics.median(x[f] for x in v) for f in ("wall_s", "it_s")} for k, v in rows.items()
           if all("error" not in x for x in v)}
    base = med["bare fp32"]
    print(f"{'run':<28} {'process s':>10} {'speed-up':>9} {'ms/it':>8} {'speed-up':>9}")
    for name, m in med.items():
        print(f"{name:<28} {m['wall_s']:10.2f} {base['wall_s'] / m['wall_s']:8.2f}x {1e3 * m['it_s']:8.1f} "
              f"{base['it_s'] / m['it_s']:8.2f}x")
    eng = rows["engine"][0]
    print(f"(engine: {eng['build_s']:.1f} s to build incl. preload, first step "
          f"{1e3 * (eng['first_step_s'] or 0):.0f} ms, "
          f"step alone {1e3 * statistics.median(x['step_s'] for x in rows['engine']):.1f} ms of "
          f"{1e3 * med['engine']['it_s']:.1f} ms/it; {eng['workers']} loader workers)")
    target = 2.0 if "amx_bf16" in results["machine"]["flags"] else 1.3
    ratio = base["wall_s"] / med["engine"]["wall_s"]
    print(f"issue 20 target: engine (data included) >= {target}x the bare fp32 loop on this CPU: whole process "
          f"{ratio:.2f}x, per iteration {base['it_s'] / med['engine']['it_s']:.2f}x")
    results["train"] = {"runs": rows, "median": med, "precision": chosen}
    sys.stdout.flush()


def section_infer(args, results: dict) -> None:
    print(f"\n== infer: rcan-lite x8 shipped weights, batch {args.infer_batch}, {args.threads} threads")
    res = spawn("infer", {"threads": args.threads, "batch": args.infer_batch, "scale": 8,
                          "min_time": args.min_time, "rounds": 3})
    if "error" in res:
        print(res["error"])
        return
    res.pop("wall_s", None)
    base = res["fp32"]["faces_s"]
    print(f"{'setting':<34} {'faces/s':>9} {'speed-up':>9}")
    for label, r in res.items():
        print(f"{label:<34} {r['faces_s']:9.1f} {r['faces_s'] / base:8.2f}x")
    results["infer"] = res
    sys.stdout.flush()


def section_data(args, results: dict) -> None:
    workers = args.workers
    if workers is None:
        from facesr.training import load_config

        workers = load_config(args.config).data.train.num_workers
    print(f"\n== data: training pipeline alone ({args.data_faces} faces, batch {args.batch}, {workers} loader "
          f"workers, {args.data_batches} batches; one core: {args.data_single} samples without workers)")
    res = spawn("data", {"config": args.config, "threads": args.threads, "faces": args.data_faces,
                         "batch": args.batch, "workers": workers, "batches": args.data_batches,
                         "single": args.data_single, "presets": ["bicubic", "blind", "realworld"]})
    if "error" in res:
        print(res["error"])
        return
    res.pop("wall_s", None)
    tr = results.get("train", {}).get("runs", {}).get("engine")
    if tr:
        step = statistics.median(x["step_s"] for x in tr)
        what = "engine step"
    else:
        p = results.get("train", {}).get("precision") or {"dtype": "fp32", "channels_last": False}
        b = spawn("bare", {"config": args.config, "threads": args.threads, "device": "cpu", "faces": args.batch,
                           "batch": args.batch, "iterations": args.warmup + 3, "warmup": args.warmup,
                           "dtype": p["dtype"], "channels_last": p["channels_last"]})
        step = b.get("step_s", float("nan"))
        what = f"bare {p['dtype']} step"
    model_rate = args.batch / step
    print(f"model: {what} {1e3 * step:.0f} ms at batch {args.batch} = {model_rate:.0f} samples/s")
    print(f"{'degradation':<12} {'preload s':>9} {'ms/sample':>10} {'loader samples/s':>17} {'vs model':>9} "
          f"{'CPU share':>10}")
    for preset, r in res.items():
        share = args.batch * r["single_ms"] / 1e3 / step  # one core's data seconds per model-step second
        print(f"{preset:<12} {r['build_s']:9.1f} {r['single_ms']:10.1f} {r['loader_samples_s']:17.0f} "
              f"{r['loader_samples_s'] / model_rate:8.2f}x {share:9.2f}")
    print("(vs model > 1: the loader alone outruns the model step; CPU share: core-seconds of data work per "
          "second of model step, which the workers take from the same cores)")
    results["data"] = {"presets": res, "model_step_s": step, "model": what}
    sys.stdout.flush()


def section_compile(args, results: dict) -> None:
    print(f"\n== compile: torch.compile (inductor, cold cache) of the training step, batch {args.compile_batch}, "
          f"{args.compile_steps} steps, {args.threads} threads")
    rows = {}
    for dtype, cl in (("fp32", False), ("bf16", True)):
        with tempfile.TemporaryDirectory(prefix="facesr-inductor-") as cache:
            res = spawn("compile", {"config": args.config, "threads": args.threads, "device": "cpu",
                                    "faces": args.compile_batch, "batch": args.compile_batch,
                                    "iterations": args.compile_steps, "dtype": dtype, "channels_last": cl},
                        env={"TORCHINDUCTOR_CACHE_DIR": cache})
        label = f"{dtype}{' channels-last' if cl else ''}"
        rows[label] = res
        if "error" in res:
            print(f"{label}: {res['error']}")
            continue
        e, c = res["eager"]["step_s"], res["compiled"]["step_s"]
        gain = e - c
        pay = res["compile_s"] / gain if gain > 0 else float("inf")
        print(f"{label:<20} eager {1e3 * e:7.0f} ms  compiled {1e3 * c:7.0f} ms ({e / c:.2f}x)  compile "
              f"{res['compile_s']:6.1f} s  pays after {pay:,.0f} steps" + (" (never)" if gain <= 0 else
                                                                             f" ({pay * e / 60:.1f} min of eager)"))
    results["compile"] = rows
    sys.stdout.flush()


def gpu(args, results: dict) -> None:
    """Today's engine vs tuned settings on CUDA (scripts/gpu_speed.sh)."""
    import torch

    dev = args.gpu_device
    if dev.startswith("cuda") and not torch.cuda.is_available():
        print("--gpu: no CUDA device (torch.cuda.is_available() is False)")
        results["gpu"] = {"error": "no CUDA"}
        return
    from facesr.training import load_config

    base_cfg = load_config(args.config)
    data_root = Path(os.environ.get("FACESR_DATA", ROOT.parent / "shared" / "data"))
    real = (data_root / base_cfg.data.train.dataset).is_dir()
    workers = args.gpu_workers or max(2, min(14, (os.cpu_count() or 4) - 2))
    synthetic = 0 if real else args.faces
    name = torch.cuda.get_device_name(0) if dev.startswith("cuda") else f"{dev} (a check of the rows, not a GPU)"
    print(f"\n== gpu: {name}, {args.iterations} iterations per row, "
          f"{'real ' + base_cfg.data.train.dataset + ' faces' if real else 'in-memory random faces (no dataset)'}"
          f" ({args.faces}), {base_cfg.name}")
    common = [f"train.iterations={args.iterations}", f"data.train.limit={args.faces}", "data.val.enabled=false",
              "train.checkpoint_every=0", f"train.log_every={args.iterations}", "train.progress=false",
              "train.tensorboard=false", f"train.device={dev}"]
    today_b = base_cfg.data.train.batch_size
    rows = [(f"today: fp32, batch {today_b}, {base_cfg.data.train.num_workers} workers",
             ["train.precision=fp32", "train.channels_last=false"], None),
            (f"bf16 + channels-last, batch {today_b}, {workers} workers",
             ["train.precision=bf16", "train.channels_last=true", f"data.train.num_workers={workers}"], None),
            (f"+ compile reduce-overhead, batch {today_b}",
             ["train.precision=bf16", "train.channels_last=true", f"data.train.num_workers={workers}"],
             "reduce-overhead"),
            (f"+ compile reduce-overhead, batch {args.gpu_batch}",
             ["train.precision=bf16", "train.channels_last=true", f"data.train.num_workers={workers}",
              f"data.train.batch_size={args.gpu_batch}"], "reduce-overhead")]
    if args.gpu_no_compile:
        rows = [r for r in rows if r[2] is None] + [(f"bf16 + channels-last, batch {args.gpu_batch}, {workers} workers",
                                                     rows[3][1], None)]
    out = {}
    print(f"{'setting':<44} {'it/s':>7} {'faces/s':>8} {'vs today':>9} {'process s':>10}")
    base = None
    for label, extra, mode in rows:
        res = spawn("engine", {"config": args.config, "overrides": common + extra, "warmup": args.warmup,
                               "synthetic": synthetic, "compile": mode}, verbose=args.verbose)
        out[label] = res
        if "error" in res:
            print(f"{label:<44} failed: {res['error']}")
            continue
        its = 1 / res["it_s"]
        base = base or its
        print(f"{label:<44} {its:7.2f} {its * res['batch']:8.0f} {its / base:8.2f}x {res['wall_s']:10.1f}")
        sys.stdout.flush()
    if base:
        print("(vs today: iterations/s; at a larger batch compare faces/s too; target of issue 20: >= 5x)")
    results["gpu"] = out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog="\n".join(__doc__.splitlines()[1:]),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="toy sizes: checks every section in a few minutes")
    ap.add_argument("--sections", default="train,infer,data,compile", help="comma-separated (default all)")
    ap.add_argument("--iterations", type=int, default=None, help="training iterations per run (default 60)")
    ap.add_argument("--batch", type=int, default=None, help="training batch (default 32)")
    ap.add_argument("--faces", type=int, default=None, help="training faces (data.train.limit, default 512)")
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    ap.add_argument("--workers", type=int, default=None, help="loader workers (default: the config's)")
    ap.add_argument("--repeats", type=int, default=None, help="alternating repeats of each train run (default 3)")
    ap.add_argument("--warmup", type=int, default=None, help="steps left out of per-iteration medians (default 5)")
    ap.add_argument("--device", default="cpu", help="train section device (default cpu)")
    ap.add_argument("--infer-batch", type=int, default=16, help="inference batch (default 16)")
    ap.add_argument("--min-time", type=float, default=None, help="seconds timed per inference row (default 5)")
    ap.add_argument("--data-faces", type=int, default=None, help="faces of the data section (default 512)")
    ap.add_argument("--data-batches", type=int, default=None, help="loader batches timed per preset (default 12)")
    ap.add_argument("--data-single", type=int, default=None, help="samples timed on one core (default 64)")
    ap.add_argument("--compile-batch", type=int, default=None, help="batch of the compile section (default 32)")
    ap.add_argument("--compile-steps", type=int, default=None, help="timed steps after compiling (default 10)")
    ap.add_argument("--gpu", action="store_true", help="CUDA: today's engine vs tuned settings (only this)")
    ap.add_argument("--gpu-batch", type=int, default=256, help="the larger batch of --gpu (default 256)")
    ap.add_argument("--gpu-workers", type=int, default=0,
                    help="loader workers of the tuned rows (default cores-2, <= 14)")
    ap.add_argument("--gpu-no-compile", action="store_true", help="--gpu without torch.compile rows")
    ap.add_argument("--gpu-device", default="cuda", help="device of --gpu (cpu: check the rows without a GPU)")
    ap.add_argument("--config", default=str(CONFIG.relative_to(ROOT)),
                    help="training config (default the bundled x8 recipe; a smoke config checks the script)")
    ap.add_argument("--json", metavar="F", help="also write every number as JSON")
    ap.add_argument("--verbose", action="store_true", help="show the children's stderr")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--spec", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        res = CHILDREN[args.child](json.loads(args.spec))
        Path(args.out).write_text(json.dumps(res))
        return 0
    cfg_path = Path(args.config)
    args.config = str(cfg_path.resolve() if cfg_path.is_file() else ROOT / cfg_path)
    quick = {"iterations": 4, "batch": 4, "faces": 32, "repeats": 1, "warmup": 1, "min_time": 0.5,
             "data_faces": 32, "data_batches": 3, "data_single": 4, "compile_batch": 2, "compile_steps": 2}
    full = {"iterations": 60, "batch": 32, "faces": 512, "repeats": 3, "warmup": 5, "min_time": 5.0,
            "data_faces": 512, "data_batches": 12, "data_single": 64, "compile_batch": 32, "compile_steps": 10}
    if args.gpu:
        full.update(iterations=200, faces=2048, warmup=20)
        quick.update(iterations=8, faces=64, warmup=3)
    for k, v in (quick if args.quick else full).items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    if args.gpu and args.quick:
        args.gpu_batch = min(args.gpu_batch, 16)

    import torch

    torch.set_num_threads(args.threads)
    shown = {k: v for k, v in vars(args).items() if k not in ("child", "spec", "out")}
    results = {"machine": machine(), "args": shown}
    print_machine(results["machine"])
    if args.gpu:
        gpu(args, results)
    else:
        sections = [s.strip() for s in args.sections.split(",") if s.strip()]
        unknown = set(sections) - {"train", "infer", "data", "compile"}
        if unknown:
            ap.error(f"unknown section(s) {', '.join(sorted(unknown))}")
        for name in ("train", "infer", "data", "compile"):
            if name in sections:
                globals()[f"section_{name}"](args, results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
