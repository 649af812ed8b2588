"""Plain-text tables for terminals and Markdown-free reports."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, floatfmt: str = ".4f") -> str:
    """A plain-text table with right-aligned numbers."""

    def cell(v: Any) -> str:
        if isinstance(v, float):
            if not math.isfinite(v):
                return "inf" if v > 0 else ("-inf" if v < 0 else "nan")
            return format(v, floatfmt)
        return "" if v is None else str(v)

    text = [[cell(v) for v in r] for r in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in text)) if text else len(str(h)) for i, h in enumerate(headers)]
    numeric = [all(isinstance(r[i], int | float) for r in rows) if rows else False for i in range(len(headers))]

    def line(vals: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if numeric[i] else v.ljust(w) for i, (v, w) in enumerate(zip(vals, widths)))

    out = [line([str(h) for h in headers]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in text]
    return "\n".join(x.rstrip() for x in out)
