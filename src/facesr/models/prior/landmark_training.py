"""Training the standalone 68-landmark hourglass (:class:`~facesr.models.prior.hourglass.StackedHourglass`)
on aligned faces with dlib 68-point pseudo ground truth, and its NME.

Data: folders written by ``facesr data prepare --landmarks`` (aligned 128-px faces + dlib landmarks);
``data.val_root`` (e.g. CelebA-1000 HR prepared the same way) or the last ``data.val_count`` training
faces measure the NME: mean point-to-point error over the 68 points divided by the outer-eye-corner
distance (points 36 and 45, the 300-W convention), against dlib's points. Loss: MSE of every stack's
heatmaps (intermediate supervision) to Gaussians of ``data.sigma`` heatmap pixels at 1/4 face size.

Run: ``python -m facesr.models.prior.landmark_training configs/landmarks/hourglass_landmarks.yaml [key=value ...]``;
checkpoints (``checkpoints/last.pt``, every ``checkpoint_every`` iterations and on Ctrl-C) make a run
resumable by running the same command again; the best validation NME is exported to
``<output>/landmarks.safetensors`` (:func:`~facesr.models.prior.landmark_net.load_landmark_net`).
"""

from __future__ import annotations

import math
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import ConfigError, FacesrError
from ...training.config import OptimizerConfig, SchedulerConfig, apply_override, from_dict

#: Outer eye corners of the 68-point iBUG scheme (inter-ocular normalisation of the NME).
OUTER_EYE_CORNERS = (36, 45)


@dataclass
class LandmarkNetOptions:
    landmarks: int = 68
    stacks: int = 2
    channels: int = 128
    depth: int = 4


@dataclass
class LandmarkDataConfig:
    """``root``: a prepared cache with landmarks; ``val_root``: another for validation, else the last
    ``val_count`` faces of ``root`` are held out. ``sigma`` in heatmap pixels; ``flip`` probability;
    ``rotate`` (degrees), ``zoom`` (fraction) and ``shift`` (face pixels): bounds of a random
    similarity transform per training face (0: off), so that the network also finds landmarks in
    faces framed unlike the aligned training crops (test crops such as CelebA-1000's vary);
    ``degrade``: probability that a training face is replaced by its bicubic x2-x8 downscale brought
    back to size (so that the network also reads low-resolution and super-resolved faces)."""

    root: str = "cache/celeba128"
    val_root: str | None = None
    val_count: int = 200
    limit: int | None = None
    sigma: float = 1.0
    flip: float = 0.5
    batch_size: int = 16
    rotate: float = 0.0
    zoom: float = 0.0
    shift: float = 0.0
    degrade: float = 0.0


@dataclass
class LandmarkTrainConfig:
    name: str = "hourglass_landmarks"
    output: str = "runs/hourglass_landmarks"
    seed: int = 0
    model: LandmarkNetOptions = field(default_factory=LandmarkNetOptions)
    data: LandmarkDataConfig = field(default_factory=LandmarkDataConfig)
    optimizer: OptimizerConfig = field(default_factory=lambda: OptimizerConfig(type="rmsprop", lr=2.5e-4))
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    iterations: int = 20000
    log_every: int = 50
    val_every: int = 1000
    checkpoint_every: int = 500
    threads: int = 0


def load_landmark_config(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> LandmarkTrainConfig:
    """Read a landmark-training YAML config with ``key=value`` overrides."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: config file not found")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: invalid YAML ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: a config is a YAML mapping")
    for item in overrides:
        apply_override(data, item)
    try:
        cfg = from_dict(LandmarkTrainConfig, data)
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc}") from None
    if cfg.iterations < 1 or cfg.data.batch_size < 1:
        raise ConfigError(f"{p}: iterations and data.batch_size must be >= 1")
    return cfg


def nme(pred, truth):
    """Per-face NME ``float64 (N,)``: mean point error / outer-eye-corner distance (68-point faces)."""
    import numpy as np

    pred, truth = np.asarray(pred, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    a, b = OUTER_EYE_CORNERS
    norm = np.linalg.norm(truth[:, a] - truth[:, b], axis=-1)
    return np.linalg.norm(pred - truth, axis=-1).mean(axis=1) / norm


def random_similarity(faces, points, rotate: float, zoom: float, shift: float, generator=None):
    """Warp ``[0,1]`` faces ``N x 3 x S x S`` and their ``(N, K, 2)`` pixel landmarks by a random
    similarity each: rotation ``U(-rotate, rotate)`` degrees, scale ``1 + U(-zoom, zoom)``, shift
    ``U(-shift, shift)`` pixels; borders are replicated. Returns ``(faces, points)``."""
    import torch
    import torch.nn.functional as F

    n, _, h, w = faces.shape
    if not (rotate or zoom or shift):
        return faces, points

    def u(bound: float) -> torch.Tensor:
        return (torch.rand(n, generator=generator, dtype=torch.float64) * 2 - 1) * bound

    angle, scale = torch.deg2rad(u(rotate)), 1 + u(zoom)
    tx, ty = u(shift), u(shift)
    # forward map in normalised coordinates (align_corners=False): p_out = s R p_in + t
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    fwd = torch.zeros(n, 3, 3, dtype=torch.float64)
    fwd[:, 0, 0], fwd[:, 0, 1], fwd[:, 0, 2] = cos, -sin * h / w, 2 * tx / w
    fwd[:, 1, 0], fwd[:, 1, 1], fwd[:, 1, 2] = sin * w / h, cos, 2 * ty / h
    fwd[:, 2, 2] = 1
    inv = torch.linalg.inv(fwd)  # grid_sample needs output -> input
    grid = F.affine_grid(inv[:, :2].to(faces.dtype), list(faces.shape), align_corners=False)
    warped = F.grid_sample(faces, grid, mode="bilinear", padding_mode="border", align_corners=False)
    p = points.to(torch.float64)
    norm = torch.stack([(p[..., 0] + 0.5) * 2 / w - 1, (p[..., 1] + 0.5) * 2 / h - 1, torch.ones_like(p[..., 0])], -1)
    moved = torch.einsum("nij,nkj->nki", fwd, norm)
    out = torch.stack([(moved[..., 0] + 1) * w / 2 - 0.5, (moved[..., 1] + 1) * h / 2 - 0.5], -1)
    return warped.clamp(0, 1), out.to(points.dtype)


def random_degrade(faces, probability: float, factors=(2, 4, 8), generator=None):
    """Each ``[0,1]`` face of ``N x 3 x S x S`` replaced with ``probability`` by its bicubic
    downscale (antialiased) by a factor drawn from ``factors``, upscaled back to S (bicubic)."""
    import torch
    import torch.nn.functional as F

    if probability <= 0:
        return faces
    n, _, h, w = faces.shape
    pick = torch.rand(n, generator=generator) < probability
    which = torch.randint(len(factors), (n,), generator=generator)
    out = faces.clone()
    for k, f in enumerate(factors):
        idx = torch.nonzero(pick & (which == k)).flatten()
        if len(idx) and h // f >= 1 and w // f >= 1:
            small = F.interpolate(faces[idx], size=(h // f, w // f), mode="bicubic", antialias=True,
                                  align_corners=False)
            out[idx] = F.interpolate(small, size=(h, w), mode="bicubic", align_corners=False).clamp(0, 1)
    return out


def _datasets(cfg: LandmarkTrainConfig):
    from torch.utils.data import Subset

    from ...data.paired import PairedFaceDataset

    d = cfg.data

    def open_cache(root: str, flip: float) -> PairedFaceDataset:
        return PairedFaceDataset(root, scale=2, priors=("landmarks",), flip=flip, seed=cfg.seed)

    train = open_cache(d.root, d.flip)
    n = len(train) if d.limit is None else min(d.limit, len(train))
    if d.val_root:
        val = open_cache(d.val_root, 0.0)
        val = Subset(val, range(min(len(val), d.val_count)))
    else:
        if n <= d.val_count:
            raise ConfigError(f"data.root holds {n} faces: too few to hold out data.val_count={d.val_count}")
        val = Subset(open_cache(d.root, 0.0), range(n - d.val_count, n))
        n -= d.val_count
    return train, Subset(train, range(n)), val


def evaluate(net, val, batch_size: int = 32) -> float:
    """Mean NME of ``net`` on the faces of ``val`` (items with ``hr`` and ``landmarks``)."""
    import numpy as np
    import torch

    from .landmark_net import predict_landmarks

    errors = []
    for i in range(0, len(val), batch_size):
        items = [val[j] for j in range(i, min(i + batch_size, len(val)))]
        faces = torch.stack([it["hr"] for it in items])
        truth = torch.stack([it["landmarks"] for it in items]).numpy()
        errors.append(nme(predict_landmarks(net, faces), truth))
    return float(np.mean(np.concatenate(errors)))


def train_landmarks(cfg: LandmarkTrainConfig, progress: bool = True) -> dict[str, Any]:
    """Train (or resume) the landmark network of ``cfg``; returns ``{"iteration", "best_nme", "weights"}``."""
    import torch
    from torch.utils.data import DataLoader
    from tqdm.auto import tqdm

    from ...losses.landmark import render_heatmaps
    from ...training import checkpoint as ckpt
    from ...training.data import ResumableSampler
    from ...training.logs import CSVLog
    from ...training.optim import build_optimizer, build_scheduler
    from .hourglass import StackedHourglass
    from .landmark_net import save_landmark_net

    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    out = Path(cfg.output)
    options = {"landmarks": cfg.model.landmarks, "stacks": cfg.model.stacks, "channels": cfg.model.channels,
               "depth": cfg.model.depth}
    net = StackedHourglass(**options)
    opt = build_optimizer(net.parameters(), cfg.optimizer)
    sched = build_scheduler(opt, cfg.scheduler, cfg.iterations)
    base, train, val = _datasets(cfg)
    sampler = ResumableSampler(train, 1, 0, cfg.seed)
    per_epoch = sampler.num_samples // cfg.data.batch_size
    if per_epoch < 1:
        raise ConfigError(f"{len(train)} training faces cannot fill a batch of {cfg.data.batch_size}")
    loader = DataLoader(train, batch_size=cfg.data.batch_size, sampler=sampler, drop_last=True)
    it, best = 0, math.inf
    last = out / "checkpoints" / "last.pt"
    if last.is_file():
        state = ckpt.load_checkpoint(last)
        ckpt.load_state_checked(net, state["net"], "landmark network", last)
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict({**state["scheduler"], "lr_lambdas": [None]})
        it, best = int(state["iteration"]), float(state["best_nme"])
        ckpt.set_rng_state(state["rng"])
    out.mkdir(parents=True, exist_ok=True)
    log = CSVLog(out / "train_log.csv")
    log.truncate(it)  # a resumed run rewrites the rows after its checkpoint
    stop: list[int] = []
    old = {s: signal.signal(s, lambda signum, frame: stop.append(signum)) for s in (signal.SIGINT, signal.SIGTERM)}

    def save() -> None:
        state = {"format": ckpt.FORMAT, "net": net.state_dict(), "optimizer": opt.state_dict(), "iteration": it,
                 "best_nme": best,
                 "scheduler": {k: v for k, v in sched.state_dict().items() if k != "lr_lambdas"},
                 "rng": ckpt.rng_state(), "options": options}
        path = ckpt.save_checkpoint(out / "checkpoints" / f"iter_{it:07d}.pt", state)
        ckpt.link_as(path, last)
        ckpt.prune(out / "checkpoints", 2)

    bar = tqdm(total=cfg.iterations, initial=it, disable=not progress, desc=cfg.name)
    running, count, t0 = 0.0, 0, time.perf_counter()
    try:
        net.train()
        while it < cfg.iterations and not stop:
            epoch, offset = divmod(it, per_epoch)
            sampler.set_position(epoch, offset * cfg.data.batch_size)
            base.set_epoch(epoch)
            for batch in loader:
                faces, points = random_similarity(batch["hr"], batch["landmarks"], cfg.data.rotate, cfg.data.zoom,
                                                  cfg.data.shift)
                faces = random_degrade(faces, cfg.data.degrade)
                outs = net(faces, all_stacks=True)
                target = render_heatmaps(points, tuple(outs[-1].shape[-2:]), cfg.data.sigma,
                                         faces.shape[-1] / outs[-1].shape[-1])
                loss = sum(torch.nn.functional.mse_loss(o, target) for o in outs)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                it += 1
                running, count = running + loss.item(), count + 1
                bar.update(1)
                row: dict[str, Any] | None = None
                if it % cfg.log_every == 0 or it == cfg.iterations:
                    row = {"iteration": it, "loss": running / count,
                           "sec_per_it": (time.perf_counter() - t0) / count}
                    running, count, t0 = 0.0, 0, time.perf_counter()
                if (cfg.val_every > 0 and it % cfg.val_every == 0) or it == cfg.iterations:
                    score = evaluate(net, val)
                    net.train()
                    row = {**(row or {"iteration": it}), "val_nme": score}
                    bar.write(f"[{it}] validation NME {score:.4f} (best {min(best, score):.4f})")
                    if score < best:
                        best = score
                        save_landmark_net(net, options, out / "landmarks.safetensors", iteration=it, nme=score,
                                          sigma=cfg.data.sigma)
                if row is not None:
                    log.append(row)
                if it % cfg.checkpoint_every == 0 or it == cfg.iterations or stop:
                    save()
                if stop or it >= cfg.iterations:
                    break
    finally:
        bar.close()
        for s, h in old.items():
            signal.signal(s, h)
    return {"iteration": it, "best_nme": best, "weights": out / "landmarks.safetensors", "interrupted": bool(stop)}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if args else 2
    try:
        result = train_landmarks(load_landmark_config(args[0], args[1:]))
    except FacesrError as exc:
        print(f"facesr: error: {exc}", file=sys.stderr)
        return 2
    print(f"done: iteration {result['iteration']}, best validation NME {result['best_nme']:.4f} -> {result['weights']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
