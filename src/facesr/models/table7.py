"""The survey's Table 7 as data: published PSNR / SSIM / LPIPS at x4, x8, x16 and Params / FLOPs.

Source: Jiang et al., "Deep Learning-based Face Super-Resolution: A Survey", ACM CSUR 55(1),
2023, Table 7 (CelebA, 128x128 HR, bicubic LR; Y-channel PSNR/SSIM, 8-px border; Params and
FLOPs of the x8 model). ``params`` is in the survey's unit (count / 2**20, methods.md §1.1) and
``flops`` is GMACs, both kept as the printed strings so that their precision is known.
``None`` marks a '-' in the table. Starred rows (RCAN*, NLSN*) are the authors' models trained
on general images, downloaded by the survey, attached to their method as ``pretrained``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

Scores = tuple[float, float, float] | None  # (PSNR dB, SSIM, LPIPS)


@dataclass(frozen=True)
class Table7Row:
    """One row of the survey's Table 7."""

    method: str
    family: str  # the survey's taxonomy: general / prior / attribute / identity
    section: str  # the Table 7 heading the row sits under
    x4: Scores
    x8: Scores
    x16: Scores
    params: str  # survey units (count / 2**20), as printed
    flops: str  # GMACs at x8, as printed
    pretrained: Table7Row | None = None

    def scores(self, scale: int) -> dict[str, float] | None:
        row = {4: self.x4, 8: self.x8, 16: self.x16}.get(scale)
        return None if row is None else dict(zip(("psnr", "ssim", "lpips"), row))

    @property
    def params_m(self) -> float:
        return float(self.params)

    @property
    def flops_g(self) -> float:
        return float(self.flops)

    @staticmethod
    def decimals(printed: str) -> int:
        """Digits after the decimal point of a printed number ("0.01" -> 2)."""
        return max(0, -Decimal(printed).as_tuple().exponent)

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"method": self.method, "family": self.family, "section": self.section}
        for s in (4, 8, 16):
            d[f"x{s}"] = self.scores(s)
        d["params_m"] = self.params_m
        d["flops_g"] = self.flops_g
        if self.pretrained is not None:
            d["pretrained"] = self.pretrained.as_dict()
        return d


_GEN_SR = "General Image Super-Resolution Methods"
_GEN_FSR = "General FSR Methods"
_PRIOR = "Prior-guided FSR Methods"
_ATTR = "Attribute-constrained FSR Methods"
_ID = "Identity-preserving FSR Methods"

#: Rows keyed by registry name, in the table's order.
TABLE7: dict[str, Table7Row] = {
    "srcnn": Table7Row("SRCNN", "general", _GEN_SR, (28.04, 0.837, 0.160), (23.93, 0.635, 0.256),
                       (20.54, 0.467, 0.291), "0.01", "0.3"),
    "vdsr": Table7Row("VDSR", "general", _GEN_SR, (31.25, 0.906, 0.055), (26.36, 0.761, 0.112),
                      (22.42, 0.594, 0.186), "0.6", "11.0"),
    "rcan": Table7Row("RCAN", "general", _GEN_SR, (31.69, 0.913, 0.051), (27.30, 0.799, 0.100),
                      (23.32, 0.641, 0.204), "15.0", "4.7",
                      pretrained=Table7Row("RCAN*", "general", _GEN_SR, (26.30, 0.769, 0.177),
                                           (22.17, 0.521, 0.265), None, "15.0", "4.7")),
    "nlsn": Table7Row("NLSN", "general", _GEN_SR, (32.08, 0.919, 0.044), (27.45, 0.804, 0.091),
                      (23.69, 0.671, 0.154), "43.4", "22.9",
                      pretrained=Table7Row("NLSN*", "general", _GEN_SR, (30.82, 0.899, 0.065), None, None,
                                           "43.4", "22.9")),
    "urdgn": Table7Row("URDGN", "general", _GEN_FSR, (30.11, 0.884, 0.075), (25.62, 0.726, 0.148),
                       (22.29, 0.579, 0.185), "1.0", "14.6"),
    "wasrnet": Table7Row("WaSRNet", "general", _GEN_FSR, (30.92, 0.908, 0.051), (26.83, 0.787, 0.089),
                         (23.13, 0.634, 0.160), "71.5", "19.2"),
    "sparnet": Table7Row("SPARNet", "general", _GEN_FSR, (31.71, 0.913, 0.048), (27.44, 0.804, 0.089),
                         (23.68, 0.674, 0.139), "10.0", "7.2"),
    "fsrnet": Table7Row("FSRNet", "prior", _PRIOR, (31.46, 0.908, 0.052), (26.66, 0.771, 0.110),
                        (23.04, 0.629, 0.175), "3.1", "39.0"),
    "superfan": Table7Row("Super-FAN", "prior", _PRIOR, (31.17, 0.905, 0.040), (27.08, 0.788, 0.058),
                          (23.42, 0.652, 0.125), "1.3", "1.1"),
    "dic": Table7Row("DIC", "prior", _PRIOR, (31.44, 0.909, 0.053), (27.41, 0.802, 0.092),
                     (23.47, 0.657, 0.160), "20.8", "14.8"),
    "fsrsa": Table7Row("FSRSA", "attribute", _ATTR, (30.80, 0.898, 0.058), (26.19, 0.757, 0.111),
                       (22.84, 0.630, 0.153), "76.9", "0.9"),
    "aacnn": Table7Row("AACNN", "attribute", _ATTR, (31.30, 0.907, 0.052), (26.68, 0.773, 0.100),
                       (22.98, 0.626, 0.171), "3.3", "0.2"),
    "sicnn": Table7Row("SICNN", "identity", _ID, (31.59, 0.911, 0.050), (27.18, 0.793, 0.095),
                       (23.50, 0.662, 0.152), "4.9", "5.4"),
    "sigan": Table7Row("SiGAN", "identity", _ID, (30.68, 0.892, 0.034), (25.63, 0.740, 0.062),
                       (22.18, 0.596, 0.099), "19.5", "5.7"),
    "wasrgan": Table7Row("WaSRGAN", "identity", _ID, (30.72, 0.907, 0.045), (25.55, 0.765, 0.092),
                         (22.78, 0.625, 0.148), "71.5", "19.2"),
}


def agreement(ours: float, printed: str, tolerance: float = 0.02) -> str:
    """Compare our value (in survey units) with a printed survey number.

    ``"="``: equal at the printed precision; ``"~"``: within ``tolerance`` (relative) but not
    equal when rounded; ``"x"``: further apart.
    """
    d = Table7Row.decimals(printed)
    survey = float(printed)
    if round(ours, d) == round(survey, d):
        return "="
    if survey and abs(ours - survey) <= tolerance * survey:
        return "~"
    return "x"
