"""The Flask application: index, enhance page (+ JSON API), MOS study pages, error pages.

Everything it shows comes from the package (``templates/``, ``static/``); no CDN or network asset.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, render_template, request

from ..mos.store import Store, StudyError

DEFAULT_MAX_UPLOAD_MB = 16.0
DEFAULT_MAX_PIXELS = 4_000_000  # input pixels accepted by the enhance page
DEFAULT_MAX_OUTPUT_PIXELS = 40_000_000
DEFAULT_MAX_QUEUE = 8  # enhance jobs waiting or running (each holds its decoded image in memory)
DEFAULT_KEEP = 20  # finished enhance results kept (docs/serve.md)


def create_app(db: str | os.PathLike[str], *, max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB,
               max_pixels: int = DEFAULT_MAX_PIXELS, max_output_pixels: int = DEFAULT_MAX_OUTPUT_PIXELS,
               workdir: str | os.PathLike[str] | None = None, detector: str = "dlib-hog",
               make_restorer: Any = None, max_queue: int = DEFAULT_MAX_QUEUE, keep: int = DEFAULT_KEEP) -> Flask:
    """The application over the ratings database ``db``; enhance results go to ``workdir`` (default: a
    temporary folder removed when the process exits). At most ``max_queue`` enhance jobs wait or run
    (more are answered 503 with ``Retry-After``); the newest ``keep`` results are kept."""
    from . import enhance_views, study_views
    from .jobs import JobQueue
    from .models import make_restorer as default_make_restorer

    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=int(max_upload_mb * 1024 * 1024),
        FACESR_MAX_UPLOAD_MB=max_upload_mb,
        FACESR_MAX_PIXELS=max_pixels,
        FACESR_MAX_OUTPUT_PIXELS=max_output_pixels,
        SEND_FILE_MAX_AGE_DEFAULT=0,
    )
    store = Store(db)
    app.extensions["facesr_store"] = store
    if workdir:
        work = Path(workdir)
    else:
        import atexit
        import shutil

        work = Path(tempfile.mkdtemp(prefix="facesr-serve-"))
        atexit.register(shutil.rmtree, work, ignore_errors=True)
    app.extensions["facesr_jobs"] = JobQueue(work, make_restorer or default_make_restorer, detector=detector,
                                             keep=keep, max_pending=max_queue)
    private = sorted({str(store.path), os.path.abspath(store.path), str(store.path.resolve())}, key=len, reverse=True)
    app.register_blueprint(enhance_views.bp)
    app.register_blueprint(study_views.bp)

    @app.get("/")
    def index():
        return render_template("index.html", studies=app.extensions["facesr_store"].studies())

    def wants_json() -> bool:
        return request.path.startswith("/api/")

    def error_page(status: int, message: str):
        for path in private:  # pages never show where the database lives on the server
            message = message.replace(path, "the ratings database")
        if wants_json():
            return jsonify(error=message), status
        return render_template("message.html", title="Error", message=message, status=status), status

    @app.errorhandler(StudyError)
    def study_error(exc: StudyError):
        return error_page(exc.status, str(exc))

    @app.errorhandler(413)
    def too_large(_exc):
        return error_page(413, f"upload refused: it is larger than the limit of {max_upload_mb:g} MB")

    @app.errorhandler(404)
    def not_found(_exc):
        return error_page(404, f"no page at {request.path}")

    @app.errorhandler(405)
    def not_allowed(_exc):
        return error_page(405, f"{request.method} is not allowed on {request.path}")

    return app
