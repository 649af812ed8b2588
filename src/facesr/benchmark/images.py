"""Keeping a benchmark's images: HR, LR and every method's SR output as PNG, plus ``bench.json``.

Layout of the folder (``facesr bench --save-images DIR``)::

    DIR/bench.json              scores (means and per image) and the ``images`` index below
    DIR/HR/<file>.png
    DIR/x<scale>/LR/<file>.png
    DIR/x<scale>/<method>/<file>.png

``images`` in ``bench.json``: ``{"files": {image name: file}, "hr": "HR",
"scales": {"8": {"lr": "x8/LR", "methods": {label: "x8/<folder>"}}}}`` (paths relative to DIR).
A MOS study is built from such a folder (``facesr mos create --from DIR``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ..io import write_image

BENCH_JSON = "bench.json"


def safe_name(text: str) -> str:
    """A file/folder name for a label or image name (``srcnn:run/x8`` -> ``srcnn_run_x8``)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    return name or "_"


def save_images(result: Any, images: dict[Any, Any], folder: str | os.PathLike[str], *,
                html: str | os.PathLike[str] | None = None) -> Path:
    """Write the images kept by ``run_bench(..., keep_images=True)`` and ``bench.json``; returns the JSON path.

    ``html``: the benchmark's HTML report, recorded (absolute) so ``facesr mos report`` can add its section.
    """
    from ..io.atomic import write_json

    root = Path(folder)
    files: dict[str, str] = {}
    for name in result.names:
        stem = safe_name(str(Path(name).with_suffix("")))
        while stem + ".png" in files.values():
            stem += "_"
        files[name] = stem + ".png"
    index: dict[str, Any] = {"files": files, "hr": "HR", "scales": {}}
    for i, name in enumerate(result.names):
        write_image(root / "HR" / files[name], images["hr"][i])
    for scale in result.scales:
        entry: dict[str, Any] = {"lr": f"x{scale}/LR", "methods": {}}
        used: set[str] = {"LR"}
        for label, arr in images[scale].items():
            if label == "lr":
                sub = "LR"
            else:
                sub = safe_name(label)
                while sub in used:
                    sub += "_"
                used.add(sub)
                entry["methods"][label] = f"x{scale}/{sub}"
            for i, name in enumerate(result.names):
                write_image(root / f"x{scale}" / sub / files[name], arr[i])
        index["scales"][str(scale)] = entry
    extra = {"images": index, "report_html": str(Path(html).resolve()) if html else None}
    return write_json(root / BENCH_JSON, {**result.as_dict(), **extra})
