"""RWSR's training pairs (``recipe: {type: rwsr, ...}``; Aakerberg et al., arXiv 2021; survey §4.1.2): the ``sr``
recipe on LR faces synthesised with the degradations estimated from real LR faces.

Before training, every real LR face of the options' ``sources`` (:mod:`facesr.data.real_lr`) gets an
estimate of its Gaussian blur and noise (:class:`facesr.degradation.estimate.Calibration`, calibrated on
the first ``calibration`` training faces at the LR size) and its JPEG quality (the file's); the training
LR of each HR face is made by one of these estimates, drawn per sample (a mixture with equal weights,
seeded per sample as any degradation; records name the real face: ``"mix:rwsr:<key>"``). The estimates
are written to ``<output>/rwsr_estimates.json``; ``estimates: FILE`` reuses such a file instead of
estimating again.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ...errors import ConfigError
from ._unpaired import RealLROptions, first_hr_faces, load_real_faces
from .sr import SRRecipe

#: the file of estimates a run writes in its output folder
ESTIMATES_FILE = "rwsr_estimates.json"


@dataclass
class RWSROptions(RealLROptions):
    """``calibration``: clean training faces that calibrate the estimator; ``estimates``: a JSON file of
    estimates to use instead (as a run writes it)."""

    calibration: int = 32
    estimates: str | None = None


def estimate_faces(faces: list[Any], clean: list[Any], size: int, kernel: str = "matlab") -> list[dict[str, Any]]:
    """One record per real face (``key``, ``source``, ``native`` size and the estimate's fields), the
    estimator calibrated on the ``clean`` HR faces brought to ``size`` px."""
    from ...degradation.estimate import Calibration

    cal = Calibration(clean, size, kernel=kernel)
    return [{"key": f.key, "source": f.source, "native": list(f.native),
             **cal.estimate(f.image, f.quality, f.grey).as_dict()} for f in faces]


def mixture_of(records: list[dict[str, Any]], scale: int, kernel: str = "matlab") -> Any:
    """A degradation drawing one of ``records``' estimates per sample (equal weights)."""
    from ...degradation.estimate import Estimate, degradation_steps
    from ...degradation.pipeline import Degradation, Mixture

    if not records:
        raise ConfigError("recipe rwsr: no degradation estimates")
    parts = []
    for r in records:
        est = Estimate(float(r["blur"]), float(r["noise"]), r.get("quality"), bool(r.get("grey", False)))
        parts.append((Degradation(degradation_steps(est, scale, kernel), f"rwsr:{r['key']}", scale), 1.0))
    return Mixture(parts, "rwsr")


class RWSRRecipe(SRRecipe):
    name = "rwsr"
    Options = RWSROptions

    def train_set(self) -> torch.utils.data.Dataset:
        from ..data import build_train_set

        d = self.cfg.data.train
        records = self._estimates()
        degradation = mixture_of(records, self.cfg.scale, d.kernel)
        return build_train_set(dataclasses.replace(d, degradation=degradation), self.cfg.scale, self.cfg.seed)

    def _estimates(self) -> list[dict[str, Any]]:
        o, tr = self.options, self.trainer
        if o.estimates:
            path = Path(o.estimates).expanduser()
            try:
                records = json.loads(path.read_text(encoding="utf-8"))["faces"]
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"recipe rwsr: estimates {path}: not a file of estimates ({exc})") from None
            return records
        d = self.cfg.data.train
        size = d.size // self.cfg.scale
        faces = load_real_faces(o, size, progress=self.cfg.train.progress)
        records = estimate_faces(faces, self._clean_faces(), size, d.kernel)
        if tr.dist.is_main:
            from ...io import atomic_write

            tr.out.mkdir(parents=True, exist_ok=True)
            with atomic_write(tr.out / ESTIMATES_FILE) as tmp:
                tmp.write_text(json.dumps({"lr_size": size, "faces": records}, indent=1), encoding="utf-8")
        return records

    def _clean_faces(self) -> list[Any]:
        """The first ``calibration`` HR faces of the training data, uint8 H x W x 3."""
        hr = first_hr_faces(self.cfg, self.options.calibration, "recipe rwsr: calibration")
        return list((hr.permute(0, 2, 3, 1).numpy() * 255.0).round().astype("uint8"))


RECIPE = RWSRRecipe
