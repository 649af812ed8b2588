"""The training engine: one loop for every recipe.

A run is this loop and a recipe (:mod:`facesr.training.recipes`, named by the config's ``recipe``;
``sr`` by default). The loop builds the networks the recipe declares, each with its optimiser,
scheduler, update ratio, gradient scaler and optional EMA, and owns everything around an iteration:
resume, time limits (re-planning the schedules), NaN rollback, signals, logs (CSV, TensorBoard),
checkpoints (atomic, pruned), validation, distributed training and precision (bf16, channels-last).
The recipe owns the iteration itself (``step(batch, iteration)``), its data and its validation score.

Iterations count from 1; a checkpoint at iteration ``k`` holds the state after ``k`` updates and
the data position follows from ``k``, so a resumed run continues exactly where it stopped.
"""

from __future__ import annotations

import os
import random
import signal
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..errors import ConfigError, FacesrError
from ..io.safety import creatable_folder, writable_folder
from ..log import get_logger
from . import checkpoint as ckpt
from .config import Config, NetConfig, dump_config
from .distributed import DistInfo, all_reduce_mean, all_reduce_sum, barrier, gather_objects, setup, teardown
from .ema import ModelEMA
from .logs import CSVLog, Progress, TensorBoard
from .optim import build_optimizer, build_scheduler
from .recipes import build_recipe
from .recipes.base import NonFinite

log = get_logger("training")


class TrainingError(FacesrError):
    """Training cannot go on (a non-finite loss with rollback off or exhausted, ...)."""


@dataclass
class TrainResult:
    iteration: int
    interrupted: bool = False
    signal: int | None = None
    best: dict[str, Any] = field(default_factory=dict)
    last_val: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] = field(default_factory=dict)
    output: Path = Path(".")


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"train.device is {name!r} but CUDA is not available")
    return torch.device(name)


def _scheduler_state(s: torch.optim.lr_scheduler.LambdaLR) -> dict[str, Any]:
    """Scheduler state without its factor function (rebuilt from the config on resume)."""
    return {k: v for k, v in s.state_dict().items() if k != "lr_lambdas"}


class Trainer:
    """Builds everything a :class:`~facesr.training.config.Config` describes and runs it: the loop
    around the config's recipe (``self.recipe``).

    ``resume``: ``True`` (the run folder's ``last.pt``, or a fresh start if there is none), a
    checkpoint path, or ``None``. ``train_set``: a dataset of ``{"lr", "hr", ...}`` dicts to use
    instead of ``data.train`` (benchmarks, tests); ``val_faces``: ``uint8 N x H x W x 3`` HR faces
    instead of ``data.val``.
    """

    def __init__(self, cfg: Config, *, resume: bool | str | os.PathLike[str] | None = None,
                 train_set: Any = None, val_faces: np.ndarray | None = None) -> None:
        self.cfg = cfg
        t = cfg.train
        if t.deterministic:
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
            torch.use_deterministic_algorithms(True)
            torch.backends.cudnn.benchmark = False
        if t.threads > 0:
            torch.set_num_threads(t.threads)
        self.device = _device(t.device)
        if self.device.type == "cuda" and not t.deterministic:
            torch.backends.cudnn.benchmark = True  # fixed input sizes: pick the fastest kernels once
        self.dist: DistInfo = setup(self.device.type)
        if self.dist.enabled and self.device.type == "cuda":
            self.device = torch.device("cuda", self.dist.local_rank)
        self.amp = bool(t.amp and self.device.type == "cuda")
        from .precision import Precision

        #: bf16 / channels-last settings; ``None`` until the start-up probe (``auto``) has run
        self.precision: Precision | None = None
        if self.amp or (t.precision != "auto" and t.channels_last != "auto"):
            self.precision = Precision("fp32" if self.amp else t.precision,
                                       False if self.amp else bool(t.channels_last), "config")
        elif t.deterministic:  # a choice by timing is not reproducible: auto means fp32, default layout
            self.precision = Precision("fp32" if t.precision == "auto" else t.precision,
                                       t.channels_last is True, "deterministic")
        self.out = Path(cfg.output)
        self.ckpt_dir = self.out / "checkpoints"
        creatable_folder(self.out, "run folder (output:)")  # before any work
        self._check_run_folder(resume)

        # the recipe and its networks --------------------------------------------------------------
        self.recipe = build_recipe(self)
        self.net_cfg: dict[str, NetConfig] = self.recipe.networks()
        self.nets: dict[str, nn.Module] = {}
        for name, nc in self.net_cfg.items():
            net = self.recipe.build_network(name, nc, cfg.seed + 1000 * len(self.nets))
            if nc.init:
                from ..models.weights import load_weights

                state, _ = load_weights(Path(nc.init).expanduser())
                ckpt.load_state_checked(net, state, name, nc.init)
            net = net.to(self.device)
            if nc.role == "frozen":
                net.requires_grad_(False).eval()
            self.nets[name] = net
        self._seed_rngs()
        self.ema = {n: ModelEMA(self.nets[n], nc.ema) for n, nc in self.net_cfg.items()
                    if nc.ema > 0 and nc.role != "frozen"}
        self.trained = [n for n, nc in self.net_cfg.items() if nc.role != "frozen"]
        self.wrapped: dict[str, nn.Module] = dict(self.nets)
        self.compiled: str | None = None  # the train.compile mode once applied (_settle_compile)
        self._cudagraphs = False
        if self.dist.enabled:
            for n in self.trained:
                ids = [self.device.index] if self.device.type == "cuda" else None
                self.wrapped[n] = nn.parallel.DistributedDataParallel(self.nets[n], device_ids=ids)

        # the recipe's losses, optimisers ------------------------------------------------------------
        self.recipe.setup()
        self.optimizers = {n: build_optimizer(self.nets[n].parameters(), self.net_cfg[n].optimizer)
                           for n in self.trained}
        self.schedulers = {n: build_scheduler(o, self.net_cfg[n].scheduler, t.iterations)
                           for n, o in self.optimizers.items()}
        self.scalers = {n: torch.amp.GradScaler("cuda", enabled=self.amp) for n in self.trained}

        # data ------------------------------------------------------------------------------------
        from torch.utils.data import DataLoader

        from .data import ResumableSampler, ignore_interrupts

        d = cfg.data.train
        self.train_set = train_set if train_set is not None else self.recipe.train_set()
        self.sampler = ResumableSampler(self.train_set, self.dist.world_size, self.dist.rank, cfg.seed)
        self.batch_size = d.batch_size
        self.iters_per_epoch = self.sampler.num_samples // d.batch_size
        self.recipe.check_data(given=train_set is not None)
        if self.iters_per_epoch < 1:
            raise ConfigError(f"data.train: {len(self.train_set)} images cannot fill one batch of {d.batch_size} "
                              f"per process ({self.dist.world_size} processes)")
        self.loader = DataLoader(self.train_set, batch_size=d.batch_size, sampler=self.sampler,
                                 num_workers=d.num_workers, drop_last=True,
                                 worker_init_fn=ignore_interrupts if d.num_workers > 0 else None,
                                 pin_memory=self.device.type == "cuda")
        #: scores the generator (``__call__(net)``, ``higher_better``, ``baseline``); ``None``: no validation
        self.validator = self.recipe.validator(val_faces) if cfg.data.val.enabled else None

        # state and logs --------------------------------------------------------------------------
        self.iteration = 0
        self.total = t.iterations  # the planned length (shorter when a time limit re-plans it)
        self.best: dict[str, Any] = {}
        self.rollbacks = 0
        self._stop: int | None = None
        self.train_log = self.val_log = None
        self.tb = None
        if self.dist.is_main:
            writable_folder(self.out, "run folder (output:)")
            from ..io import atomic_write

            self.train_log = CSVLog(self.out / "train_log.csv")
            self.val_log = CSVLog(self.out / "val_log.csv")
            self.tb = TensorBoard(self.out / "tensorboard", t.tensorboard)
        if resume:
            path = self.ckpt_dir / "last.pt" if resume is True else Path(resume)
            if path.is_file() or resume is not True:
                self.restore(path)
            elif self.dist.is_main:
                log.info(f"no checkpoint in {self.ckpt_dir}; starting a new run")
        if self.dist.is_main:  # only once the run is accepted: a refused --resume keeps the run's own config
            from ..io import atomic_write

            with atomic_write(self.out / "config.yaml") as tmp:
                tmp.write_text(dump_config(cfg), encoding="utf-8")
            # temporary files of checkpoint writes that a killed run left behind
            for left in self.ckpt_dir.glob(".*.tmp*") if self.ckpt_dir.is_dir() else ():
                left.unlink(missing_ok=True)

    # -- setup helpers ----------------------------------------------------------------------------
    def _check_run_folder(self, resume: Any) -> None:
        if not resume and (self.ckpt_dir / "last.pt").exists():
            raise ConfigError(f"{self.out} already holds a run (checkpoints/last.pt): pass --resume to continue "
                              "it, or set output= to a new folder")

    def _seed_rngs(self) -> None:
        s = self.cfg.seed + self.dist.rank
        torch.manual_seed(s)
        np.random.seed(s % 2**32)
        random.seed(s)

    # -- checkpoints ------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """The full training state (collective under torchrun: gathers every rank's RNG state)."""
        rng = gather_objects(ckpt.rng_state(), self.dist)
        return {
            "format": ckpt.FORMAT,
            "iteration": self.iteration,
            "config": dump_config(self.cfg),
            "model": self.recipe.model_record(),
            "nets": {n: net.state_dict() for n, net in self.nets.items()},
            "optimizers": {n: o.state_dict() for n, o in self.optimizers.items()},
            "schedulers": {n: _scheduler_state(s) for n, s in self.schedulers.items()},
            "scalers": {n: s.state_dict() for n, s in self.scalers.items()},
            "ema": {n: e.state_dict() for n, e in self.ema.items()},
            "rng": rng,
            "data": {"batch_size": self.batch_size, "world_size": self.dist.world_size,
                     "iters_per_epoch": self.iters_per_epoch},
            "best": dict(self.best),
            "rollbacks": self.rollbacks,
            "total": self.total,
            "iterations": self.cfg.train.iterations,
            "precision": self.precision.as_dict() if self.precision is not None else None,
        }

    def save(self, best: bool = False) -> Path | None:
        """Checkpoint the current iteration (numbered file + ``last.pt``; ``best.pt`` if ``best``)."""
        state = self.state()
        if not self.dist.is_main:
            return None
        path = ckpt.save_checkpoint(self.ckpt_dir / f"iter_{self.iteration:07d}.pt", state)
        ckpt.link_as(path, self.ckpt_dir / "last.pt")
        if best:
            ckpt.link_as(path, self.ckpt_dir / "best.pt")
        ckpt.prune(self.ckpt_dir, self.cfg.train.keep_checkpoints)
        return path

    def restore(self, path: str | os.PathLike[str]) -> None:
        """Load a checkpoint: weights, optimisers, schedulers, scalers, EMA, RNG states, position."""
        state = ckpt.load_checkpoint(path)
        ckpt.check_same_model(state, self.recipe.model_desc, path)
        missing = [n for n in self.nets if n not in state["nets"]]
        if missing:
            raise ckpt.CheckpointError(f"{path}: checkpoint has no weights for net(s) {', '.join(missing)}")
        for n, net in self.nets.items():
            ckpt.load_state_checked(net, state["nets"][n], n, path)
        try:
            for n, o in self.optimizers.items():
                o.load_state_dict(state["optimizers"][n])
            for n, s in self.schedulers.items():
                s.load_state_dict({**state["schedulers"][n], "lr_lambdas": [None] * len(s.lr_lambdas)})
            for n, s in self.scalers.items():
                if n in state["scalers"]:
                    s.load_state_dict(state["scalers"][n])
            for n, e in self.ema.items():
                e.load_state_dict(state["ema"][n])
        except (KeyError, ValueError, RuntimeError) as exc:
            raise ckpt.CheckpointError(f"{path}: optimiser/scheduler/EMA state does not fit this config "
                                       f"({type(exc).__name__}: {str(exc).splitlines()[0][:120]})") from None
        rng = state["rng"]
        if len(rng) != self.dist.world_size and self.dist.is_main:
            log.warning(f"checkpoint written by {len(rng)} process(es), resuming with {self.dist.world_size}: "
                        "random draws will differ from an uninterrupted run")
        ckpt.set_rng_state(rng[self.dist.rank] if self.dist.rank < len(rng) else rng[0])
        data = state.get("data", {})
        if data.get("batch_size") not in (None, self.batch_size) and self.dist.is_main:
            log.warning(f"checkpoint used batch size {data['batch_size']}, now {self.batch_size}: "
                        "the data position is approximate")
        self.iteration = int(state["iteration"])
        rec = state.get("precision")
        t = self.cfg.train
        if rec and not self.amp and "auto" in (t.precision, t.channels_last):  # keep the run's own choice
            from .precision import Precision

            self.precision = Precision(rec["dtype"] if t.precision == "auto" else t.precision,
                                       rec["channels_last"] if t.channels_last == "auto" else bool(t.channels_last),
                                       "checkpoint")
        total = int(state.get("total", self.total))
        if "iterations" in state and total >= int(state["iterations"]):
            total = self.cfg.train.iterations  # planned to its full length: a resume may ask for more (or fewer)
        self._set_total(total)  # else a time limit's re-plan, kept
        self.best = dict(state.get("best", {}))
        self.rollbacks = int(state.get("rollbacks", 0))
        if self.train_log is not None:
            self.train_log.truncate(self.iteration)
            self.val_log.truncate(self.iteration)

    # -- precision --------------------------------------------------------------------------------
    def _settle_precision(self) -> None:
        """Fix the run's precision and memory layout before the first step: the configured one, the
        checkpoint's, or the start-up probe's (``auto``); applied to every network, recorded in the run
        folder (``precision.json``) and printed."""
        from .precision import apply_layout, choose

        timings: dict[str, float] = {}
        if self.precision is None:
            from .data import collate_to

            batch = collate_to(next(iter(self.loader)), self.device)
            probe_net, x = self.recipe.probe(batch)
            t = self.cfg.train
            self.precision, timings = choose(t.precision, t.channels_last, self.device, probe_net, x)
        apply_layout(self.nets, self.precision)
        if self.dist.is_main:
            import json

            from ..io import atomic_write
            record = {**self.precision.as_dict(), "probe_ms": timings, "compile": self._compile_mode()}
            with atomic_write(self.out / "precision.json") as tmp:
                tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
            probe = "; probe " + ", ".join(f"{k} {v:.0f} ms" for k, v in timings.items()) if timings else ""
            log.info(f"training in {self.precision.dtype}"
                     f"{' channels-last' if self.precision.channels_last else ''} ({self.precision.how}{probe})")

    def _compile_mode(self) -> str | None:
        """What ``train.compile`` means for this run (device, planned iterations): a mode or ``None``."""
        from .compiling import compile_mode

        return compile_mode(self.cfg.train.compile, self.device.type, self.total)

    def _settle_compile(self) -> None:
        """``train.compile``: wrap the trained networks' calls in ``torch.compile`` (after the layout is set)."""
        from .compiling import compile_networks

        mode = self._compile_mode()
        if mode is None or self.compiled == mode:
            return
        self.wrapped = compile_networks(self.wrapped, self.trained, mode)
        self.compiled = mode
        self._cudagraphs = mode == "reduce-overhead" and self.device.type == "cuda"
        if self.dist.is_main:
            log.info(f"torch.compile ({mode}) of {', '.join(self.trained)}: the first steps compile")

    # -- what recipes use: autocast, due, update -----------------------------------------------------
    def autocast(self):
        """The context of the networks' forward passes: float16 under ``train.amp``, else the run's precision."""
        if self.amp:
            return torch.autocast("cuda", dtype=torch.float16)
        return self.precision.autocast(self.device) if self.precision is not None else nullcontext()

    def _step_net(self, name: str) -> None:
        opt, scaler = self.optimizers[name], self.scalers[name]
        nc = self.net_cfg[name]
        if nc.clip_grad > 0:
            scaler.unscale_(opt)
            nn.utils.clip_grad_norm_(self.nets[name].parameters(), nc.clip_grad)
        scaler.step(opt)
        scaler.update()

    def due(self, name: str, it: int) -> bool:
        """Whether network ``name`` is updated at iteration ``it`` (its ``every``: update ratio)."""
        return (it - 1) % self.net_cfg[name].every == 0

    def update(self, loss: torch.Tensor, names: list[str]) -> None:
        """Backpropagate ``loss`` (through the gradient scaler of ``names[0]``) and step the networks
        ``names`` (their gradients zeroed first; ``clip_grad`` applied)."""
        for n in names:
            self.optimizers[n].zero_grad(set_to_none=True)
        self.scalers[names[0]].scale(loss).backward()
        for n in names:
            self._step_net(n)

    # -- one iteration ----------------------------------------------------------------------------
    def step(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        """One iteration: the recipe's step, then every scheduler and EMA. Returns the loss values."""
        if self._cudagraphs:
            torch.compiler.cudagraph_mark_step_begin()  # the last step's graph outputs may be overwritten
        values = self.recipe.step(batch, it)
        for s in self.schedulers.values():
            s.step()
        for n, e in self.ema.items():
            e.update(self.nets[n])
        return values

    # -- validation -------------------------------------------------------------------------------
    def validate(self) -> dict[str, float]:
        if self.validator is None:
            return {}
        use_ema = self.cfg.data.val.use_ema and "generator" in self.ema
        net = self.ema["generator"].module if use_ema else self.nets["generator"]
        return self.validator(net)

    def _record_val(self, scores: dict[str, float]) -> bool:
        """Log validation scores; True when the first metric improved on the best so far."""
        key = self.cfg.data.val.metrics[0]
        value = scores[key]
        best = self.best.get("value")
        better = best is None or (value > best if self.validator.higher_better else value < best)
        if better:
            self.best = {"metric": key, "value": value, "iteration": self.iteration}
        if self.dist.is_main:
            row = {"iteration": self.iteration, **scores,
                   **{f"{self._baseline_name}_{k}": v for k, v in self.validator.baseline.items()}}
            self.val_log.append(row)
            self.tb.scalars(scores, self.iteration, "val")
        return better

    @property
    def _baseline_name(self) -> str:
        return getattr(self.validator, "baseline_name", "bicubic")

    def _val_line(self, it: int, scores: dict[str, float]) -> str:
        base = self.validator.baseline
        return f"[{it}] " + ", ".join(f"{k} {s:.4f}" + (f" ({self._baseline_name} {base[k]:.4f})" if k in base else "")
                                      for k, s in scores.items())

    # -- the loop ---------------------------------------------------------------------------------
    def _set_total(self, total: int) -> None:
        """Plan the run to ``total`` iterations: the loop's end and the schedules' length."""
        self.total = max(1, min(int(total), self.cfg.train.iterations))
        for s in self.schedulers.values():
            for f in s.lr_lambdas:
                f.total = self.total

    def _plan_to_time(self, it: int, seconds_per_it: float, seconds_left: float) -> None:
        """Plan the run to what ``seconds_left`` fits at the measured speed (5% margin), at most
        ``train.iterations``. A fresh run can only get shorter; a resumed run whose earlier time limit
        shortened it gets longer again when this invocation's time limit fits more."""
        fit = it + int(0.95 * seconds_left / max(seconds_per_it, 1e-9))
        fit = int(all_reduce_mean(torch.tensor([float(fit)], dtype=torch.float64), self.dist)[0])
        fit = min(fit, self.cfg.train.iterations)
        if fit != self.total:
            self._set_total(max(fit, it + 1))
            if self.dist.is_main:
                log.info(f"{seconds_per_it * 1e3:.1f} ms/iteration; the time limit fits {self.total} "
                         "iterations: schedules re-planned to end there")

    def _on_signal(self, signum, frame) -> None:  # noqa: ARG002
        self._stop = signum

    def fit(self) -> TrainResult:
        """Train to ``train.iterations``; on SIGINT/SIGTERM checkpoint and return ``interrupted``."""
        t = self.cfg.train
        handlers = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                handlers[sig] = signal.signal(sig, self._on_signal)
            except ValueError:  # not the main thread
                pass
        if t.time_limit > 0 and self.iteration >= self.total and self.total < t.iterations:
            # resumed after an earlier time limit ended the plan: plan again for this invocation's time
            # (the schedules continue on the longer plan once the speed is measured)
            self._set_total(t.iterations)
        self._settle_precision()
        self._settle_compile()
        progress = Progress(self.total, self.iteration, t.progress and self.dist.is_main, self.cfg.name)
        for net in self.nets.values():
            net.train()
        for n, nc in self.net_cfg.items():
            if nc.role == "frozen":
                self.nets[n].eval()
        result = TrainResult(self.iteration, output=self.out)
        if self.validator is not None:
            result.baseline = dict(self.validator.baseline)
        sums: dict[str, torch.Tensor] = {}
        count, t0 = 0, time.perf_counter()
        last_saved = self.iteration
        loop_start, first_it = t0, self.iteration
        plan_from: tuple[int, float] | None = None
        try:
            while self.iteration < self.total and self._stop is None:
                epoch, offset = divmod(self.iteration, self.iters_per_epoch)
                self.sampler.set_position(epoch, offset * self.batch_size)
                if hasattr(self.train_set, "set_epoch"):
                    self.train_set.set_epoch(epoch)
                rolled_back = False
                for batch in self.loader:
                    it = self.iteration + 1
                    bad: NonFinite | None = None
                    try:
                        values = self.step(batch, it)
                    except NonFinite as exc:
                        values, bad = {}, exc
                    nan = 1.0 if bad is not None else 0.0
                    now = time.perf_counter()
                    late = 1.0 if t.time_limit > 0 and now - loop_start >= t.time_limit else 0.0
                    stop = 1.0 if self._stop is not None else 0.0
                    if self.dist.enabled:
                        flags = all_reduce_sum(torch.tensor([nan, stop, late], dtype=torch.float64), self.dist)
                        nan, stop, late = float(flags[0]), float(flags[1]), float(flags[2])
                    if nan:
                        self._handle_nonfinite(bad or NonFinite(it, "a loss on another process"))
                        rolled_back = True
                        sums, count = {}, 0
                        last_saved = self.iteration
                        break
                    self.iteration = it
                    if late:
                        self._set_total(it)  # out of time: this is the last iteration
                    for k, v in values.items():
                        sums[k] = sums.get(k, torch.zeros((), dtype=torch.float64)) + v.detach().double().cpu()
                    count += 1
                    if t.time_limit > 0 and self.total > it:
                        done = it - first_it
                        if done == min(50, t.plan_after // 2):
                            plan_from = (it, now)
                        elif done == t.plan_after and plan_from is not None:
                            self._plan_to_time(it, (now - plan_from[1]) / (it - plan_from[0]),
                                               t.time_limit - (now - loop_start))
                            if progress.bar is not None:
                                progress.bar.total = self.total
                    if it % t.log_every == 0 or it == self.total:
                        self._log(sums, count, time.perf_counter() - t0, progress)
                        sums, count, t0 = {}, 0, time.perf_counter()
                    progress.update(1, float(values["loss"]) if "loss" in values else None)
                    v = self.cfg.data.val
                    val_due = self.validator is not None and ((v.every > 0 and it % v.every == 0)
                                                               or it == self.total)
                    improved = False
                    if val_due:
                        scores = self.validate()
                        result.last_val = scores
                        improved = self._record_val(scores)
                        if self.dist.is_main:
                            progress.write(self._val_line(it, scores))
                        self.recipe.on_validation(scores, improved)
                    if (t.checkpoint_every > 0 and it % t.checkpoint_every == 0) or it == self.total or \
                            improved or stop:
                        self.save(best=improved)
                        last_saved = it
                    if stop:
                        self._stop = self._stop or signal.SIGTERM
                        break
                    if it >= self.total:
                        break
                if rolled_back:
                    continue
            if self._stop is not None and last_saved != self.iteration:
                self.save()
        finally:
            progress.close()
            for sig, h in handlers.items():
                signal.signal(sig, h)
            if self.tb is not None:
                self.tb.close()
        barrier(self.dist)
        result.iteration = self.iteration
        result.interrupted = self._stop is not None and self.iteration < self.total
        result.signal = self._stop
        result.best = dict(self.best)
        return result

    def _log(self, sums: dict[str, torch.Tensor], count: int, seconds: float, progress: Progress) -> None:
        keys = sorted(sums)
        vec = torch.stack([sums[k] / count for k in keys]) if keys else torch.zeros(0, dtype=torch.float64)
        vec = all_reduce_mean(vec, self.dist)
        if not self.dist.is_main:
            return
        row: dict[str, Any] = {"iteration": self.iteration, "epoch": self.iteration // self.iters_per_epoch,
                               "lr": self.optimizers["generator"].param_groups[0]["lr"]}
        row.update({k: float(v) for k, v in zip(keys, vec)})
        row["sec_per_it"] = seconds / max(count, 1)
        self.train_log.append(row)
        self.tb.scalars({k: float(v) for k, v in zip(keys, vec)}, self.iteration, "train")

    def _handle_nonfinite(self, exc: NonFinite) -> None:
        t = self.cfg.train
        last = self.ckpt_dir / "last.pt"
        if t.on_nan == "stop" or self.rollbacks >= t.max_rollbacks or not last.is_file():
            why = ("rollback disabled (train.on_nan=stop)" if t.on_nan == "stop" else
                   f"{self.rollbacks} rollbacks already" if self.rollbacks >= t.max_rollbacks else
                   "no checkpoint to roll back to")
            raise TrainingError(f"non-finite {exc.what} at iteration {exc.iteration}; stopped ({why}). "
                                "Lower the learning rate, enable clip_grad, or set train.on_nan=rollback")
        rollbacks = self.rollbacks + 1
        barrier(self.dist)
        self.restore(last)
        self.rollbacks = rollbacks
        for n, s in self.schedulers.items():
            s.base_lrs = [b * t.rollback_lr_factor for b in s.base_lrs]
            for g, b in zip(self.optimizers[n].param_groups, s.base_lrs):
                g["lr"] = b * s.lr_lambdas[0](s.last_epoch)
        if self.dist.is_main:
            log.warning(f"non-finite {exc.what} at iteration {exc.iteration}; rolled back to iteration "
                        f"{self.iteration} with learning rates x{t.rollback_lr_factor}")

    def close(self) -> None:
        teardown(self.dist)

