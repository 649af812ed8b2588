"""Building a MOS study from a ``facesr bench --save-images`` folder.

The same ``n`` source images are taken for every method (drawn with ``seed``), optionally with the
HR image as a hidden reference. Each stimulus is copied into the study folder under an opaque random
name, so neither file names nor URLs reveal the method. Images are split into blocks of
``images_per_rater`` (all by default); each block is rated by ``raters_per_image`` raters, every
rater in their own random order (see :meth:`Store.order`).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from .store import Item, Store, check_id

REFERENCE = "HR (reference)"
BENCH_JSON = "bench.json"  # as written by facesr.benchmark.images (not imported: that pulls in torch)


def read_bench(bench_dir: str | os.PathLike[str]) -> tuple[Path, dict[str, Any]]:
    """``(folder, bench.json contents)`` of a benchmark folder with saved images; the ``images`` index is
    checked for its shape (every path in it is checked later, when used)."""
    root = Path(bench_dir)
    path = root / BENCH_JSON
    if not root.is_dir():
        raise InputError(f"{root}: benchmark folder not found")
    if not path.is_file():
        raise InputError(f"{root}: no {BENCH_JSON}; make one with: facesr bench ... --save-images {root}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(data, dict) or "images" not in data:
        raise InputError(f"{path}: has no 'images' index; rerun facesr bench with --save-images {root}")
    _check_index(data, path)
    return root, data


def _check_index(data: dict[str, Any], path: Path) -> None:
    """Refuse a ``bench.json`` whose index does not have the layout :mod:`facesr.benchmark.images` writes."""

    def need(ok: bool, what: str) -> None:
        if not ok:
            raise InputError(f"{path}: {what}; not a facesr bench --save-images index")

    def strings(d: Any) -> bool:
        return isinstance(d, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in d.items())

    index = data["images"]
    need(isinstance(index, dict), "'images' is not an object")
    need(strings(index.get("files")), "'images.files' is not a map of image names to file names")
    need(isinstance(index.get("hr"), str), "'images.hr' is not a folder name")
    scales = index.get("scales")
    need(isinstance(scales, dict) and bool(scales), "'images.scales' is missing or empty")
    for key, entry in scales.items():
        need(key.isdigit() and int(key) > 0, f"scale {key[:20]!r} is not a whole number")
        need(isinstance(entry, dict) and strings(entry.get("methods")),
             f"'images.scales.{key}.methods' is not a map of method labels to folders")
    names = data.get("names")
    need(isinstance(names, list) and all(isinstance(n, str) and n in index["files"] for n in names),
         "'names' is not a list of the image names in 'images.files'")
    need(len(set(names)) == len(names), "'names' lists an image twice")
    need(data.get("report_html") is None or isinstance(data["report_html"], str), "'report_html' is not a path")


def _stimulus(root: Path, sub: str, file: str, source: Path) -> Path:
    """The image ``root/sub/file`` named by ``source``: it must stay inside ``root`` (symlinks followed),
    have an image suffix and be a file (it is decoded when copied)."""
    from ..io import IMAGE_SUFFIXES
    from ..io.safety import resolve_inside

    path = resolve_inside(root, f"{sub}/{file}", source=source, what="image path")
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise InputError(f"{source}: {path} is not an image file ({', '.join(IMAGE_SUFFIXES)}); refused")
    if not path.is_file():
        raise InputError(f"{path}: image listed in {BENCH_JSON} is missing")
    return path


def create_study(
    store: Store,
    bench_dir: str | os.PathLike[str],
    *,
    methods: list[str] | None = None,
    scale: int | None = None,
    images: int | None = None,
    raters_per_image: int = 3,
    images_per_rater: int | None = None,
    reference: bool = False,
    seed: int = 0,
    study_id: str | None = None,
    title: str | None = None,
    folder: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Register a study in ``store`` and copy its stimuli; returns ``store.study(id)``."""
    root, bench = read_bench(bench_dir)
    index = bench["images"]
    scales = sorted(int(s) for s in index["scales"])
    if scale is None:
        if len(scales) != 1:
            raise InputError(f"{root}: the benchmark has scales {scales}; choose one with --scale")
        scale = scales[0]
    if scale not in scales:
        raise InputError(f"{root}: no x{scale} outputs (available: {', '.join(f'x{s}' for s in scales)})")
    available = index["scales"][str(scale)]["methods"]
    chosen = list(available) if not methods else methods
    unknown = [m for m in chosen if m not in available]
    if unknown:
        raise InputError(f"{root}: method(s) {', '.join(unknown)} not in the benchmark "
                         f"(available: {', '.join(available)})")
    if len(set(chosen)) != len(chosen):
        raise InputError(f"method named twice in {chosen}")
    names = list(bench["names"])
    if images is None:
        images = min(10, len(names))
    if images < 1 or images > len(names):
        raise InputError(f"--images must be 1..{len(names)} (images in the benchmark), got {images}")
    if not isinstance(seed, int) or seed < 0:
        raise InputError(f"--seed must be 0 or more, got {seed}")
    if raters_per_image < 1:
        raise InputError(f"--raters-per-image must be at least 1, got {raters_per_image}")
    per_rater = images if images_per_rater is None else images_per_rater
    if not 1 <= per_rater <= images:
        raise InputError(f"--images-per-rater must be 1..{images}, got {per_rater}")
    rng = np.random.default_rng(seed)
    picked = [names[i] for i in sorted(rng.choice(len(names), size=images, replace=False))]
    shuffled = [picked[i] for i in rng.permutation(len(picked))]
    blocks = {name: k // per_rater for k, name in enumerate(shuffled)}
    n_blocks = (images + per_rater - 1) // per_rater

    study_id = study_id or f"{_slug(bench.get('dataset', 'bench'))}-x{scale}-{secrets.token_hex(3)}"
    check_id(study_id, "study id")
    out = Path(folder) if folder else root / "mos" / study_id
    if out.is_dir() and any(out.iterdir()):
        raise InputError(f"{out}: study folder exists and is not empty")
    if study_id in {s["id"] for s in store.studies()}:
        raise InputError(f"study {study_id!r} already exists in {store.path}")
    sources = [(m, index["scales"][str(scale)]["methods"][m]) for m in chosen]
    if reference:
        sources.append((REFERENCE, index["hr"]))
    files = index["files"]
    plan = [(name, method, _stimulus(root, sub, files[name], root / BENCH_JSON))
            for name in picked for method, sub in sources]
    items = _copy_stimuli(plan, out, blocks)
    config = {
        "bench_dir": str(root.resolve()), "bench_json": str((root / BENCH_JSON).resolve()),
        "report_html": bench.get("report_html"), "dataset": bench.get("dataset"), "protocol": bench.get("protocol"),
        "scale": scale, "methods": chosen, "reference": reference, "images": picked,
        "raters_per_image": raters_per_image, "images_per_rater": per_rater, "blocks": n_blocks, "seed": seed,
        "scale_labels": "ACR 1-5 (Bad, Poor, Fair, Good, Excellent)",
    }
    title = title or f"{bench.get('dataset', 'benchmark')} x{scale}: image quality"
    store.add_study(study_id, title, out, config, items)
    return store.study(study_id)


def _copy_stimuli(plan: list[tuple[str, str, Path]], out: Path, blocks: dict[str, int]) -> list[Item]:
    """Decode every source image and store it as ``out/items/<token>.png`` (a PNG written here, whatever the
    source held); on any failure the files written so far are removed."""
    from ..io import read_image, write_image
    from ..io.safety import writable_folder, writing

    made = [d for d in (out, out / "items") if not d.exists()]
    writable_folder(out / "items", "study folder")
    items: list[Item] = []
    try:
        for name, method, src in plan:
            token = secrets.token_hex(6)
            item = Item(token, f"items/{token}.png", method, name, method == REFERENCE, blocks[name])
            pixels = read_image(src)
            with writing(out / item.file, "study image"):
                write_image(out / item.file, pixels)
            items.append(item)
    except BaseException:
        for item in items:
            (out / item.file).unlink(missing_ok=True)
        for d in reversed(made):
            with contextlib.suppress(OSError):
                d.rmdir()  # only folders made here, and only when empty
        raise
    return items


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")[:30] or "bench"
