"""The enhance page and its JSON API: upload (or pick a sample), queue, poll, fetch the images.

``POST /api/enhance`` takes ``image`` (or ``sample``), ``model`` and ``scale``, and optionally ``references``:
one or more photos of the same person. With them the job runs the reference path with the bundled reference
model (``ref-lite``; faces too large for it are restored by ``bfr-lite``, the scale is any the chosen model
offers), and the finished job lists, per face, what restored it and the references used (``faces``) and
identity warnings (``warnings``); a reference photo without a usable face is the job's one-line ``error``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_file

from ..errors import FacesrError
from .jobs import QueueFullError
from .models import available_models
from .samples import SAMPLES

bp = Blueprint("enhance", __name__)

#: the most reference photos one request may carry (the reference path uses up to 10 per face)
MAX_REFERENCE_PHOTOS = 10


def _jobs():
    return current_app.extensions["facesr_jobs"]


def _error(message: str, status: int = 400):
    return jsonify(error=message), status


@bp.get("/enhance")
def page():
    return render_template("enhance.html", models=available_models(), samples=SAMPLES,
                           max_upload_mb=current_app.config["FACESR_MAX_UPLOAD_MB"],
                           max_pixels=current_app.config["FACESR_MAX_PIXELS"],
                           reference_model=_reference_model(), max_references=MAX_REFERENCE_PHOTOS)


def _reference_model() -> str | None:
    """The bundled reference model that reference photos are used with (``None``: not installed)."""
    from ..pipeline.reference import default_reference_model

    return default_reference_model()


def _safe_name(upload) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", Path(upload.filename or "upload").name)[:100] or "upload"


def _save_references(uploads, folder: Path) -> list[str]:
    """Keep the uploaded reference photos in ``folder`` as sent (each checked to decode within the pixel
    limit); their names, made unique. Errors name the file."""
    from ..io import IMAGE_SUFFIXES, read_image_info

    names: list[str] = []
    for upload in uploads:
        name = _safe_name(upload).lstrip(".") or "reference"  # a hidden file would be skipped
        if Path(name).suffix.lower() not in IMAGE_SUFFIXES:
            name += ".png"  # the reference folder is read by suffix; the content decides the format
        stem, suffix, n = Path(name).stem, Path(name).suffix, 2
        while name in names:
            name, n = f"{stem}-{n}{suffix}", n + 1
        path = folder / name
        upload.save(path)
        try:
            read_image_info(path, max_pixels=current_app.config["FACESR_MAX_PIXELS"])
        except FacesrError as exc:
            raise FacesrError("reference photo " + str(exc).replace(str(path), name)) from None
        names.append(name)
    return names


def _decode_upload(upload) -> tuple[str, object]:
    """``(file name, uint8 H x W x 3)`` of an uploaded file; errors name the file."""
    from ..io import read_image_info

    name = _safe_name(upload)
    with tempfile.TemporaryDirectory(prefix="facesr-upload-") as tmp:
        path = Path(tmp) / name
        upload.save(path)
        try:
            info = read_image_info(path, max_pixels=current_app.config["FACESR_MAX_PIXELS"])
        except FacesrError as exc:
            raise FacesrError(str(exc).replace(str(path), name)) from None
    return name, info.rgb


@bp.post("/api/enhance")
def submit():
    models = {m["name"]: m for m in available_models()}
    model = request.form.get("model", "bicubic")
    if model not in models:
        return _error(f"unknown model {model[:40]!r} (available: {', '.join(sorted(models))})")
    scales = models[model]["scales"]
    choices = ", ".join(map(str, scales))
    try:
        scale = int(request.form.get("scale", "4"))
    except ValueError:
        return _error(f"scale of {model} must be one of {choices}")
    if scale not in scales:
        return _error(f"scale of {model} must be one of {choices}, got {scale}")
    try:
        _jobs().check_room()  # before decoding: a flood of uploads is refused cheaply
    except QueueFullError as exc:
        return _busy(exc)
    refs = [u for u in request.files.getlist("references") if u is not None and u.filename]
    if refs:
        if _reference_model() is None:
            return _error("reference photos need the bundled reference model (ref-lite), which is not in this "
                          "installation")
        if len(refs) > MAX_REFERENCE_PHOTOS:
            return _error(f"at most {MAX_REFERENCE_PHOTOS} reference photos, got {len(refs)}")
    upload = request.files.get("image")
    sample = request.form.get("sample", "")
    try:
        if upload is not None and upload.filename:
            name, image = _decode_upload(upload)
        elif sample:
            if sample not in SAMPLES:
                return _error(f"unknown sample {sample[:40]!r}")
            name, image = f"{sample}.png", SAMPLES[sample][1]()
        else:
            return _error("choose an image file to upload, or a sample")
    except FacesrError as exc:
        return _error(str(exc))
    h, w = image.shape[:2]
    limit = current_app.config["FACESR_MAX_OUTPUT_PIXELS"]
    if w * h * scale * scale > limit:
        return _error(f"{name}: the x{scale} result would be {w * scale}x{h * scale} pixels, above the limit of "
                      f"{limit / 1e6:.0f} MP; choose a smaller scale or image", 413)
    if not refs:
        try:
            job = _jobs().submit(image, name=name, model=model, scale=scale)
        except QueueFullError as exc:
            return _busy(exc)
        return jsonify(job.as_dict(_jobs().position(job))), 202
    folder = Path(tempfile.mkdtemp(prefix="references-", dir=_jobs().workdir))
    try:
        names = _save_references(refs, folder)
        job = _jobs().submit(image, name=name, model=_reference_model(), scale=scale, references=folder,
                             reference_names=names)
    except FacesrError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return _busy(exc) if isinstance(exc, QueueFullError) else _error(str(exc))
    return jsonify(job.as_dict(_jobs().position(job))), 202


def _busy(exc: QueueFullError):
    """503 with ``Retry-After``: the queue is full; nothing was kept of the request."""
    resp = jsonify(error=str(exc), retry_after=exc.retry_after)
    resp.status_code = 503
    resp.headers["Retry-After"] = str(exc.retry_after)
    return resp


@bp.get("/api/jobs/<job_id>")
def status(job_id: str):
    job = _jobs().get(job_id)
    if job is None:
        return _error(f"no enhance job {job_id[:40]!r} (results are kept for the last jobs only)", 404)
    return jsonify(job.as_dict(_jobs().position(job)))


@bp.get("/api/jobs/<job_id>/<kind>.png")
def image(job_id: str, kind: str):
    job = _jobs().get(job_id)
    if job is None or kind not in ("result", "bicubic", "input") or job.state != "done":
        abort(404)
    stem = Path(job.name).stem
    return send_file(_jobs().path(job, kind), mimetype="image/png", as_attachment="download" in request.args,
                     download_name=f"{stem}_x{job.scale}_{job.model}.png" if kind == "result" else f"{stem}_{kind}.png")
