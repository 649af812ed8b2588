"""The survey's Table 8 as data: reference FSR methods at x8 on CelebA, VGGFace2 and CASIA-WebFace.

Source: Jiang et al., "Deep Learning-based Face Super-Resolution: A Survey", ACM CSUR 55(1), 2023,
Table 8 (numbers copied by the survey from the ASFFNet paper). Protocol: 256 x 256 HQ faces; LR by
Eq. 5 with Gaussian or motion blur, ``s`` in {1:0.1:8}, noise {0:1:15}, JPEG quality {10:1:60}
(``build_degradation("blind")``); the single-face methods got the guide ASFFNet's selection picks.
This project works at 128 px, so its Table 8 runs are comparable in trend, not in decimals.
"""

from __future__ import annotations

from dataclasses import dataclass

Scores = tuple[float, float, float]  # (PSNR dB, SSIM, LPIPS)

DATASETS: tuple[str, ...] = ("celeba", "vggface2", "casia-webface")


@dataclass(frozen=True)
class Table8Row:
    """One row of the survey's Table 8 (x8)."""

    method: str
    subfamily: str  # single-face guided / multi-face guided / dictionary-guided
    celeba: Scores
    vggface2: Scores
    casia_webface: Scores

    def scores(self, dataset: str) -> dict[str, float]:
        row = {"celeba": self.celeba, "vggface2": self.vggface2, "casia-webface": self.casia_webface}[dataset]
        return dict(zip(("psnr", "ssim", "lpips"), row))


#: Rows keyed by registry name, in the table's order.
TABLE8: dict[str, Table8Row] = {
    "gfrnet": Table8Row("GFRNet", "single-face guided", (25.93, 0.901, 0.227), (23.85, 0.879, 0.263),
                        (27.19, 0.912, 0.307)),
    "gwainet": Table8Row("GWAInet", "single-face guided", (25.77, 0.901, 0.210), (23.87, 0.879, 0.261),
                         (27.18, 0.910, 0.250)),
    "asffnet": Table8Row("ASFFNet", "multi-face guided", (26.39, 0.905, 0.185), (24.34, 0.881, 0.238),
                         (27.69, 0.921, 0.219)),
}
