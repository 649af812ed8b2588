"""Enhance jobs, processed one at a time by a single worker thread.

A job holds an uploaded (already decoded) image; the worker runs the enhance pipeline and writes
``input.png``, ``bicubic.png`` (the plain upscale, the "before" of the slider) and ``result.png``
into the job's folder. A job with reference photos (a folder of the uploads) runs the reference path
(:func:`facesr.pipeline.reference.enhance_reference_report`, the bundled reference model) and reports, per
face, what restored it, the references used and identity warnings; the folder is removed once the job ran,
and server paths never reach the page (the photos are named as uploaded). Only the newest ``keep``
finished jobs are kept (in memory and on disk), and at most ``max_pending`` jobs wait or run at once: one
more is refused with :class:`QueueFullError`, which says when to try again (the web page answers 503 with a
``Retry-After`` header).
"""

from __future__ import annotations

import os
import queue
import secrets
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FacesrError


class QueueFullError(FacesrError):
    """The queue holds ``max_pending`` jobs already; ``retry_after``: seconds until one has likely run."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class Job:
    id: str
    name: str
    model: str
    scale: int
    image: np.ndarray | None = field(repr=False)
    state: str = "queued"  # queued -> running -> done | error
    error: str | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    output_size: tuple[int, int] | None = None  # (width, height)
    boxes: list[list[float]] = field(default_factory=list)  # face boxes on the output, (l, t, r, b) px
    faces_found: int = 0
    faces_restored: int = 0
    notes: list[str] = field(default_factory=list)
    references: Path | None = field(default=None, repr=False)  # folder of the reference photos (until run)
    reference_names: list[str] = field(default_factory=list)  # the reference photos, as uploaded
    faces: list[dict[str, Any]] = field(default_factory=list)  # reference jobs: per restored face
    warnings: list[str] = field(default_factory=list)  # reference jobs: identity warnings

    @property
    def is_reference(self) -> bool:
        return self.references is not None

    def as_dict(self, position: int) -> dict[str, Any]:
        base = f"/api/jobs/{self.id}"
        d: dict[str, Any] = {"id": self.id, "name": self.name, "model": self.model, "scale": self.scale,
                             "state": self.state, "error": self.error, "position": position}
        if self.state == "done":
            d.update(seconds=round((self.finished or 0) - (self.started or 0), 3), width=self.output_size[0],
                     height=self.output_size[1], boxes=self.boxes, faces_found=self.faces_found,
                     faces_restored=self.faces_restored, notes=self.notes,
                     result=f"{base}/result.png", bicubic=f"{base}/bicubic.png", input=f"{base}/input.png",
                     download=f"{base}/result.png?download=1")
        if self.is_reference:
            d["reference_photos"] = list(self.reference_names)
            if self.state == "done":
                d.update(faces=self.faces, warnings=self.warnings)
        return d


class JobQueue:
    """FIFO of enhance jobs with one worker; ``make_restorer(name)`` builds a restorer per model (cached)."""

    def __init__(self, workdir: Path, make_restorer: Callable[[str], Any], *, detector: str = "dlib-hog",
                 keep: int = 20, max_pending: int = 8):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.make_restorer = make_restorer
        self.detector = detector
        self.keep = keep
        self.max_pending = max_pending
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._queue: queue.Queue[Job] = queue.Queue()
        self._lock = threading.Lock()
        self._enhancers: dict[str, Any] = {}
        self._worker: threading.Thread | None = None
        #: ``(image, scale, folder, model=, detector=, source=) -> (out, EnhanceReport, [FaceReferences])``
        self.enhance_reference: Callable[..., Any] | None = None

    def submit(self, image: np.ndarray, *, name: str, model: str, scale: int,
               references: Path | None = None, reference_names: list[str] | None = None) -> Job:
        """Queue a job; :class:`QueueFullError` when ``max_pending`` jobs are waiting or running.
        ``references``: a folder of reference photos (``reference_names``: their names as uploaded), run by
        reference model ``model``; the folder is the queue's from then on (removed once the job ran)."""
        if references is not None and reference_names is None:
            reference_names = sorted(p.name for p in Path(references).iterdir())
        job = Job(secrets.token_hex(8), name, model, int(scale), image, references=references,
                  reference_names=list(reference_names or []))
        with self._lock:
            self._check_room()
            self.jobs[job.id] = job
            self._prune()
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="facesr-enhance", daemon=True)
                self._worker.start()
        self._queue.put(job)
        return job

    def check_room(self) -> None:
        """:class:`QueueFullError` when a job submitted now would be refused (checked before decoding an upload)."""
        with self._lock:
            self._check_room()

    def _check_room(self) -> None:
        pending = sum(1 for j in self.jobs.values() if j.state in ("queued", "running"))
        if pending >= self.max_pending:
            wait = self._retry_after()
            raise QueueFullError(f"the server is busy ({pending} enhance jobs waiting or running); "
                                 f"try again in {wait} s", wait)

    def _retry_after(self) -> int:
        """Seconds until a place is likely free (the running job ends): the mean time of the last finished
        jobs, 10 s when none finished yet, within 1..300."""
        times = [j.finished - j.started for j in self.jobs.values() if j.finished and j.started][-5:]
        per_job = sum(times) / len(times) if times else 10.0
        return int(min(300, max(1, round(per_job))))

    def _prune(self) -> None:
        """Drop the finished jobs beyond the newest ``keep`` (with their files); call with the lock held."""
        finished = [j for j in self.jobs.values() if j.state in ("done", "error")]
        for old in finished[: max(0, len(finished) - self.keep)]:
            self.jobs.pop(old.id, None)
            shutil.rmtree(self.workdir / old.id, ignore_errors=True)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self.jobs.get(job_id)

    def position(self, job: Job) -> int:
        """Jobs that run before this one (0 when it is running or finished)."""
        if job.state != "queued":
            return 0
        with self._lock:
            return sum(1 for j in self.jobs.values() if j.state in ("queued", "running") and j.created < job.created)

    def path(self, job: Job, kind: str) -> Path:
        return self.workdir / job.id / f"{kind}.png"

    def _enhancer(self, model: str):
        if model not in self._enhancers:
            from ..pipeline import Enhancer

            self._enhancers[model] = Enhancer(self.make_restorer(model), detector=self.detector)
        return self._enhancers[model]

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            job.state, job.started = "running", time.time()
            try:
                self._process(job)
                job.state = "done"
            except Exception as exc:  # noqa: BLE001 - reported to the page, never kills the worker
                job.error = str(exc) if isinstance(exc, FacesrError) else f"enhance failed: {type(exc).__name__}: {exc}"
                job.state = "error"
            finally:
                job.finished = time.time()
                job.image = None
                if job.references is not None:
                    shutil.rmtree(job.references, ignore_errors=True)
                    if job.error:
                        job.error = _private(job.error, job.references)
                with self._lock:
                    self._prune()
                self._queue.task_done()

    def _process(self, job: Job) -> None:
        from ..io import write_image
        from ..pipeline.enhance import background

        assert job.image is not None
        if job.references is not None:
            out, report = self._reference(job)
        else:
            out, report = self._enhancer(job.model).enhance_array(job.image, job.scale)
        folder = self.workdir / job.id
        write_image(folder / "input.png", job.image)
        write_image(folder / "bicubic.png", background(job.image, job.scale))
        write_image(folder / "result.png", out)
        job.output_size = (int(out.shape[1]), int(out.shape[0]))
        job.boxes = [[float(v) * job.scale for v in b] for b in report.boxes]
        job.faces_found, job.faces_restored, job.notes = report.faces_found, report.faces_restored, report.notes

    def _reference(self, job: Job):
        """The reference path on ``job``: the result and report; fills ``job.faces`` and ``job.warnings``."""
        run = self.enhance_reference
        if run is None:
            from ..pipeline.reference import enhance_reference_report as run
        assert job.references is not None and job.image is not None
        out, report, faces = run(job.image, job.scale, job.references, model=job.model, detector=self.detector,
                                 source=job.name)
        job.faces, job.warnings = [], []
        for i, face in enumerate(faces):
            rec = face.to_dict()
            for r in rec["references"]:
                r["file"] = _private(r["file"], job.references)
            rec["warnings"] = [_private(w, job.references) for w in rec["warnings"]]
            job.warnings += [f"face {i}: {w}" for w in rec["warnings"]]
            job.faces.append(rec)
        return out, report


def _private(text: str, folder: Path) -> str:
    """``text`` without the server's folder of reference photos: files by their uploaded names, the folder
    itself as "reference photos"."""
    for root in sorted({str(folder), str(Path(folder).resolve())}, key=len, reverse=True):
        text = text.replace(root + os.sep, "").replace(root, "reference photos")
    return text
