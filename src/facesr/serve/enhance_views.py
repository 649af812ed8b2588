"""The enhance page and its JSON API: upload (or pick a sample), queue, poll, fetch the images."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_file

from ..errors import FacesrError
from .jobs import QueueFullError
from .models import available_models
from .samples import SAMPLES

bp = Blueprint("enhance", __name__)


def _jobs():
    return current_app.extensions["facesr_jobs"]


def _error(message: str, status: int = 400):
    return jsonify(error=message), status


@bp.get("/enhance")
def page():
    return render_template("enhance.html", models=available_models(), samples=SAMPLES,
                           max_upload_mb=current_app.config["FACESR_MAX_UPLOAD_MB"],
                           max_pixels=current_app.config["FACESR_MAX_PIXELS"])


def _decode_upload(upload) -> tuple[str, object]:
    """``(file name, uint8 H x W x 3)`` of an uploaded file; errors name the file."""
    from ..io import read_image_info

    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(upload.filename or "upload").name)[:100] or "upload"
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
    try:
        job = _jobs().submit(image, name=name, model=model, scale=scale)
    except QueueFullError as exc:
        return _busy(exc)
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
