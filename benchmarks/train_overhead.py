"""Training throughput of the engine vs a bare hand-written PyTorch loop, same model, same run.

Both train the same network (RCAN, 1 group x 2 blocks, 16 channels, x8) with Adam and an L1 loss
on the same in-memory pairs through the same DataLoader settings; the engine runs with its usual
per-iteration work (loss bookkeeping, CSV log every 10 iterations, scheduler and NaN checks, a
final checkpoint) but without validation. Repeats alternate between the two; the table shows the
minimum (least disturbed by other load) and median seconds per iteration and their ratios.

    PYTHONPATH=src python benchmarks/train_overhead.py [--iterations 20] [--repeats 5] [--threads 1]
        [--groups 1 --blocks 2 --feats 16 --batch 4]

The default model is a toy (worst case: the engine's fixed per-iteration and end-of-run costs weigh
most); ``--groups 3 --blocks 4 --feats 32 --batch 16`` is the size of the bundled-model candidate.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import torch

OPTIONS = {"n_resgroups": 1, "n_resblocks": 2, "n_feats": 16, "reduction": 4}


class Pairs(torch.utils.data.Dataset):
    def __init__(self, n: int = 64, size: int = 128, scale: int = 8) -> None:
        g = torch.Generator().manual_seed(0)
        self.hr = torch.rand(n, 3, size, size, generator=g)
        self.lr = torch.nn.functional.avg_pool2d(self.hr, scale)

    def __len__(self) -> int:
        return self.hr.shape[0]

    def __getitem__(self, i: int) -> dict:
        return {"lr": self.lr[i], "hr": self.hr[i]}


def bare(data: Pairs, iterations: int, batch: int) -> float:
    from facesr.models import create

    model = create("rcan", 8, seed=0, **OPTIONS)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    sampler = torch.utils.data.DistributedSampler(data, num_replicas=1, rank=0, shuffle=True, seed=0)
    loader = torch.utils.data.DataLoader(data, batch_size=batch, sampler=sampler, drop_last=True)
    model.train()
    t0 = time.perf_counter()
    it, epoch = 0, 0
    while it < iterations:
        sampler.set_epoch(epoch)
        for b in loader:
            sr = model(b["lr"])
            loss = (sr - b["hr"]).abs().mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            it += 1
            if it >= iterations:
                break
        epoch += 1
    return (time.perf_counter() - t0) / iterations


def engine(data: Pairs, iterations: int, batch: int, folder: Path) -> float:
    from facesr.training import Trainer, config_from_dict

    shutil.rmtree(folder, ignore_errors=True)
    cfg = config_from_dict({
        "output": str(folder), "scale": 8,
        "generator": {"model": "rcan", "options": OPTIONS, "optimizer": {"type": "adam", "lr": 1e-4}},
        "losses": {"pixel": {"type": "l1"}},
        "data": {"train": {"batch_size": batch}, "val": {"enabled": False}},
        "train": {"iterations": iterations, "log_every": 10, "checkpoint_every": 0, "device": "cpu",
                  "progress": False, "tensorboard": False},
    })
    trainer = Trainer(cfg, train_set=data)
    t0 = time.perf_counter()
    trainer.fit()
    return (time.perf_counter() - t0) / iterations


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--groups", type=int, default=OPTIONS["n_resgroups"])
    ap.add_argument("--blocks", type=int, default=OPTIONS["n_resblocks"])
    ap.add_argument("--feats", type=int, default=OPTIONS["n_feats"])
    args = ap.parse_args()
    OPTIONS.update(n_resgroups=args.groups, n_resblocks=args.blocks, n_feats=args.feats)
    torch.set_num_threads(args.threads)
    data = Pairs()
    folder = Path(tempfile.mkdtemp(prefix="facesr-overhead-"))
    bare(data, 3, args.batch)  # warm-up (allocator, kernels)
    times: dict[str, list[float]] = {"bare loop": [], "facesr engine": []}
    try:
        for r in range(args.repeats):
            order = (("bare loop", "facesr engine") if r % 2 == 0 else ("facesr engine", "bare loop"))
            for name in order:
                if name == "bare loop":
                    times[name].append(bare(data, args.iterations, args.batch))
                else:
                    times[name].append(engine(data, args.iterations, args.batch, folder / f"r{r}"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    base = statistics.median(times["bare loop"])
    print(f"RCAN x8 ({OPTIONS}), batch {args.batch}, {args.iterations} iterations x {args.repeats} repeats, "
          f"{args.threads} threads, torch {torch.__version__}")
    best = min(times["bare loop"])
    print(f"{'loop':<15} {'min s/it':>9} {'ratio':>6} {'median s/it':>12} {'ratio':>6}   all repeats")
    for name, ts in times.items():
        lo, med = min(ts), statistics.median(ts)
        print(f"{name:<15} {lo:>9.4f} {lo / best:>6.3f} {med:>12.4f} {med / base:>6.3f}   "
              + " ".join(f"{t:.4f}" for t in ts))
    eng = times["facesr engine"]
    print(f"engine overhead: {100 * (min(eng) / best - 1):+.1f}% (min), "
          f"{100 * (statistics.median(eng) / base - 1):+.1f}% (median)")


if __name__ == "__main__":
    main()
