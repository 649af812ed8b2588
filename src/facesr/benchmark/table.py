"""Table 7's layout: rows grouped by family, columns scale x metric, best three marked.

Marks follow the survey (red = best, blue = second, underline = third): superscripts 1/2/3 in
text, bold / italic / underline in Markdown, ``\\textcolor{red}``/``{blue}``/``\\underline`` in
LaTeX and the same colours in HTML. Bicubic is a row but is not ranked.
"""

from __future__ import annotations

import math
from typing import Any

from .runner import BenchResult

#: Table 7's families, then Table 8's groups (``facesr bench --reference``: :mod:`.reference`)
FAMILY_ORDER = ("baseline", "general", "prior", "attribute", "identity", "reference", "no_reference", "single_face",
                "multi_face", "dictionary", "joint", "application")
FAMILY_TITLES = {
    "baseline": "Baseline",
    "general": "General FSR",
    "prior": "Prior-guided FSR",
    "attribute": "Attribute-constrained FSR",
    "identity": "Identity-preserving FSR",
    "reference": "Reference FSR",
    "no_reference": "No reference (single image)",
    "single_face": "Single-face guided",
    "multi_face": "Multi-face guided",
    "dictionary": "Dictionary-guided",
    "joint": "Joint tasks (4.7)",
    "application": "Applications (4.8)",
}
#: scores outside the metric registry where lower is better (the video track's temporal flicker)
LOWER_BETTER = frozenset({"flicker"})
_FMT = {"psnr": "{:.2f}", "psnr_occ": "{:.2f}", "flicker": "{:.2f}", "ssim": "{:.4f}", "ms_ssim": "{:.4f}",
        "lpips": "{:.4f}"}
_SUP = {1: "\u00b9", 2: "\u00b2", 3: "\u00b3"}


def _higher_better(metric: str) -> bool:
    from ..metrics.registry import METRICS

    if metric in LOWER_BETTER:
        return False
    return bool(METRICS.entry(metric).meta.get("higher_better", True)) if metric in METRICS else True


def ranks(result: BenchResult) -> dict[tuple[str, str, str], int]:
    """``(method, scale, metric) -> 1/2/3`` for the best three non-baseline methods of each column."""
    out: dict[tuple[str, str, str], int] = {}
    for scale in map(str, result.scales):
        for metric in result.metrics:
            vals = []
            for row in result.rows:
                if row["family"] == "baseline":
                    continue
                v = row["scores"].get(scale, {}).get(metric)
                if v is not None and not math.isnan(v):
                    vals.append((v, row["method"]))
            vals.sort(key=lambda t: t[0], reverse=_higher_better(metric))
            for rank, (_, method) in enumerate(vals[:3], start=1):
                out[(method, scale, metric)] = rank
    return out


def _ordered_rows(result: BenchResult) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in result.rows:
        groups.setdefault(row["family"], []).append(row)
    order = [*FAMILY_ORDER, *(f for f in groups if f not in FAMILY_ORDER)]  # a family not listed is not dropped
    return [(fam, groups[fam]) for fam in order if fam in groups]


def _num(metric: str, v: float | None) -> str:
    if v is None:
        return "-"
    if math.isinf(v):
        return "inf"
    return _FMT.get(metric, "{:.4f}").format(v)


def _cplx(row: dict[str, Any]) -> tuple[str, str]:
    p = "-" if row.get("params_survey") is None else f"{row['params_survey']:.2f}M"
    f = "-" if row.get("gmacs") is None else f"{row['gmacs']:.1f}G"
    return p, f


def _cells(result: BenchResult, style: str) -> tuple[list[str], list[tuple[str, list[list[str]]]]]:
    rk = ranks(result)
    header = ["Method", "Params", "FLOPs"] + [f"x{s} {m.upper()}" for s in result.scales for m in result.metrics]
    groups = []
    for fam, rows in _ordered_rows(result):
        body = []
        for row in rows:
            cells = [row["display"] if row["family"] != "baseline" else "Bicubic", *_cplx(row)]
            for s in map(str, result.scales):
                for m in result.metrics:
                    text = _num(m, row["scores"].get(s, {}).get(m))
                    r = rk.get((row["method"], s, m))
                    cells.append(_mark(text, r, style))
            body.append(cells)
        groups.append((FAMILY_TITLES.get(fam, fam), body))
    return header, groups


def _mark(text: str, rank: int | None, style: str) -> str:
    if rank is None:
        return text
    if style == "text":
        return text + _SUP[rank]
    if style == "markdown":
        return {1: f"**{text}**", 2: f"*{text}*", 3: f"<u>{text}</u>"}[rank]
    if style == "latex":
        return {1: f"\\textcolor{{red}}{{{text}}}", 2: f"\\textcolor{{blue}}{{{text}}}",
                3: f"\\underline{{{text}}}"}[rank]
    if style == "html":
        return {1: f'<span class="r1">{text}</span>', 2: f'<span class="r2">{text}</span>',
                3: f'<span class="r3">{text}</span>'}[rank]
    return text


def to_text(result: BenchResult) -> str:
    header, groups = _cells(result, "text")
    widths = [len(h) for h in header]
    for _, body in groups:
        for cells in body:
            widths = [max(w, len(c)) for w, c in zip(widths, cells)]
    def line(cells):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    out = [f"{result.dataset}: {result.n} faces", line(header), "  ".join("-" * w for w in widths)]
    if result.degradation:
        out.insert(1, track_line(result))
    for title, body in groups:
        out.append(f"[{title}]")
        out += [line(c) for c in body]
    out.append("marks: \u00b9 best, \u00b2 second, \u00b3 third (bicubic not ranked); "
               "Params = count / 2^20, FLOPs = GMACs at x8 (survey convention)")
    out += notes(result)
    out.append(result.convention)
    return "\n".join(s.rstrip() for s in out)


def track_line(result: BenchResult) -> str:
    """What LR the table is about, for a degraded track (empty for the protocol's bicubic LR)."""
    deg = result.degradation
    if not deg:
        return ""
    text = deg.get("description") or f"degradation {deg.get('name')}"
    if 1 in result.scales:
        text += "; x1 = restore only (the degraded face at full size; the bicubic row is that input)"
    return text


def notes(result: BenchResult) -> list[str]:
    """One line per row with a note (e.g. which attributes a given-attribute method received)."""
    return [f"{row['method']}: {row['note']}" for row in result.rows if row.get("note")]


def to_markdown(result: BenchResult) -> str:
    header, groups = _cells(result, "markdown")
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for title, body in groups:
        out.append(f"| *{title}* |" + " |" * (len(header) - 1))
        out += ["| " + " | ".join(c) + " |" for c in body]
    out.append("")
    out.append(f"{result.dataset}, {result.n} faces. Bold = best, italic = second, underline = third. "
               f"{result.convention}")
    if result.degradation:
        out.append(f"LR: {track_line(result)}.")
    out += [f"- {n}" for n in notes(result)]
    return "\n".join(out) + "\n"


def to_latex(result: BenchResult) -> str:
    header, groups = _cells(result, "latex")
    cols = "l" + "r" * (len(header) - 1)
    out = [f"\\begin{{tabular}}{{{cols}}}", "\\hline", " & ".join(header).replace("_", "\\_") + " \\\\", "\\hline"]
    for title, body in groups:
        out.append(f"\\multicolumn{{{len(header)}}}{{l}}{{\\textit{{{title}}}}} \\\\")
        out += [" & ".join(c) + " \\\\" for c in body]
    out += ["\\hline", "\\end{tabular}", f"% {result.convention}"]
    if result.degradation:
        out.append(f"% LR: {track_line(result)}")
    return "\n".join(out) + "\n"


def to_html_table(result: BenchResult) -> str:
    import html

    header, groups = _cells(result, "html")
    out = ['<table class="bench"><thead><tr>' + "".join(f"<th>{html.escape(h)}</th>" for h in header)
           + "</tr></thead><tbody>"]
    for title, body in groups:
        out.append(f'<tr class="family"><td colspan="{len(header)}">{html.escape(title)}</td></tr>')
        for cells in body:
            out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)
