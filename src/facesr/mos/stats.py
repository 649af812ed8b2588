"""Statistics of a MOS study: means with t confidence intervals, Krippendorff's alpha, correlations."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MeanCI:
    """Mean of ``n`` scores with the half width of its two-sided confidence interval (t distribution)."""

    mean: float
    half_width: float | None
    sd: float | None
    n: int

    @property
    def low(self) -> float | None:
        return None if self.half_width is None else self.mean - self.half_width

    @property
    def high(self) -> float | None:
        return None if self.half_width is None else self.mean + self.half_width


def mean_ci(scores: Sequence[float], level: float = 0.95) -> MeanCI:
    """``mean ± t_{(1+level)/2, n-1} * s / sqrt(n)`` (sample sd ``s``); no interval below two scores.

    Scores of one method are treated as independent draws (ITU-T P.800.2 practice); with few
    raters the interval is optimistic, which is why the report also gives the rater agreement.
    """
    from scipy.stats import t

    x = np.asarray(scores, dtype=np.float64)
    if x.size == 0:
        raise ValueError("no scores")
    if x.size < 2:
        return MeanCI(float(x.mean()), None, None, 1)
    sd = float(x.std(ddof=1))
    half = float(t.ppf(0.5 + level / 2, x.size - 1)) * sd / math.sqrt(x.size)
    return MeanCI(float(x.mean()), half, sd, int(x.size))


def krippendorff_alpha(units: Mapping[object, Sequence[float]] | Sequence[Sequence[float]],
                       level: str = "ordinal") -> float | None:
    """Krippendorff's alpha over ``units`` (each: the values its raters gave; missing ones left out).

    ``level``: ``nominal``, ``ordinal`` (rank distances from the pooled value frequencies) or
    ``interval`` (squared differences). Units with fewer than two values carry no pairs and are
    ignored. Returns None when there is nothing to compare or no variation at all.
    ``alpha = 1 - (n - 1) * sum_ck o_ck d_ck / sum_ck n_c n_k d_ck`` with the coincidence matrix ``o``.
    """
    groups = [np.asarray(v, dtype=np.float64) for v in (units.values() if isinstance(units, Mapping) else units)]
    groups = [g for g in groups if g.size >= 2]
    if not groups:
        return None
    cats = np.unique(np.concatenate(groups))
    if cats.size < 2:
        return None
    o = np.zeros((cats.size, cats.size))
    for g in groups:
        counts = np.bincount(np.searchsorted(cats, g), minlength=cats.size).astype(np.float64)
        o += (np.outer(counts, counts) - np.diag(counts)) / (g.size - 1)
    n_c = o.sum(1)
    n = n_c.sum()
    if level == "nominal":
        d = 1.0 - np.eye(cats.size)
    elif level == "interval":
        d = (cats[:, None] - cats[None, :]) ** 2
    elif level == "ordinal":
        cum = np.concatenate([[0.0], np.cumsum(n_c)])
        lo = np.minimum.outer(np.arange(cats.size), np.arange(cats.size))
        hi = np.maximum.outer(np.arange(cats.size), np.arange(cats.size))
        d = (cum[hi + 1] - cum[lo] - (n_c[:, None] + n_c[None, :]) / 2) ** 2
    else:
        raise ValueError(f"level must be nominal, ordinal or interval, got {level!r}")
    expected = float((np.outer(n_c, n_c) * d).sum())
    if expected == 0:
        return None
    return float(1.0 - (n - 1) * float((o * d).sum()) / expected)


def correlation(x: Sequence[float], y: Sequence[float]) -> dict[str, float | int | None]:
    """Spearman and Pearson correlation (with two-sided p-values) of paired finite values."""
    from scipy.stats import pearsonr, spearmanr

    a, b = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    out: dict[str, float | int | None] = {"n": int(a.size), "spearman": None, "spearman_p": None,
                                          "pearson": None, "pearson_p": None}
    if a.size < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return out
    s, p = spearmanr(a, b)
    r, q = pearsonr(a, b)
    out.update(spearman=float(s), spearman_p=float(p), pearson=float(r), pearson_p=float(q))
    return out
