"""One self-contained HTML report: Table 7, comparison grids, a sortable per-image table."""

from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..io import atomic_write, write_image
from .figures import grid_for_scale, pick_images
from .table import notes, to_html_table, track_line

_CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;margin:8px 0 20px}
th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}
tr.family td{font-style:italic;background:#f4f4f4;text-align:left}
.r1{color:#c00;font-weight:bold}.r2{color:#00c;font-weight:bold}.r3{text-decoration:underline}
th.sortable{cursor:pointer}img{image-rendering:pixelated;max-width:100%}
.conv{font-size:90%;color:#555}
"""

_JS = """
document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th,i){
    th.classList.add('sortable');
    th.addEventListener('click',function(){
      var rows=Array.from(t.tBodies[0].rows), asc=th.dataset.asc!=='1';
      rows.sort(function(a,b){
        var x=a.cells[i].textContent, y=b.cells[i].textContent, fx=parseFloat(x), fy=parseFloat(y);
        if(!isNaN(fx)&&!isNaN(fy)) return asc?fx-fy:fy-fx;
        return asc?x.localeCompare(y):y.localeCompare(x);});
      th.dataset.asc=asc?'1':'0'; rows.forEach(function(r){t.tBodies[0].appendChild(r);});
    });});});
"""


def _png_b64(img: np.ndarray) -> str:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _per_image_table(result, scale: int) -> str:
    s = str(scale)
    methods = [r["method"] for r in result.rows]
    cols = [(m, k) for m in methods for k in result.metrics]
    head = "<tr><th>image</th>" + "".join(f"<th>{html.escape(m)} {k}</th>" for m, k in cols) + "</tr>"
    body = []
    for name in result.names:
        cells = []
        for m, k in cols:
            v = result.per_image.get(m, {}).get(s, {}).get(name, {}).get(k)
            cells.append("-" if v is None else f"{v:.4f}")
        body.append(f"<tr><td>{html.escape(name)}</td>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f'<table class="sortable"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'


#: the row groups of the reference mode (survey Table 8)
TABLE8_GROUPS = ("no_reference", "single_face", "multi_face", "dictionary")


def write_report(result, images: dict[Any, Any], path: str | os.PathLike[str], *, command: str = "",
                 extra_html: str = "") -> list[Path]:
    """Write the HTML report and one PNG grid per scale beside it; returns the written paths."""
    out = Path(path)
    written: list[Path] = []
    parts = [f"<h1>facesr benchmark: {html.escape(result.dataset)}</h1>",
             f"<p>{result.n} faces; protocol <b>{html.escape(result.protocol)}</b></p>",
             f'<p class="conv">{html.escape(result.convention)}</p>']
    if result.degradation:
        parts.append(f"<p><b>LR faces</b>: {html.escape(track_line(result))}; every face's degradation "
                     "parameters are in the JSON (<code>degradation.records</code>, replay with "
                     "<code>facesr bench --replay</code>)</p>")
    if command:
        parts.append(f"<pre>{html.escape(command)}</pre>")
    table8 = any(r.get("family") in TABLE8_GROUPS for r in result.rows)  # bench --reference
    parts.append(f"<h2>Table {8 if table8 else 7} layout</h2>" + to_html_table(result))
    parts.append('<p class="conv">red = best, blue = second, underlined = third (bicubic not ranked); '
                 "Params = count / 2<sup>20</sup>, FLOPs = GMACs of one x8 face (survey convention)</p>")
    parts += [f'<p class="conv">{html.escape(n)}</p>' for n in notes(result)]
    for scale in result.scales:
        picks = pick_images(result, scale)
        grid = grid_for_scale(result, images, scale, picks) if images else None
        if grid is None:
            continue
        png = out.with_name(f"{out.stem}_grid_x{scale}.png")
        write_image(png, grid)
        written.append(png)
        reasons = ", ".join(f"{n} ({r})" for r, n in picks)
        parts.append(f"<h2>x{scale}: comparison</h2><p>rows: {html.escape(reasons)}</p>"
                     f'<img alt="comparison x{scale}" src="data:image/png;base64,{_png_b64(grid)}">')
    if extra_html:
        parts.append(extra_html)
    for scale in result.scales:
        parts.append(f"<h2>x{scale}: per image</h2><p>click a column to sort</p>" + _per_image_table(result, scale))
    doc = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>facesr benchmark</title>"
           f"<style>{_CSS}</style></head><body>{''.join(parts)}<script>{_JS}</script></body></html>")
    with atomic_write(out) as tmp:
        tmp.write_text(doc, encoding="utf-8")
    written.insert(0, out)
    return written


def insert_section(path: str | os.PathLike[str], key: str, section_html: str) -> Path:
    """Put ``section_html`` into an existing report (atomically), replacing an earlier section with the same
    ``key``; a new section goes after the comparison grids, before the per-image tables (or the end)."""
    from ..errors import InputError

    out = Path(path)
    if not out.is_file():
        raise InputError(f"{out}: benchmark HTML report not found")
    doc = out.read_text(encoding="utf-8")
    start, end = f"<!-- facesr-section:{key} -->", f"<!-- /facesr-section:{key} -->"
    block = f"{start}<section>{section_html}</section>{end}"
    if start in doc and end in doc:
        doc = doc[: doc.index(start)] + block + doc[doc.index(end) + len(end):]
    else:
        at = doc.find("per image</h2>")
        at = doc.rfind("<h2>", 0, at) if at >= 0 else doc.rfind("<script>")
        if at < 0:
            at = doc.rfind("</body>")
        if at < 0:
            raise InputError(f"{out}: not an HTML report (no </body>)")
        doc = doc[:at] + block + doc[at:]
    with atomic_write(out) as tmp:
        tmp.write_text(doc, encoding="utf-8")
    return out
