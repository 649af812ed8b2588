"""MOS rating pages: a study's start page, one image at a time with ACR 1-5, pause/resume, done.

A rater's link ``/s/<study>/r/<rater>`` is all they need to resume: the next item is the first of
their (fixed, random) order without a stored rating. Ratings are posted as plain forms and answered
with a redirect (POST/redirect/GET), so reloading a page never resubmits; a replayed POST is
refused by the database's unique constraint and told so.
"""

from __future__ import annotations

import math
import secrets
import time
from pathlib import Path

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for

from ..mos.store import ACR_LABELS, ReplayedRatingError, Store, StudyError


def store() -> Store:
    """The study store of the running app (``create_app`` puts it in the app's extensions)."""
    from flask import current_app

    return current_app.extensions["facesr_store"]


bp = Blueprint("study", __name__)


def _cookie(study: str) -> str:
    return f"facesr_rater_{study}"


@bp.get("/s/<study>")
def start(study: str):
    info = store().study(study)
    rater = request.cookies.get(_cookie(study))
    if rater:
        try:
            store().rater_block(study, rater)
        except StudyError:
            rater = None
    return render_template("study_start.html", study=info, rater=rater, labels=ACR_LABELS)


@bp.post("/s/<study>/join")
def join(study: str):
    store().study(study)
    rater = secrets.token_urlsafe(9).replace("-", "x").replace("_", "y")
    label = request.form.get("name", "").strip()
    store().join(study, rater, label=label, user_agent=request.headers.get("User-Agent", ""))
    resp = redirect(url_for("study.rate", study=study, rater=rater), code=303)
    resp.set_cookie(_cookie(study), rater, max_age=180 * 24 * 3600, samesite="Lax", httponly=True)
    return resp


@bp.get("/s/<study>/r/<rater>")
def rate(study: str, rater: str):
    info = store().study(study)
    item, done, total = store().progress(study, rater)
    if item is None:
        return render_template("study_done.html", study=info, total=total)
    return render_template("rate.html", study=info, rater=rater, item=item, done=done, total=total,
                           labels=ACR_LABELS, shown_at=f"{time.time():.3f}")


@bp.post("/s/<study>/r/<rater>")
def submit(study: str, rater: str):
    info = store().study(study)
    form = request.form
    try:
        shown_at = float(form.get("shown_at", ""))
    except ValueError:
        shown_at = None
    if shown_at is not None and not (math.isfinite(shown_at) and 0 <= shown_at <= time.time() + 60):
        shown_at = None  # a forged or broken page time (inf, nan, the future): the rating counts, its time is unknown
    if "score" not in form:
        raise StudyError("no rating given: choose 1 (bad) to 5 (excellent)")
    try:
        store().rate(study, rater, form.get("item", ""), form["score"], shown_at=shown_at)
    except ReplayedRatingError as exc:
        _, done, total = store().progress(study, rater)
        return render_template("message.html", title="Already rated", status=409, message=str(exc),
                               next_url=url_for("study.rate", study=study, rater=rater),
                               detail=f"{done} of {total} done in {info['title']}"), 409
    return redirect(url_for("study.rate", study=study, rater=rater), code=303)


@bp.get("/s/<study>/r/<rater>/pause")
def pause(study: str, rater: str):
    info = store().study(study)
    _, done, total = store().progress(study, rater)
    return render_template("study_pause.html", study=info, rater=rater, done=done, total=total,
                           resume=url_for("study.rate", study=study, rater=rater, _external=True))


@bp.get("/s/<study>/i/<item>.png")
def image(study: str, item: str):
    info = store().study(study)
    match = next((i for i in store().items(study) if i.item == item), None)
    if match is None:
        abort(404)
    from ..io.safety import inside

    path = Path(info["folder"]) / match.file
    if path.suffix.lower() != ".png" or not inside(path, info["folder"]):
        abort(404)  # the database names a file that is not one of the study's stimuli
    if not path.is_file():
        raise StudyError(f"the stimulus file of item {item!r} is missing on the server")
    return send_file(path, mimetype="image/png")
