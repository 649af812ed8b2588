"""MOS statistics against published values."""

from __future__ import annotations

import math

import pytest

from facesr.mos.stats import correlation, krippendorff_alpha, mean_ci

NA = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers x 12 units, missing
# values; published alpha: nominal 0.743, ordinal 0.815, interval 0.849.
OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
    [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
]


@pytest.mark.parametrize("level, expected", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)])
def test_krippendorff_alpha_published_example(level, expected):
    units = [[v for v in unit if v is not None] for unit in zip(*OBSERVERS)]
    assert krippendorff_alpha(units, level) == pytest.approx(expected, abs=5e-4)


def test_krippendorff_alpha_edge_cases():
    assert krippendorff_alpha({"a": [3, 3], "b": [4, 4]}) == pytest.approx(1.0)
    assert krippendorff_alpha([[1], [2]]) is None  # no unit with two values
    assert krippendorff_alpha([[3, 3], [3, 3]]) is None  # no variation
    assert krippendorff_alpha([[1, 5], [5, 1], [1, 5]], "interval") < 0  # systematic disagreement
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha([[1, 2]], "ratio")


def test_mean_ci_uses_the_t_distribution():
    ci = mean_ci([1, 2, 3, 4, 5])
    # t_{0.975, 4} = 2.776445; sd = sqrt(2.5)
    assert ci.mean == 3 and ci.n == 5
    assert ci.half_width == pytest.approx(2.776445 * math.sqrt(2.5) / math.sqrt(5), rel=1e-6)
    assert ci.low == pytest.approx(3 - ci.half_width)
    assert mean_ci([4]).half_width is None


def test_correlation():
    c = correlation([1, 2, 3, 4], [10, 20, 25, 100])
    assert c["spearman"] == pytest.approx(1.0) and 0.8 < c["pearson"] < 1 and c["n"] == 4
    assert correlation([1, 2], [3, 4])["spearman"] is None
    assert correlation([1, 1, 1], [1, 2, 3])["pearson"] is None
    assert correlation([1, 2, 3, float("nan")], [3, 2, 1, 0])["n"] == 3
