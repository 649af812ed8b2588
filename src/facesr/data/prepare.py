"""``facesr data prepare``: align, crop and cache faces with their priors (see :mod:`.cache`).

Alignment modes:

* ``dataset`` — the dataset's own framing (CelebA: the DIC box; aligned sets: resize); landmarks,
  when asked for, are detected on the crop (or taken from the dataset when it ships 68/478 points).
* ``dic`` / ``ffhq`` — detect the face on the original image and align it to that template.
* ``auto`` — ``dataset`` unless the dataset holds unaligned photos, then ``dic``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ImageReadError, InputError
from ..io import write_image
from ..io.safety import writing
from .cache import (
    OPTIONS,
    SUMMARY,
    ManifestWriter,
    is_done,
    read_manifest,
    read_options,
    save_npz,
    write_json,
)
from .celeba import CELEBA_DIC_BOX
from .framing import crop_resize
from .records import FaceDataset, FaceRecord

ALIGN_MODES = ("auto", "dataset", "dic", "ffhq")


@dataclass
class PrepareOptions:
    """What to compute; stored in ``options.json`` so a re-run with other settings is refused."""

    dataset: str
    size: int = 128
    align: str = "auto"
    landmarks: bool = False
    parsing: bool = False
    identity: bool = False
    backend: str = "dlib-hog-cnn"
    sigma: float = 1.5
    kernel: str = "matlab"

    def check(self) -> None:
        if self.align not in ALIGN_MODES:
            raise InputError(f"--align must be one of {', '.join(ALIGN_MODES)}, got {self.align!r}")
        if not 16 <= self.size <= 4096:
            raise InputError(f"--size must be between 16 and 4096 pixels, got {self.size}")
        if not 0 < self.sigma < float("inf"):
            raise InputError(f"--sigma must be > 0 pixels, got {self.sigma}")
        from ..ops.resize import KERNELS

        if self.kernel not in KERNELS:
            raise InputError(f"--kernel must be one of {', '.join(KERNELS)}, got {self.kernel!r}")
        from ..faces.backends import FACE_BACKENDS

        FACE_BACKENDS.entry(self.backend)  # an unknown name is refused before options.json is written


def _crop_matrix(box: tuple[int, int, int, int], size: int) -> np.ndarray:
    left, top, right, bottom = box
    sx, sy = size / (right - left), size / (bottom - top)
    return np.array([[sx, 0.0, (0.5 - left) * sx - 0.5], [0.0, sy, (0.5 - top) * sy - 0.5]])


class Preparer:
    """Processes one record at a time; holds the face backend (created on first use)."""

    def __init__(self, dataset: FaceDataset, options: PrepareOptions):
        self.dataset = dataset
        self.opt = options
        self.align = options.align
        if self.align == "auto":
            self.align = "dic" if dataset.framing == "wild" else "dataset"
        if self.align == "dataset" and dataset.framing == "wild":
            raise InputError(f"{dataset.name} holds unaligned photos; use --align dic or --align ffhq")
        self.need_landmarks = options.landmarks or options.parsing or self.align in ("dic", "ffhq")
        self._backend = None

    @property
    def backend(self):
        if self._backend is None:
            from ..faces.backends import create_backend

            self._backend = create_backend(self.opt.backend)
        return self._backend

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()

    def _detect(self, image: np.ndarray):
        faces = [f for f in self.backend.detect(image) if f.landmarks is not None]
        if not faces:
            return None
        # the most confident face; ties broken by size
        return max(faces, key=lambda f: (f.score, (f.box[2] - f.box[0]) * (f.box[3] - f.box[1])))

    def _no_face(self, rec: FaceRecord, entry: dict[str, Any]) -> dict[str, Any]:
        return {**entry, "status": "no_face", "reason": f"{rec.path}: no face found by {self.opt.backend}"}

    def process(self, index: int, out: Path) -> dict[str, Any]:
        rec: FaceRecord = self.dataset.records[index]
        entry: dict[str, Any] = {"key": rec.key, "source": str(rec.path)}
        if rec.identity is not None:
            entry["identity"] = rec.identity
        if rec.attributes is not None:
            entry["attributes"] = rec.attributes
        try:
            image = self.dataset.image(index)
        except ImageReadError as exc:
            return {**entry, "status": "unreadable", "reason": str(exc)}
        try:
            return self._process(rec, index, image, entry, out)
        except ImageReadError as exc:
            return {**entry, "status": "unreadable", "reason": str(exc)}
        except InputError as exc:
            return {**entry, "status": "error", "reason": f"{rec.path}: {exc}"}

    def _process(self, rec: FaceRecord, index: int, image: np.ndarray, entry: dict[str, Any],
                 out: Path) -> dict[str, Any]:
        from ..faces.align import alignment_matrix, transform_points, warp_affine
        from ..priors.heatmaps import landmark_heatmaps
        from ..priors.parsing import parsing_from_landmarks

        size = self.opt.size
        lm = scheme = parsing = face_box = None
        if self.align == "dataset":
            h, w = image.shape[:2]
            box = CELEBA_DIC_BOX if self.dataset.framing == "celeba-dic" else (0, 0, w, h)
            use_own = rec.landmarks is not None and rec.landmark_scheme in ("ibug68", "mediapipe478")
            crop, lm, parsing = crop_resize(image, box, size, kernel=self.opt.kernel,
                                            landmarks=rec.landmarks if use_own else None,
                                            parsing=self.dataset.parsing(index))
            matrix = _crop_matrix(box, size)
            scheme = rec.landmark_scheme if use_own else None
            if self.need_landmarks and lm is None:
                face = self._detect(crop)
                if face is None:
                    return self._no_face(rec, entry)
                lm, scheme, face_box = face.landmarks, face.scheme, face.box
        else:
            face = self._detect(image)
            if face is None:
                return self._no_face(rec, entry)
            matrix = alignment_matrix(face.landmarks, self.align, size, face.scheme)
            crop = warp_affine(image, matrix, (size, size))
            lm, scheme = transform_points(face.landmarks, matrix), face.scheme
            corners = transform_points(np.array([face.box[:2], face.box[2:]]), matrix)
            face_box = (*corners.min(0), *corners.max(0))
        files: dict[str, str] = {"image": f"images/{rec.key}.png"}
        arrays: dict[str, np.ndarray] = {"matrix": matrix.astype(np.float64)}
        if lm is not None and (self.opt.landmarks or self.opt.parsing):
            arrays["landmarks"] = lm.astype(np.float32)
            arrays["scheme"] = np.array(scheme or "")
        if lm is not None and self.opt.landmarks:
            heat = landmark_heatmaps(lm, size, self.opt.sigma)
            arrays["heatmaps"] = np.rint(heat * 255).astype(np.uint8)
        if self.opt.parsing and parsing is None:
            parsing = parsing_from_landmarks(lm, size, scheme)
        if self.opt.identity:
            from ..priors.identity import identity_embedding

            box = tuple(int(round(v)) for v in face_box) if face_box is not None else None
            lm_id = lm if scheme == "ibug68" else None
            arrays["descriptor"] = identity_embedding(crop, box, lm_id).astype(np.float32)
        files["priors"] = f"priors/{rec.key}.npz"
        save_npz(out / files["priors"], **arrays)
        if self.opt.parsing and parsing is not None:
            files["parsing"] = f"parsing/{rec.key}.png"
            _write_label_png(out / files["parsing"], parsing)
        write_image(out / files["image"], crop)
        return {**entry, "status": "ok", **files, "scheme": scheme}


def _write_label_png(path: Path, labels: np.ndarray) -> None:
    from PIL import Image

    from ..io import atomic_write

    with atomic_write(path) as tmp:
        Image.fromarray(np.asarray(labels, dtype=np.uint8), mode="L").save(tmp, format="PNG")


_WORKER: Preparer | None = None


def _init_worker(dataset: FaceDataset, options: PrepareOptions) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # and terminates the pool
    global _WORKER
    _WORKER = Preparer(dataset, options)


def _work(job: tuple[int, str]) -> dict[str, Any]:
    assert _WORKER is not None
    return _WORKER.process(job[0], Path(job[1]))


def _stop_on_sigterm():
    """Turn SIGTERM into KeyboardInterrupt (so the run ends cleanly); returns the old handler."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame):
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, stop)


def remove_stale_temporaries(out: Path) -> int:
    """Delete temporary files an earlier run left when it was killed mid-write; returns how many."""
    stale = [p for p in out.rglob(".*.tmp*") if p.is_file()]
    for p in stale:
        p.unlink()
    return len(stale)


LOCK = ".prepare.lock"


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out`` (``out/.prepare.lock``) for one run; a second run is refused."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX: no lock
        yield
        return
    path = out / LOCK
    with writing(path, "lock file"), open(path, "a+b") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"{out}: another 'facesr data prepare' is working on this folder; wait for it to "
                             "finish, then run again to complete the cache") from None
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _check_folders(dataset: FaceDataset, out: Path) -> list[int]:
    """Indices of the records to prepare: ``out`` may lie inside the dataset folder (its files are then
    left out of the scan, so a re-run does not ingest the cache), but may not be it or hold it. Two
    records with one cache key (``a.jpg`` and ``a.png``) are refused, naming both files."""
    from ..io.safety import inside

    root = dataset.root
    if inside(root, out):
        raise InputError(f"--out {out} is or contains the dataset folder {root}; choose a folder of its own "
                         "(inside the dataset folder is fine)")
    keep = range(len(dataset))
    if inside(out, root):
        real_out = out.resolve()
        keep = [i for i in keep if not dataset.records[i].path.resolve().is_relative_to(real_out)]
    seen: dict[str, Path] = {}
    for i in keep:
        rec = dataset.records[i]
        if rec.key in seen:
            raise InputError(f"{seen[rec.key]} and {rec.path} would share the cache entry {rec.key!r} "
                             "(same name, other suffix); rename one of them")
        seen[rec.key] = rec.path
    if not keep:
        raise InputError(f"{root}: no images outside the cache folder {out}")
    return list(keep)


def prepare(dataset: FaceDataset, out: str | os.PathLike[str], options: PrepareOptions, *,
            limit: int | None = None, progress: bool = True, workers: int = 1) -> dict[str, int]:
    """Prepare (or finish preparing) the cache at ``out``; returns counts per status.

    ``workers`` > 1 processes images in that many processes (the manifest is still written by this
    one). Only one run may work on ``out`` at a time: a second one is refused (``out/.prepare.lock``).
    ``out`` may lie inside the dataset's folder; its files are never taken as images of the dataset.
    """
    from ..io.safety import writable_folder

    options.check()
    if limit is not None and limit < 1:
        raise InputError(f"--limit must be at least 1 image, got {limit}")
    if workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    out = Path(out)
    selected = _check_folders(dataset, out)
    writable_folder(out, "cache folder")
    with _locked(out):
        return _prepare(dataset, out, options, selected if limit is None else selected[:limit], progress, workers)


def _prepare(dataset: FaceDataset, out: Path, options: PrepareOptions, indices: list[int], progress: bool,
             workers: int) -> dict[str, int]:
    from tqdm import tqdm

    wanted = asdict(options)
    if (out / OPTIONS).is_file():
        old = read_options(out)
        diff = [f"{k}: {old.get(k)!r} vs {v!r}" for k, v in wanted.items() if old.get(k) != v]
        if diff:
            raise InputError(f"{out}: cache was prepared with other options ({'; '.join(diff)}); "
                             "use another --out")
    else:
        write_json(out / OPTIONS, wanted)
    remove_stale_temporaries(out)
    done = read_manifest(out)
    todo = [i for i in indices if not is_done(out, done.get(dataset.records[i].key))]
    counts: dict[str, int] = {}
    for entry in done.values():
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    start = time.perf_counter()
    pool = worker = None
    previous = _stop_on_sigterm()
    try:
        if workers > 1 and len(todo) > 1:
            import multiprocessing

            pool = multiprocessing.get_context("fork").Pool(workers, _init_worker, (dataset, options))
            results = pool.imap(_work, [(i, str(out)) for i in todo], chunksize=1)
        else:
            worker = Preparer(dataset, options)
            results = (worker.process(i, out) for i in todo)
        with ManifestWriter(out) as manifest:
            bar = tqdm(results, desc=f"prepare {dataset.name}", unit="img", disable=not progress,
                       initial=len(indices) - len(todo), total=len(indices))
            for entry in bar:
                manifest.add(entry)
                counts[entry["status"]] = counts.get(entry["status"], 0) + 1
                bar.set_postfix(counts, refresh=False)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if pool is not None:
            pool.terminate()
            pool.join()
            remove_stale_temporaries(out)
        if worker is not None:
            worker.close()
        final = read_manifest(out)
        summary = {"dataset": options.dataset, "root": str(dataset.root), "total": len(final),
                   "counts": {s: sum(1 for e in final.values() if e["status"] == s)
                              for s in sorted({e["status"] for e in final.values()})},
                   "failed": sorted(k for k, e in final.items() if e["status"] != "ok"),
                   "seconds_this_run": round(time.perf_counter() - start, 3)}
        write_json(out / SUMMARY, summary)
    return summary["counts"]
