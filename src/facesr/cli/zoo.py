"""``facesr zoo``: the model zoo beside the survey's Table 7 (Params and FLOPs at x8).

For every registered network: family, input handling, exact parameter count, the count in the
survey's unit (/ 2**20), conv + transposed-conv + linear MACs for one 128x128 face at x8, and the
survey's Params / FLOPs with a mark ("=" equal at the survey's printed precision, "~" within 2%,
"x" further apart), and the pretrained weights shipped as tags of a network (TAG for --model, or
facesr.load_model(TAG, scale)). Networks are built on the meta device (no weights, no arithmetic)
and the counts are cached under the cache directory, keyed by a digest of the zoo's source files.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

SCALE = 8
HR_SIZE = 128


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "zoo",
        help="list the model zoo: family, Params, MACs at x8 beside the survey's Table 7",
        description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--family", help="only this family: general, prior, attribute, identity or reference")
    p.add_argument("--json", metavar="F", help="also write the rows as JSON to F")
    p.add_argument("--no-cache", action="store_true", help="recount Params and MACs (meta-device hook pass)")
    return p


def zoo_rows(family: str | None = None, cache: bool = True) -> list[dict[str, Any]]:
    """One dict per registered model: metadata, complexity at x8 (128x128 out) and survey marks."""
    from ..models import list_models
    from ..models.complexity import cached_complexity, model_complexity
    from ..models.table7 import agreement
    from ..models.weights import list_pretrained

    tags: dict[str, list[str]] = {}
    for p in list_pretrained():
        tags.setdefault(p["model"], []).append(p["name"])

    count = cached_complexity if cache else model_complexity
    rows = []
    for info in list_models(family):
        c = count(info["name"], scale=SCALE, hr_size=HR_SIZE)
        row7 = info["table7"]
        survey = None
        if row7 is not None:
            survey = {
                "params": row7.params,
                "flops": row7.flops,
                "params_m": row7.params_m,
                "flops_g": row7.flops_g,
                "params_mark": agreement(c.params_survey, row7.params),
                "flops_mark": agreement(c.gmacs, row7.flops),
                "table7": row7.as_dict(),
            }
        rows.append({
            "name": info["name"],
            "display": info["display"],
            "family": info["family"],
            "section": info["section"],
            "input": info["input"],
            "scales": list(info["scales"]),
            "paper": info["paper"],
            "venue": info["venue"],
            "pretrained": tags.get(info["name"], []),
            **{k: v for k, v in c.as_dict().items() if k not in ("name", "scale")},
            "survey": survey,
        })
    return rows


def format_pretrained(rows: list[dict[str, Any]]) -> list[str]:
    """One line per pretrained tag of the listed networks: tag, network, scales, installed or not."""
    from ..models.weights import format_scales, list_pretrained

    shown = {r["name"] for r in rows}
    lines = []
    for p in list_pretrained():
        if p["model"] in shown:
            state = "" if p["installed"] else "  (weights not installed)"
            lines.append(f"  {p['name']:<10} {p['model']} {format_scales(p['scales'])}: {p['summary']}{state}")
    return ["Pretrained tags (facesr.load_model(TAG, scale=S), --model TAG):", *lines] if lines else []


def format_table(rows: list[dict[str, Any]], missing: list[str]) -> str:
    head = (f"{'Method':<21} {'Family':<8} {'Input':<9} {'Params':>11} {'/2^20':>8} {'Survey':>8}  "
            f"{'GMACs x8':>9} {'Survey':>7}  In")
    lines = [head, "-" * len(head)]
    for r in rows:
        s = r["survey"]
        sp = f"{s['params']:>6} {s['params_mark']}" if s else f"{'-':>8}"
        sf = f"{s['flops']:>5} {s['flops_mark']}" if s else f"{'-':>7}"
        shape = r["input_shape"]
        side = f"{shape[-1]}x{shape[-1]}" if len(shape) == 4 else "x".join(map(str, shape[1:]))  # image or points
        lines.append(
            f"{r['display']:<21} {r['family']:<8} {r['input']:<9} {r['params']:>11,} "
            f"{r['params_survey']:>8.3f} {sp:>8}  {r['gmacs']:>9.3f} {sf:>7}  {side}"
        )
    lines.append("")
    lines.append("Params /2^20 is the survey's unit; GMACs count conv, transposed-conv and linear layers "
                 f"for one {HR_SIZE}x{HR_SIZE} face at x{SCALE} at the network's input (In).")
    lines.append("Marks: '=' equal at the survey's printed precision, '~' within 2%, 'x' further apart.")
    if missing:
        lines.append("Table 7 methods not implemented yet: " + ", ".join(missing))
    lines += format_pretrained(rows)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ..models import TABLE7, not_implemented
    from ._common import check_outputs

    check_outputs(files={"--json": args.json})  # before the table: a bad path is refused, not found at the end
    rows = zoo_rows(args.family, cache=not args.no_cache)
    missing = [f"{TABLE7[k].method} ({TABLE7[k].family})" for k in not_implemented()
               if args.family in (None, TABLE7[k].family)]
    print(format_table(rows, missing))
    if args.json:
        from ..io import atomic_write
        from ..models.weights import list_pretrained

        payload = {"scale": SCALE, "hr_size": HR_SIZE, "models": rows, "pretrained": list_pretrained(),
                   "not_implemented": [TABLE7[k].as_dict() for k in not_implemented()]}
        with atomic_write(args.json) as tmp:
            tmp.write_text(json.dumps(payload, indent=2))
    return 0
