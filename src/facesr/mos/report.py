"""``facesr mos report``: MOS per method with 95% CIs, rater agreement, correlation with the bench metrics.

Agreement is Krippendorff's alpha over the items (ordinal level as the headline, interval and
nominal beside it), which allows any number of raters per item and missing ratings. Correlations
are Spearman and Pearson between MOS and each metric of the benchmark JSON, per item (one point
per image x method; the hidden HR reference has no scores and is left out) and per method (MOS
vs the metric's mean over the study's images).
"""

from __future__ import annotations

import html
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from .stats import correlation, krippendorff_alpha, mean_ci
from .store import Store


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _bench_scores(config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``per_image[method][image][metric]`` at the study's scale, and the metric names (may be empty).

    Only numbers are taken from the file; anything else in it is left out."""
    path = Path(config.get("bench_json") or "")
    if not path.is_file():
        return {}, []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a facesr bench JSON (not an object)")
    s = str(config["scale"])
    raw = data.get("per_image")
    per: dict[str, Any] = {}
    for m, by_scale in (raw.items() if isinstance(raw, dict) else ()):
        images = by_scale.get(s) if isinstance(by_scale, dict) else None
        per[m] = {img: {k: _number(v) for k, v in scores.items()}
                  for img, scores in (images.items() if isinstance(images, dict) else ()) if isinstance(scores, dict)}
    metrics = data.get("metrics")
    return per, [k for k in metrics if isinstance(k, str)] if isinstance(metrics, list) else []


#: what ``facesr bench --html`` writes at the top of its report (see :mod:`facesr.benchmark.report`)
_REPORT_MARK = "<title>facesr benchmark</title>"


def recorded_report(config: dict[str, Any]) -> Path | None:
    """The bench HTML report a study's ``bench.json`` named (``None`` when it named none), once checked by
    :func:`check_bench_report` and found to be an absolute ``.html`` path. A crafted ``bench.json`` could
    name any file; ``mos report`` only ever rewrites a facesr benchmark report."""
    value = config.get("report_html")
    if value is None:
        return None
    source = config.get("bench_json") or "bench.json"
    if not isinstance(value, str) or not Path(value).is_absolute():
        raise InputError(f"{source}: report_html {str(value)[:200]!r} is not an absolute path; refused "
                         "(pass --html REPORT.html or --no-html)")
    return check_bench_report(Path(value), f"named in {source}")


def check_bench_report(path: Path, named: str = "given with --html") -> Path:
    """``path`` if it is a regular ``.html`` file (not a symlink) written by ``facesr bench --html``."""
    if not path.exists():
        raise InputError(f"{path}: benchmark HTML report ({named}) not found; pass --html or --no-html")
    ok = path.suffix.lower() in (".html", ".htm") and path.is_file() and not path.is_symlink()
    if ok:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                head = fh.read(4096)
        except OSError:
            head = ""
        ok = head.lstrip().lower().startswith("<!doctype html") and _REPORT_MARK in head
    if not ok:
        raise InputError(f"{path}: the HTML report {named} is not a facesr benchmark report; refused "
                         "(pass --html REPORT.html or --no-html)")
    return path


def compute_report(store: Store, study: str) -> dict[str, Any]:
    """Everything ``mos report`` prints and writes, as JSON-able data."""
    info = store.study(study)
    cfg = info["config"]
    ratings = store.ratings(study)
    items = store.items(study)
    by_method: dict[str, list[int]] = defaultdict(list)
    by_item: dict[str, list[int]] = defaultdict(list)
    per_rater: dict[str, int] = defaultdict(int)
    for r in ratings:
        by_method[r["method"]].append(r["score"])
        by_item[r["item"]].append(r["score"])
        per_rater[r["rater"]] += 1
    methods = list(cfg["methods"]) + ([m for m in {i.method for i in items if i.reference}] if cfg["reference"]
                                      else [])
    per_image, metrics = _bench_scores(cfg)
    rows = []
    for m in methods:
        row: dict[str, Any] = {"method": m, "ratings": len(by_method[m]),
                               "items": sum(1 for i in items if i.method == m)}
        if by_method[m]:
            ci = mean_ci(by_method[m])
            row.update(mos=ci.mean, ci95=ci.half_width, sd=ci.sd, low=ci.low, high=ci.high)
        else:
            row.update(mos=None, ci95=None, sd=None, low=None, high=None)
        for k in metrics:
            vals = [per_image.get(m, {}).get(img, {}).get(k) for img in cfg["images"]]
            vals = [v for v in vals if v is not None and np.isfinite(v)]
            row[k] = float(np.mean(vals)) if vals else None
        rows.append(row)
    item_mos = {i: float(np.mean(v)) for i, v in by_item.items()}
    corr: dict[str, Any] = {}
    for k in metrics:
        pts = [(item_mos[i.item], per_image[i.method][i.image][k]) for i in items
               if i.item in item_mos and not i.reference
               and per_image.get(i.method, {}).get(i.image, {}).get(k) is not None]
        meth = [(r["mos"], r[k]) for r in rows if r["mos"] is not None and r.get(k) is not None]
        corr[k] = {"per_item": correlation([a for a, _ in pts], [b for _, b in pts]),
                   "per_method": correlation([a for a, _ in meth], [b for _, b in meth])}
    need = int(cfg["raters_per_image"])
    seconds = [r["rated_at"] - r["shown_at"] for r in ratings if r["shown_at"] is not None]
    points = [{"item": i.item, "method": i.method, "image": i.image, "mos": item_mos[i.item],
               "n": len(by_item[i.item]),
               **{k: per_image.get(i.method, {}).get(i.image, {}).get(k) for k in metrics}}
              for i in items if i.item in item_mos]
    return {
        "study": study, "title": info["title"], "dataset": cfg.get("dataset"), "scale": cfg["scale"],
        "images": len(cfg["images"]), "items": len(items), "raters_per_image": need,
        "ratings": len(ratings), "raters": dict(per_rater),
        "unique_pairs": len({(r["rater"], r["item"]) for r in ratings}),
        "median_seconds_per_rating": float(np.median(seconds)) if seconds else None,
        "items_complete": sum(1 for i in items if len(by_item[i.item]) >= need),
        "methods": rows, "metrics": metrics,
        "agreement": {level: krippendorff_alpha(by_item, level) for level in ("ordinal", "interval", "nominal")},
        "agreement_measure": "Krippendorff's alpha over items (ordinal headline)",
        "correlation": corr, "item_scores": points,
    }


def _fmt(v: Any, spec: str = ".3f") -> str:
    return "-" if v is None else format(v, spec)


def to_text(rep: dict[str, Any]) -> str:
    """The terminal table and summary lines."""
    from ..io.tables import format_table

    head = ["method", "ratings", "MOS", "95% CI", "sd", *rep["metrics"]]
    body = [[r["method"], r["ratings"], _fmt(r["mos"]), "±" + _fmt(r["ci95"]), _fmt(r["sd"]),
             *(_fmt(r.get(k), ".4f") for k in rep["metrics"])] for r in rep["methods"]]
    lines = [f"study {rep['study']}: {rep['title']}",
             f"{rep['ratings']} ratings by {len(rep['raters'])} rater(s) on {rep['items']} items "
             f"({rep['images']} images); {rep['items_complete']}/{rep['items']} items have "
             f"{rep['raters_per_image']} rating(s); median time per rating "
             f"{_fmt(rep['median_seconds_per_rating'], '.1f')} s", "", format_table(head, body), ""]
    a = rep["agreement"]
    lines.append(f"Krippendorff's alpha: ordinal {_fmt(a['ordinal'])}, interval {_fmt(a['interval'])}, "
                 f"nominal {_fmt(a['nominal'])}")
    for k, c in rep["correlation"].items():
        pi, pm = c["per_item"], c["per_method"]
        lines.append(f"MOS vs {k}: per item (n={pi['n']}) Spearman {_fmt(pi['spearman'])}, Pearson "
                     f"{_fmt(pi['pearson'])}; per method (n={pm['n']}) Spearman {_fmt(pm['spearman'])}, "
                     f"Pearson {_fmt(pm['pearson'])}")
    return "\n".join(lines)


def to_markdown(rep: dict[str, Any]) -> str:
    cols = ["method", "ratings", "MOS", "95% CI", *rep["metrics"]]
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rep["methods"]:
        out.append("| " + " | ".join([r["method"], str(r["ratings"]), _fmt(r["mos"]), "±" + _fmt(r["ci95"]),
                                      *(_fmt(r.get(k), ".4f") for k in rep["metrics"])]) + " |")
    return "\n".join(out) + "\n"


def html_section(rep: dict[str, Any], png: bytes | None) -> str:
    """The report section for the bench HTML page (self-contained: the plot is inlined)."""
    import base64

    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in ["method", "ratings", "MOS", "95% CI", *rep["metrics"]])
    body = "".join(
        f"<tr><td>{e(r['method'])}</td><td>{r['ratings']}</td><td>{_fmt(r['mos'])}</td><td>±{_fmt(r['ci95'])}</td>"
        + "".join(f"<td>{_fmt(r.get(k), '.4f')}</td>" for k in rep["metrics"]) + "</tr>" for r in rep["methods"])
    a = rep["agreement"]
    corr = "".join(
        f"<tr><td>{e(k)}</td><td>{_fmt(c['per_item']['spearman'])}</td><td>{_fmt(c['per_item']['pearson'])}</td>"
        f"<td>{c['per_item']['n']}</td><td>{_fmt(c['per_method']['spearman'])}</td>"
        f"<td>{_fmt(c['per_method']['pearson'])}</td><td>{c['per_method']['n']}</td></tr>"
        for k, c in rep["correlation"].items())
    parts = [f"<h2>MOS study {e(rep['study'])}</h2>",
             f"<p>{e(rep['title'])}: {rep['ratings']} ACR ratings (1-5) by {len(rep['raters'])} rater(s) on "
             f"{rep['items']} items ({rep['images']} images, x{rep['scale']}); 95% CI from the t distribution.</p>",
             f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>",
             f"<p>Krippendorff's alpha: ordinal <b>{_fmt(a['ordinal'])}</b>, interval {_fmt(a['interval'])}, "
             f"nominal {_fmt(a['nominal'])}</p>"]
    if corr:
        parts.append("<table><thead><tr><th>metric</th><th>Spearman (items)</th><th>Pearson (items)</th><th>n</th>"
                     "<th>Spearman (methods)</th><th>Pearson (methods)</th><th>n</th></tr></thead>"
                     f"<tbody>{corr}</tbody></table>")
    if png:
        parts.append(f'<img alt="MOS plot" src="data:image/png;base64,{base64.b64encode(png).decode()}">')
    return "".join(parts)


def write_outputs(rep: dict[str, Any], out_dir: str | os.PathLike[str],
                  ratings: list[dict[str, Any]] | None = None) -> dict[str, Path]:
    """``mos.json``, ``mos.md``, ``mos.png`` and (given ``ratings``, as from :meth:`Store.ratings`)
    ``ratings.csv`` with every rating and its times (Unix seconds) in ``out_dir`` (atomic writes)."""
    from ..io import atomic_write
    from ..io.atomic import write_json
    from .plot import plot_report

    out = Path(out_dir)
    paths = {"json": write_json(out / "mos.json", rep)}
    with atomic_write(out / "mos.md") as tmp:
        tmp.write_text(to_markdown(rep), encoding="utf-8")
    paths["markdown"] = out / "mos.md"
    with atomic_write(out / "mos.png") as tmp:
        plot_report(rep).save(tmp, format="PNG")
    paths["png"] = out / "mos.png"
    if ratings is not None:
        import csv

        cols = ["rater", "item", "method", "image", "reference", "score", "shown_at", "rated_at"]
        with atomic_write(out / "ratings.csv") as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
            w.writeheader()
            w.writerows(ratings)
        paths["csv"] = out / "ratings.csv"
    return paths
