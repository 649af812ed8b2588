"""Running the benchmark: LR by the protocol, each method at each scale, scores, complexity.

SR outputs are cached (compressed ``.npz`` of uint8 images) under
``$FACESR_CACHE/bench/<test-set digest>/<protocol>/x<scale>/<method key>.npz``, so re-running
or adding a metric does not recompute them; a changed checkpoint has a new key.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..metrics.protocols import Protocol, get_protocol
from .methods import MethodSpec, run_method


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

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("dataset", "protocol", "convention", "scales", "metrics", "n",
                                              "rows", "per_image", "names")}


def _digest(paths: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        st = p.stat()
        h.update(f"{p.name}\0{st.st_size}\0{int(st.st_mtime)}\n".encode())
    return h.hexdigest()[:16]


def _cached_run(cache: Path | None, spec: MethodSpec, lr: np.ndarray, names: list[str], scale: int,
                proto: Protocol, **kw: Any) -> np.ndarray:
    if cache is None:
        return run_method(spec, lr, scale, proto, **kw)
    key = spec.cache_key(scale)
    if kw.get("attributes") is not None:  # outputs depend on the attributes given
        key += "-a" + hashlib.sha256(np.ascontiguousarray(kw["attributes"]).tobytes()).hexdigest()[:12]
    path = cache / proto.name / f"x{scale}" / f"{key}.npz"
    if path.is_file():
        with np.load(path) as data:
            if list(data["names"]) == names:
                return data["sr"]
    sr = run_method(spec, lr, scale, proto, **kw)
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
) -> tuple[BenchResult, dict[str, Any]]:
    """Benchmark ``methods`` on the HR faces in ``hr_dir``.

    ``attributes``: what given-attribute methods (FSRSA, AACNN) get: ``auto``, the folder's labels
    (:mod:`.conditions`; unknown where a face has none), or ``none`` (every attribute unknown).

    Returns the result and, when ``keep_images``, the images for figures:
    ``{"hr": HR array, scale: {"lr": LR, label: SR array}}``.
    """
    from ..evaluation import evaluate_arrays
    from ..evaluation.runner import load_folder_pairs, parse_metric_names
    from ..paths import cache_dir

    if attributes not in ("auto", "none"):
        raise InputError(f"attributes must be 'auto' or 'none', got {attributes!r}")
    proto = get_protocol(protocol)
    metric_names = parse_metric_names(list(metrics) if metrics else None, proto)
    names, _, hr_list, paths = load_folder_pairs(None, hr_dir, progress=progress)
    assert hr_list is not None
    shapes = {img.shape for img in hr_list}
    if len(shapes) != 1:
        raise InputError(f"{hr_dir}: benchmark faces must share one size, found {sorted(shapes)[:3]}")
    hr = np.stack(hr_list)
    root = cache_dir("bench") / _digest(list(paths.values())) if cache else None
    result = BenchResult(dataset or Path(hr_dir).name, proto.name, proto.convention(), list(scales),
                         metric_names, len(names), names=names)
    images: dict[Any, Any] = {"hr": hr} if keep_images else {}
    info = {spec.label: _complexity(spec, scales) for spec in methods}
    scores: dict[str, dict[str, dict[str, float]]] = {spec.label: {} for spec in methods}
    from .conditions import folder_labels, method_attributes

    labels, source = ({}, "none")
    if attributes == "auto" and any(s.name != "bicubic" for s in methods):
        labels, source = folder_labels(hr_dir, names)
    for scale in scales:
        h, w = hr.shape[1:3]
        if h % scale or w % scale:
            raise InputError(f"{hr_dir}: {w}x{h} faces cannot be downscaled by x{scale}")
        lr = proto.make_lr(hr, scale)
        if keep_images:
            images[scale] = {"lr": lr}
        for spec in methods:
            attrs, note = method_attributes(spec, scale, labels, source, names, attributes)
            if note:
                info[spec.label]["note"] = note
            sr = _cached_run(root, spec, lr, names, scale, proto, batch_size=batch_size, device=device,
                             progress=progress, attributes=attrs)
            r = evaluate_arrays(list(sr), hr_list, names, scale=scale, protocol=proto, metrics=metric_names,
                                device=device, method=spec.label, paths=paths)
            scores[spec.label][str(scale)] = r.metrics
            result.per_image.setdefault(spec.label, {})[str(scale)] = r.per_image
            if keep_images:
                images[scale][spec.label] = sr
    for spec in methods:
        result.rows.append({"method": spec.label, "name": spec.name,
                            "checkpoint": str(spec.checkpoint) if spec.checkpoint else None,
                            "bundled": spec.bundled,
                            **info[spec.label], "scores": scores[spec.label]})
    return result, images
