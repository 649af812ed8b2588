"""``facesr serve``: a local web application with the enhance page and the MOS rating pages."""

from .app import create_app

__all__ = ["create_app"]
