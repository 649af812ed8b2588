"""Mean Opinion Score studies (survey §2.2.1): build from benchmark outputs, store ratings, report."""

from .report import compute_report
from .store import ACR_LABELS, Store, StudyError, default_db
from .study import create_study

__all__ = ["ACR_LABELS", "Store", "StudyError", "compute_report", "create_study", "default_db"]
