"""Scoring images under named protocols (``facesr evaluate`` and the Python API)."""

from .pairing import pair_folders
from .runner import EvalResult, bicubic_baseline, evaluate, evaluate_arrays

__all__ = ["EvalResult", "bicubic_baseline", "evaluate", "evaluate_arrays", "pair_folders"]
