"""Run logs: CSV files (loss per logged iteration, validation results), optional TensorBoard, and
a progress bar. Only rank 0 writes."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

from ..io import atomic_write
from ..log import get_logger

log = get_logger("training")

TB_PIP = "pip install tensorboard==2.20.0"


class CSVLog:
    """Append rows to a CSV file whose columns grow as new keys appear (rewritten then)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[dict[str, Any]] = []
        self.columns: list[str] = []
        if path.is_file():
            with open(path, newline="") as fh:
                reader = csv.DictReader(fh)
                self.columns = list(reader.fieldnames or [])
                self.rows = list(reader)

    def truncate(self, iteration: int) -> None:
        """Drop rows after ``iteration`` (a resumed run rewrites them)."""
        keep = [r for r in self.rows if int(float(r["iteration"])) <= iteration]
        if len(keep) != len(self.rows):
            self.rows = keep
            self._rewrite()

    def _rewrite(self) -> None:
        with atomic_write(self.path) as tmp, open(tmp, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=self.columns)
            w.writeheader()
            w.writerows(self.rows)

    def append(self, row: dict[str, Any]) -> None:
        row = {k: (repr(v) if isinstance(v, float) else v) for k, v in row.items()}
        self.rows.append(row)
        new = [k for k in row if k not in self.columns]
        if new or not self.path.is_file():
            self.columns += new
            self._rewrite()
            return
        with open(self.path, "a", newline="") as fh:
            csv.DictWriter(fh, fieldnames=self.columns).writerow(row)


class TensorBoard:
    """TensorBoard scalars when the ``tensorboard`` package is installed, else a one-line notice."""

    def __init__(self, folder: Path, enabled: bool) -> None:
        self.writer = None
        if not enabled:
            return
        import importlib.util

        if importlib.util.find_spec("tensorboard") is None:
            log.warning(f"TensorBoard logging skipped (package not installed; {TB_PIP})")
            return
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(log_dir=os.fspath(folder))

    def scalars(self, values: dict[str, float], step: int, prefix: str) -> None:
        if self.writer is not None:
            for k, v in values.items():
                self.writer.add_scalar(f"{prefix}/{k}", v, step)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class Progress:
    """tqdm bar over iterations with the current loss and the ETA (off when disabled)."""

    def __init__(self, total: int, start: int, enabled: bool, desc: str) -> None:
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=start, desc=desc, unit="it", dynamic_ncols=True)

    def update(self, n: int, loss: float | None = None) -> None:
        if self.bar is not None:
            if loss is not None:
                self.bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
            self.bar.update(n)

    def write(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text)
        else:
            log.info(text)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
