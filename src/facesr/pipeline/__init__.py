"""In-the-wild face SR (survey §4.8): detect -> align -> super-resolve -> paste back."""

from .enhance import Enhancer, EnhanceReport, enhance
from .restorers import BicubicRestorer, ModelRestorer, Restorer

__all__ = ["BicubicRestorer", "EnhanceReport", "Enhancer", "ModelRestorer", "Restorer", "enhance"]
