"""The survey's benchmark (§4.6, Table 7, Fig. 9-11): methods x scales x metrics, tables and reports."""

from .runner import BenchResult, run_bench

__all__ = ["BenchResult", "run_bench"]
