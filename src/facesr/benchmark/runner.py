"""Running the benchmark: LR by the protocol, each method at each scale, scores, complexity.

SR outputs are cached (compressed ``.npz`` of uint8 images) under
``$FACESR_CACHE/bench/<test-set digest>/<protocol>/x<scale>/<method key>.npz``, so re-running
or adding a metric does not recompute them; a changed checkpoint has a new key. A degraded track
(``degradation=``, :class:`~facesr.benchmark.datasets.Track`) caches under
``<protocol>/<track>-seed<N>-<LR digest>/x<scale>/``: outputs of two degradations or seeds never mix.

A method that cannot run a scale (no weights or no design for it, e.g. ``rcan-lite`` at x1) gets no score
there (a dash in the tables) and a note, not an error.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..metrics.protocols import Protocol, get_protocol
from .datasets import DEGRADED_METRICS, Track
from .methods import MethodSpec, run_method
from .regions import OCCLUDED_PSNR, mean_score, occluded_psnr


@dataclass
class BenchResult:
    """Scores of every method at every scale, with what is needed to print Table 7 and the report."""

    dataset: str
    protocol: str
    convention: str
    scales: list[int]
    metrics: list[str]
    n: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    per_image: dict[str, dict[str, dict[str, dict[str, float | None]]]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    #: the degraded track (name, seed, description, step specs and every face's record per scale);
    #: ``None`` for the protocol's bicubic LR (and then absent from :meth:`as_dict`)
    degradation: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in ("dataset", "protocol", "convention", "scales", "metrics", "n",
                                             "rows", "per_image", "names")}
        if self.degradation is not None:
            out["degradation"] = self.degradation
        return out


def _digest(paths: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        st = p.stat()
        h.update(f"{p.name}\0{st.st_size}\0{int(st.st_mtime)}\n".encode())
    return h.hexdigest()[:16]


def _recorded_scale(spec: MethodSpec) -> int | None:
    """The scale a checkpoint's file records (``None``: bicubic, bundled, or not recorded)."""
    if spec.checkpoint is None:
        return None
    st = spec.checkpoint.stat()
    return _file_scale(str(spec.checkpoint), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=64)
def _file_scale(path: str, mtime_ns: int, size: int) -> int | None:
    """Read once per file version (a training checkpoint is loaded whole to read its description)."""
    from .methods import weights_description

    rec = weights_description(path).get("scale")
    return int(rec) if rec else None


def cannot_run(spec: MethodSpec, scale: int, *, references: bool = False) -> str | None:
    """Why ``spec`` cannot run at ``scale`` (no weights or no design for it; a guided method when the mode gives
    no ``references``), or ``None`` when it can."""
    if spec.name == "bicubic":
        return None
    from ..models import model_info
    from ..models.weights import format_scales, get_pretrained

    if not references and model_info(spec.name).get("references"):  # ref-lite, MEFSR, CPGAN: Table 8 mode
        return "restores with reference photos of the person: score it with facesr bench --reference"
    if spec.bundled:
        have = get_pretrained(spec.bundled).scales
        return None if scale in have else f"no x{scale} weights ({format_scales(have)})"
    info = model_info(spec.name)
    designed = tuple(info.get("scales", ()))
    if designed and scale not in designed:
        return f"no x{scale} design ({format_scales(designed)})"
    if info.get("prior_weights"):  # a search over a prior's weights (PULSE): the file serves every scale
        return None
    rec = _recorded_scale(spec)
    if rec is not None and rec != scale and not info.get("full_size"):
        return f"weights for x{rec}"
    return None


def _run(spec: MethodSpec, lr: np.ndarray, scale: int, proto: Protocol, **kw: Any) -> np.ndarray:
    """:func:`run_method`, and the cases it does not cover: at x1 the bicubic row is the (degraded) input
    itself; a full-size network's checkpoint (one weights file for every scale, e.g. ``bfr:FILE``) runs at
    a scale other than the one its file records, its input upsampled from that scale's LR size."""
    if spec.name == "bicubic" and scale == 1:
        return lr.copy()
    rec = _recorded_scale(spec)
    if rec is not None and rec != scale:
        from ..models import model_info

        if model_info(spec.name).get("full_size"):
            from ..models.base import for_inference
            from ..models.weights import build_network, super_resolve_batched

            device = kw.get("device", "cpu")
            net = for_inference(build_network(spec, rec), device)
            return super_resolve_batched(net, lr, kernel=proto.up_kernel, batch_size=kw.get("batch_size", 16),
                                         device=device, input_mode="upsampled", scale=scale, flip=spec.flip,
                                         progress=f"{spec.label} x{scale}" if kw.get("progress") else None)
    return run_method(spec, lr, scale, proto, **kw)


def _cached_run(cache: Path | None, spec: MethodSpec, lr: np.ndarray, names: list[str], scale: int,
                proto: Protocol, track: str | None = None, **kw: Any) -> np.ndarray:
    if cache is None or (spec.name == "bicubic" and scale == 1):
        return _run(spec, lr, scale, proto, **kw)
    key = spec.cache_key(scale)
    if kw.get("attributes") is not None:  # outputs depend on the attributes given
        key += "-a" + hashlib.sha256(np.ascontiguousarray(kw["attributes"]).tobytes()).hexdigest()[:12]
    folder = cache / proto.name if track is None else cache / proto.name / track
    path = folder / f"x{scale}" / f"{key}.npz"
    if path.is_file():
        with np.load(path) as data:
            if list(data["names"]) == names:
                return data["sr"]
    sr = _run(spec, lr, scale, proto, **kw)
    path.parent.mkdir(parents=True, exist_ok=True)
    from ..io import atomic_write

    with atomic_write(path) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, sr=sr, names=np.array(names))
    return sr


def _complexity(spec: MethodSpec, scales: Sequence[int]) -> dict[str, Any]:
    """Family, display name, Params and MACs (at x8, or the first benchmarked scale the weights have)
    of the network the weights describe."""
    if spec.name == "bicubic":
        return {"family": "baseline", "display": "Bicubic", "params": None, "params_survey": None,
                "gmacs": None}
    from ..models import model_complexity, model_info

    info = model_info(spec.name)
    options: dict[str, Any] = {}
    at = 8
    try:
        if spec.bundled:
            from ..models.bundled import get_bundled

            have = get_bundled(spec.bundled).scales
            at = 8 if 8 in have else next((s for s in scales if s in have), have[0])
        path = spec.weights_for(at)
        if path is not None:
            from .methods import weights_description

            options = weights_description(path).get("options", {})
        c = model_complexity(spec.name, scale=at, **options)
        params, ps, g = c.params, c.params_survey, c.gmacs
    except Exception:  # complexity is informative; a failure must not stop the benchmark
        params = ps = g = None
    t7 = info.get("table7")
    suffix = "" if spec.checkpoint is None else f" ({spec.checkpoint.stem})"
    display = f"{spec.bundled} (bundled {info['display']})" if spec.bundled else info["display"] + suffix
    if spec.flip:  # two passes per face
        display += ", flip ensemble"
        g = None if g is None else 2 * g
    default = not options
    return {"family": info["family"], "display": display, "params": params, "params_survey": ps, "gmacs": g,
            "survey_params": getattr(t7, "params", None) if default else None,
            "survey_flops": getattr(t7, "flops", None) if default else None}


def run_bench(
    hr_dir: str | os.PathLike[str],
    methods: Sequence[MethodSpec],
    *,
    scales: Sequence[int] = (4, 8, 16),
    protocol: str | Protocol = "facesr",
    metrics: Sequence[str] | None = None,
    dataset: str | None = None,
    batch_size: int = 16,
    device: str = "cpu",
    cache: bool = True,
    progress: bool = True,
    keep_images: bool = False,
    attributes: str = "auto",
    degradation: str | Track | None = None,
    seed: int = 0,
    limit: int | None = None,
) -> tuple[BenchResult, dict[str, Any]]:
    """Benchmark ``methods`` on the HR faces in ``hr_dir`` (the first ``limit`` of them in name order if given).

    ``attributes``: what given-attribute methods (FSRSA, AACNN) get: ``auto``, the folder's labels
    (:mod:`.conditions`; unknown where a face has none), or ``none`` (every attribute unknown).

    ``degradation``: ``None`` (LR by the protocol's bicubic kernel), a track name of
    :data:`~facesr.benchmark.datasets.TRACKS` (``blind``, ``realworld``, ``deblur``, ...) seeded per face from
    ``seed``, or a :class:`~facesr.benchmark.datasets.Track` (e.g. one replayed from records). The bicubic
    row upsamples the degraded LR with the protocol's kernel; at x1 (restore only: the degraded face at full
    size) it is the degraded face itself. Metrics default to
    :data:`~facesr.benchmark.datasets.DEGRADED_METRICS`; the records of every face go in
    ``result.degradation``.

    Returns the result and, when ``keep_images``, the images for figures:
    ``{"hr": HR array, scale: {"lr": LR, label: SR array}}``.
    """
    from ..evaluation import evaluate_arrays
    from ..evaluation.runner import load_folder_pairs, parse_metric_names
    from ..paths import cache_dir

    if attributes not in ("auto", "none"):
        raise InputError(f"attributes must be 'auto' or 'none', got {attributes!r}")
    proto = get_protocol(protocol)
    track = _track(degradation, seed, proto)
    if track is None and any(int(s) < 2 for s in scales):
        raise InputError(f"scales must be integers >= 2 for the bicubic protocol (x1 needs a degradation), "
                         f"got {list(scales)}")
    if metrics is None and track is not None:
        metrics = DEGRADED_METRICS
    metric_names = parse_metric_names(list(metrics) if metrics else None, proto)
    names, _, hr_list, paths = load_folder_pairs(None, hr_dir, progress=progress)
    assert hr_list is not None
    if limit is not None:
        if limit < 1:
            raise InputError(f"limit must be 1 or more, got {limit}")
        names, hr_list = names[:limit], hr_list[:limit]
        paths = {n: paths[n] for n in names}
    shapes = {img.shape for img in hr_list}
    if len(shapes) != 1:
        raise InputError(f"{hr_dir}: benchmark faces must share one size, found {sorted(shapes)[:3]}")
    hr = np.stack(hr_list)
    root = cache_dir("bench") / _digest(list(paths.values())) if cache else None
    occluded = track is not None and track.name == "occlusion"
    result = BenchResult(dataset or Path(hr_dir).name, proto.name, proto.convention(), list(scales),
                         metric_names + ([OCCLUDED_PSNR] if occluded else []), len(names), names=names)
    images: dict[Any, Any] = {"hr": hr} if keep_images else {}
    info = {spec.label: _complexity(spec, scales) for spec in methods}
    scores: dict[str, dict[str, dict[str, float]]] = {spec.label: {} for spec in methods}
    from .conditions import folder_labels, method_attributes

    labels, source = ({}, "none")
    if attributes == "auto" and any(s.name != "bicubic" for s in methods):
        labels, source = folder_labels(hr_dir, names)
    files = [paths[n].relative_to(Path(hr_dir)).as_posix() for n in names] if track is not None else []
    records: dict[str, Any] = {}
    for scale in scales:
        h, w = hr.shape[1:3]
        if h % scale or w % scale:
            raise InputError(f"{hr_dir}: {w}x{h} faces cannot be downscaled by x{scale}")
        if track is None:
            lr, sub = proto.make_lr(hr, scale), None
        else:
            lr, records[str(scale)] = track.make_lr(hr, names, files, scale)
            sub = track.cache_folder(lr)
        if keep_images:
            images[scale] = {"lr": lr}
        for spec in methods:
            why = cannot_run(spec, scale)
            if why:
                info[spec.label].setdefault("missing", []).append(f"x{scale}: {why}")
                continue
            attrs, note = method_attributes(spec, scale, labels, source, names, attributes)
            if note:
                info[spec.label]["note"] = note
            sr = _cached_run(root, spec, lr, names, scale, proto, track=sub, batch_size=batch_size,
                             device=device, progress=progress, attributes=attrs)
            r = evaluate_arrays(list(sr), hr_list, names, scale=scale, protocol=proto, metrics=metric_names,
                                device=device, method=spec.label, paths=paths)
            if occluded:  # the completion track: PSNR over the occluded pixels too (.regions)
                per = occluded_psnr(list(sr), hr_list, names, records[str(scale)], scale, proto)
                r.metrics[OCCLUDED_PSNR] = mean_score(per)
                for n, v in per.items():
                    r.per_image[n][OCCLUDED_PSNR] = v
            scores[spec.label][str(scale)] = r.metrics
            result.per_image.setdefault(spec.label, {})[str(scale)] = r.per_image
            if keep_images:
                images[scale][spec.label] = sr
    for spec in methods:
        missing = info[spec.label].pop("missing", None)
        if missing:  # a dash in the tables, said in the row's note
            said = "; ".join(missing) + " (shown as -)"
            info[spec.label]["note"] = f"{info[spec.label]['note']}; {said}" if info[spec.label].get("note") else said
        result.rows.append({"method": spec.label, "name": spec.name,
                            "checkpoint": str(spec.checkpoint) if spec.checkpoint else None,
                            "bundled": spec.bundled,
                            **info[spec.label], "scores": scores[spec.label]})
    if track is not None:
        result.degradation = {
            "name": track.name, "seed": track.seed, "kernel": track.kernel, "description": track.describe(),
            "replayed_from": track.source,
            "steps": {str(s): track.degradation(s).specs for s in scales} if track.replay is None else None,
            "records": records,
        }
    return result, images


def _track(degradation: str | Track | None, seed: int, proto: Protocol) -> Track | None:
    if degradation is None or isinstance(degradation, Track):
        return degradation
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"seed must be an integer >= 0, got {seed!r}")
    return Track(str(degradation), seed, proto.lr_kernel)
