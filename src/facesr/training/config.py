"""Training configuration: YAML files loaded into typed dataclasses.

Unknown keys are errors with a did-you-mean suggestion; ``key=value`` overrides (dotted paths,
values parsed as YAML) apply before validation. See ``docs/training.md`` for every field.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .recipe_names import split_recipe


@dataclass
class OptimizerConfig:
    """``type``: adam, adamw, sgd or rmsprop; the other fields are the optimiser's arguments."""

    type: str = "adam"
    lr: float = 1e-4
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    momentum: float = 0.0
    alpha: float = 0.99  # rmsprop smoothing constant
    nesterov: bool = False


@dataclass
class SchedulerConfig:
    """Iteration-based learning-rate factor.

    ``type``: constant, step (x ``gamma`` every ``step_size``), multistep (x ``gamma`` at each of
    ``milestones``), cosine (to ``min_factor`` at the last iteration), linear (constant until
    ``start``, then linearly to ``min_factor`` at the end; SPARNet's schedule). ``warmup``:
    linear warm-up iterations (factor from ``warmup_factor`` to 1).
    """

    type: str = "constant"
    step_size: int = 0
    milestones: tuple[int, ...] = ()
    gamma: float = 0.5
    start: int = 0
    min_factor: float = 0.0
    warmup: int = 0
    warmup_factor: float = 0.0


@dataclass
class NetConfig:
    """One network of the run.

    ``model``: zoo name (:func:`facesr.models.create`); ``part``: a part of that method
    (``discriminator``); ``options``: constructor overrides. ``role``: ``generator`` (the SR
    network), ``critic`` (trained by its own adversarial loss: the ``losses`` term named by
    ``loss``, plus ``gp_weight`` x WGAN-GP penalty), ``joint`` (trained by the generator's loss:
    e.g. a prior estimator fed ``input`` whose output is the loss input ``output``) or ``frozen``.
    ``every``: update every N iterations (update ratio). ``ema``: decay of an exponential
    moving average of the weights (0: none). ``clip_grad``: max gradient norm (0: none).
    ``condition``: ``lr`` feeds the critic ``(upsampled lr, image)`` concatenated (SPGAN's D).
    ``init``: start from these weights (``.safetensors`` or a checkpoint; fine-tuning), not a resume.
    """

    model: str = ""
    part: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    role: str = "generator"
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    every: int = 1
    ema: float = 0.0
    clip_grad: float = 0.0
    loss: str | None = None
    gp_weight: float = 0.0
    condition: str | None = None
    input: str = "sr"
    output: str | None = None
    init: str | None = None


@dataclass
class TrainDataConfig:
    """Training pairs: ``dataset`` (registry name) at ``root`` (default: the data root's folder), or
    ``prepared``: the ``facesr data prepare`` folder at ``root`` (aligned faces with landmarks);
    images ``[start, start+limit)``; LR by ``degradation`` (``bicubic``, ``blind``, ...) with
    ``kernel``; ``size`` HR pixels; ``flip`` probability; ``priors`` for prior losses; ``crop_box``
    (name or 4 integers) and ``jitter`` ``[shift_x, shift_y, zoom]`` (source pixels, fraction): the
    crop of a dataset reader's images, moved and scaled at random per sample; ``rotate``: the
    standard deviation (degrees) of a random roll of each face about the crop centre. ``also``: more
    datasets trained on together with this one, each a mapping of ``dataset``, ``root``, ``start``,
    ``limit``, ``crop_box``, ``jitter``, ``rotate`` (the rest as here). A run of ``scale: 1`` (a restorer
    of full-size faces) trains on the preset's own sampled scales with the LR resized back to ``size``.
    ``prepare``: for ``dataset: prepared``, what ``facesr data prepare`` writes at ``root`` before training
    when it is not there yet (a mapping of its options: ``dataset``, ``landmarks``, ``parsing``,
    ``identity``, ``backend``, ``align``, ``sigma``; the first ``start + limit`` images), so a config
    that needs prepared priors runs as shipped."""

    dataset: str = "celeba"
    root: str | None = None
    start: int = 0
    limit: int | None = None
    size: int = 128
    degradation: str = "bicubic"
    kernel: str = "matlab"
    flip: float = 0.5
    priors: tuple[str, ...] = ()
    batch_size: int = 16
    num_workers: int = 0
    preload: bool = False
    crop_box: Any = None
    jitter: Any = None
    rotate: float = 0.0
    also: tuple[dict[str, Any], ...] = ()
    prepare: dict[str, Any] | None = None


@dataclass
class ValConfig:
    """Validation every ``every`` iterations (0: only at the end) on ``dataset`` images
    ``[start, start+limit)`` under the named ``protocol``; ``metrics`` (the first one picks the
    best checkpoint); ``use_ema``: validate the EMA weights when there are any. ``degradation``: a preset
    (``blind``, ``realworld``, ...) that makes the validation LR instead of the protocol's bicubic, at
    ``degradation_scale`` (the run's scale when unset), seeded per face by ``degradation_seed``; for a
    run of ``scale: 1`` (a restorer of full-size faces) the LR is resized back to the HR size."""

    dataset: str = "celeba1000"
    root: str | None = None
    start: int = 0
    limit: int | None = 100
    every: int = 1000
    protocol: str = "facesr"
    crop_box: Any = None
    metrics: tuple[str, ...] = ("psnr", "ssim")
    batch_size: int = 16
    use_ema: bool = True
    enabled: bool = True
    degradation: str | None = None
    degradation_scale: float | None = None
    degradation_seed: int = 0


@dataclass
class DataConfig:
    train: TrainDataConfig = field(default_factory=TrainDataConfig)
    val: ValConfig = field(default_factory=ValConfig)


@dataclass
class TrainConfig:
    """The loop: ``iterations``; ``log_every``; ``checkpoint_every`` (and on Ctrl-C/SIGTERM);
    ``keep_checkpoints`` numbered files besides ``last.pt``/``best.pt``; ``amp`` (CUDA float16 with a
    gradient scaler); ``precision``: ``auto``, ``fp32`` or ``bf16`` autocast with float32 master weights,
    and ``channels_last``: ``auto``, true or false (:mod:`facesr.training.precision`: ``auto`` probes the
    generator's step at start-up and keeps bf16 / channels-last only where they are native and faster);
    ``deterministic`` (torch deterministic algorithms); ``threads`` (CPU threads, 0: torch's
    default); ``device``: auto, cpu, cuda; ``on_nan``: ``stop`` or ``rollback`` (reload the last
    checkpoint and scale learning rates by ``rollback_lr_factor``, at most ``max_rollbacks``).
    ``time_limit``: seconds of training loop in this invocation (0: none); the run then stops there
    (validation, checkpoint) and, after ``plan_after`` iterations, shortens ``iterations`` to what
    the measured speed fits in the limit, so that decaying schedules (cosine, linear) end on time.
    Resumed with a time limit, a run re-plans to this invocation's time (longer again, at most
    ``iterations``, when an earlier limit had shortened it). ``compile``: ``torch.compile`` the trained
    networks' training calls: false (default), true (inductor's default mode), a mode name
    (``reduce-overhead``: CUDA graphs, ``max-autotune``, ...) or ``auto`` (``reduce-overhead`` on CUDA for
    runs of at least :data:`facesr.training.compiling.AUTO_MIN_ITERATIONS` iterations, else eager: on
    the CPU it did not pay back its compile time, docs/training.md)."""

    iterations: int = 1000
    log_every: int = 10
    checkpoint_every: int = 1000
    keep_checkpoints: int = 2
    amp: bool = False
    deterministic: bool = False
    threads: int = 0
    device: str = "auto"
    on_nan: str = "stop"
    max_rollbacks: int = 3
    rollback_lr_factor: float = 0.5
    progress: bool = True
    tensorboard: bool = True
    time_limit: float = 0.0
    plan_after: int = 300
    precision: str = "auto"
    channels_last: Any = "auto"
    compile: Any = False


@dataclass
class Config:
    """A training run: ``generator`` and optional other ``nets``, the ``losses`` (weighted terms,
    :class:`facesr.losses.WeightedLoss`), ``data``, ``train`` loop settings, ``output`` folder.
    ``recipe``: what one iteration does (:mod:`facesr.training.recipes`): a name (``sr``, the default)
    or a mapping of ``type`` (the name) and the recipe's options."""

    name: str = "run"
    output: str = "runs/run"
    scale: int = 8
    seed: int = 0
    recipe: Any = "sr"
    generator: NetConfig = field(default_factory=NetConfig)
    nets: dict[str, NetConfig] = field(default_factory=dict)
    losses: dict[str, dict[str, Any]] = field(default_factory=dict)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


_ROLES = ("generator", "critic", "joint", "frozen")


# -- dict -> dataclass ---------------------------------------------------------------------------
def _unknown(key: str, known: list[str], where: str) -> ConfigError:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return ConfigError(f"unknown config key {where + key!r}{hint} (known here: {', '.join(known)})")


def _convert(value: Any, tp: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _convert(value, a, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{where}: bad value {value!r}")
    if dataclasses.is_dataclass(tp):
        return from_dict(tp, value, where)
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where.rstrip('.')}: expected a mapping, got {value!r}")
        _, vt = typing.get_args(tp)
        return {str(k): _convert(v, vt, f"{where}{k}.") for k, v in value.items()}
    if origin is tuple:
        if isinstance(value, (str, int, float)):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where.rstrip('.')}: expected a list, got {value!r}")
        args = typing.get_args(tp)
        item_t = args[0]
        if len(args) == 2 and args[1] is not Ellipsis:
            if len(value) != 2:
                raise ConfigError(f"{where.rstrip('.')}: expected 2 values, got {value!r}")
            return tuple(_convert(v, a, where) for v, a in zip(value, args))
        return tuple(_convert(v, item_t, where) for v in value)
    name = where.rstrip(".")
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{name}: expected true or false, got {value!r}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ConfigError(f"{name}: expected an integer, got {value!r}")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)  # YAML 1.1 reads 1e-4 as a string
            except ValueError:
                pass
        raise ConfigError(f"{name}: expected a number, got {value!r}")
    if tp is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        raise ConfigError(f"{name}: expected a string, got {value!r}")
    return value


def from_dict(cls: type, data: Any, where: str = "") -> Any:
    """Build dataclass ``cls`` from a mapping, checking keys and types (``where``: key prefix)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where.rstrip('.') or 'config'}: expected a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for key, value in data.items():
        if key not in names:
            raise _unknown(str(key), names, where)
        kwargs[key] = _convert(value, hints[key], f"{where}{key}.")
    return cls(**kwargs)


def to_dict(cfg: Any) -> Any:
    """A dataclass config as plain YAML-able data (tuples as lists)."""
    if dataclasses.is_dataclass(cfg):
        return {f.name: to_dict(getattr(cfg, f.name)) for f in dataclasses.fields(cfg)}
    if isinstance(cfg, dict):
        return {k: to_dict(v) for k, v in cfg.items()}
    if isinstance(cfg, (list, tuple)):
        return [to_dict(v) for v in cfg]
    return cfg


# -- overrides and loading -----------------------------------------------------------------------
#: top-level key naming the files a config inherits from (a path relative to the file, or a list)
BASE_KEY = "_base_"
#: a value that removes an inherited key (``key: _delete_``; ``key=_delete_`` as an override); inside a
#: mapping, ``_delete_: true`` makes the mapping replace the inherited one instead of merging into it
DELETE = "_delete_"


def apply_override(data: dict[str, Any], item: str) -> None:
    """Apply ``a.b.c=value`` to nested ``data`` in place (``value`` parsed as YAML; ``_delete_``
    removes the key, so that the field's default applies)."""
    import yaml

    if "=" not in item:
        raise ConfigError(f"override {item!r} is not key=value (e.g. train.iterations=100)")
    key, raw = item.split("=", 1)
    parts = [p for p in key.strip().split(".") if p]
    if not parts:
        raise ConfigError(f"override {item!r} has an empty key")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as exc:
        raise ConfigError(f"override {item!r}: value is not valid YAML ({exc.__class__.__name__})") from None
    delete = value == DELETE
    node = data
    for p in parts[:-1]:
        nxt = node.get(p)
        if nxt is None:
            if delete:
                return
            nxt = node[p] = {}
        if not isinstance(nxt, dict):
            raise ConfigError(f"override {item!r}: {p!r} is not a mapping")
        node = nxt
    if delete:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value


def merge_config(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """``child`` deep-merged over ``base`` (a new mapping; neither argument changes).

    Mappings merge key by key, recursively; lists and scalars replace. A value ``_delete_`` removes
    the inherited key; a mapping holding ``_delete_: true`` replaces the inherited mapping whole.
    """
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, str) and value == DELETE:
            out.pop(key, None)
        elif isinstance(value, dict) and value.get(DELETE) is True:
            out[key] = merge_config({}, {k: v for k, v in value.items() if k != DELETE})
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_config(out[key], value)
        elif isinstance(value, dict):
            out[key] = merge_config({}, value)  # drops stray _delete_ markers
        else:
            out[key] = value
    return out


@functools.cache
def _unique_key_loader():
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        """Safe YAML whose mappings refuse a key given twice (YAML keeps the last one silently)."""

        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} given twice", key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return UniqueKeyLoader


def _read_yaml(p: Path) -> dict[str, Any]:
    """One YAML file as a mapping; errors name the file."""
    import yaml

    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text (byte {exc.start}); save the config as UTF-8") from None
    try:
        data = yaml.load(text, Loader=_unique_key_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{p}:{where} invalid YAML ({getattr(exc, 'problem', exc)})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: a config is a YAML mapping")
    return data


def _base_names(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise ConfigError(f"{where}: {BASE_KEY} must be a file name or a list of file names, got {value!r}")
    return names


def _with_bases(data: dict[str, Any], folder: Path, where: str,
                chain: tuple[tuple[Path, str], ...]) -> dict[str, Any]:
    """``data`` (read from ``where``) merged over its ``_base_`` files, relative ones read from
    ``folder``, recursively; ``chain``: the (resolved, shown) paths of the files including this one."""
    data = dict(data)
    merged: dict[str, Any] = {}
    for name in _base_names(data.pop(BASE_KEY, None), where):
        path = Path(os.path.expanduser(name))
        if not path.is_absolute():
            path = folder / path
        path = Path(os.path.normpath(path))
        if not path.is_file():
            raise ConfigError(f"{where}: {BASE_KEY} file {name!r} not found ({path})")
        key = path.resolve()
        seen = [k for k, _ in chain]
        if key in seen:
            loop = [shown for _, shown in chain[seen.index(key):]] + [str(path)]
            raise ConfigError(f"{where}: {BASE_KEY} cycle: {' -> '.join(loop)}")
        merged = merge_config(merged, _with_bases(_read_yaml(path), path.parent, str(path),
                                                  (*chain, (key, str(path)))))
    return merge_config(merged, data)


def read_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The mapping a config file describes: its YAML with its ``_base_`` files merged in, recursively
    (:func:`merge_config`), before overrides and validation. Errors name the file at fault."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: config file not found")
    return _with_bases(_read_yaml(p), p.parent, str(p), ((p.resolve(), str(p)),))


def validate(cfg: Config) -> Config:
    """Cross-field checks that types alone cannot express."""
    if cfg.scale < 1:
        raise ConfigError(f"scale must be positive, got {cfg.scale}")
    split_recipe(cfg.recipe)
    if not cfg.generator.model:
        raise ConfigError("generator.model is required (a zoo name, e.g. rcan)")
    if cfg.generator.role != "generator":
        raise ConfigError("generator.role must be 'generator'")
    for name, net in cfg.nets.items():
        if net.role not in _ROLES[1:]:
            raise ConfigError(f"nets.{name}.role must be one of {', '.join(_ROLES[1:])}, got {net.role!r}")
        if not net.model:
            raise ConfigError(f"nets.{name}.model is required")
        if net.role == "critic" and (net.loss is None or net.loss not in cfg.losses):
            raise ConfigError(f"nets.{name}.loss must name the adversarial term in 'losses' "
                              f"(have: {', '.join(cfg.losses) or 'none'})")
        if net.role == "joint" and not net.output:
            raise ConfigError(f"nets.{name}.output must name the context key its output feeds (e.g. prior_pred)")
    for net in [cfg.generator, *cfg.nets.values()]:
        if net.every < 1:
            raise ConfigError(f"every must be >= 1, got {net.every}")
        if not 0.0 <= net.ema < 1.0:
            raise ConfigError(f"ema must be in [0, 1), got {net.ema}")
    if not cfg.losses:
        raise ConfigError("losses: at least one loss term is needed (e.g. {pixel: {type: l1}})")
    t = cfg.train
    if t.iterations < 1:
        raise ConfigError(f"train.iterations must be >= 1, got {t.iterations}")
    if t.threads < 0:
        raise ConfigError(f"train.threads must be >= 0 (0: torch's default), got {t.threads}")
    for net in [cfg.generator, *cfg.nets.values()]:
        lr = net.optimizer.lr
        if not (lr > 0 and lr < float("inf")):  # also NaN
            raise ConfigError(f"optimizer lr must be a positive number, got {lr}")
    if not 0.0 <= cfg.data.train.flip <= 1.0:
        raise ConfigError(f"data.train.flip is a probability in [0, 1], got {cfg.data.train.flip}")
    from .precision import check_setting

    check_setting(t.precision, t.channels_last)
    from .compiling import check_compile

    check_compile(t.compile)
    if t.on_nan not in ("stop", "rollback"):
        raise ConfigError(f"train.on_nan must be stop or rollback, got {t.on_nan!r}")
    if t.device not in ("auto", "cpu", "cuda") and not t.device.startswith("cuda:"):
        raise ConfigError(f"train.device must be auto, cpu or cuda, got {t.device!r}")
    if cfg.data.train.batch_size < 1:
        raise ConfigError("data.train.batch_size must be >= 1")
    return cfg


def config_from_dict(data: dict[str, Any], overrides: list[str] | tuple[str, ...] = (),
                     base_dir: str | os.PathLike[str] | None = None) -> Config:
    """Build and validate a config from a mapping: its ``_base_`` files (relative to ``base_dir``,
    default the working directory) merged in, then the ``key=value`` overrides applied."""
    import copy

    folder = Path(base_dir) if base_dir is not None else Path.cwd()
    data = copy.deepcopy(_with_bases(data, folder, "config", ()))
    for item in overrides:
        apply_override(data, item)
    return validate(from_dict(Config, data))


def load_config(path: str | os.PathLike[str], overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Read a YAML config with the files it inherits from (``_base_``), apply ``key=value`` overrides
    and validate it."""
    p = Path(path)
    data = read_config(p)
    try:
        return config_from_dict(data, overrides)
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc}") from None


def dump_config(cfg: Config) -> str:
    import yaml

    return yaml.safe_dump(to_dict(cfg), sort_keys=False)
