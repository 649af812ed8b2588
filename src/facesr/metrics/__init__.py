"""Metrics (survey §2.2.1) and the named protocols that pin their conventions."""

from .base import Metric
from .protocols import DEFAULT_PROTOCOL, Protocol, get_protocol, list_protocols
from .registry import METRICS, create_metric, list_metrics

__all__ = [
    "DEFAULT_PROTOCOL",
    "METRICS",
    "Metric",
    "Protocol",
    "create_metric",
    "get_protocol",
    "list_metrics",
    "list_protocols",
]
