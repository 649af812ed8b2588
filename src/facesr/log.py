"""The ``facesr`` logger: library code reports through :mod:`logging` (``logging.getLogger("facesr")`` and
its children); the command line installs the handler (``facesr: message`` on stderr) and sets the level
from ``-q``/``-v``. A library user routes or silences messages with the standard logging configuration."""

from __future__ import annotations

import logging
import sys

ROOT = "facesr"


def get_logger(name: str | None = None) -> logging.Logger:
    """The project's logger, or its child ``facesr.<name>`` (e.g. ``get_logger("training")``)."""
    return logging.getLogger(ROOT if not name else f"{ROOT}.{name}")


class _CurrentStderr(logging.StreamHandler):
    """A handler that writes to whatever ``sys.stderr`` is at emit time (test capture, redirection)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler.__init__ assigns it
        pass


def configure(verbosity: int = 0) -> None:
    """Install the command line's handler on the ``facesr`` logger (once) and set its level:
    ``verbosity`` -1 = warnings and errors only, 0 = information (default), 1 or more = debug."""
    logger = get_logger()
    if not any(isinstance(h, _CurrentStderr) for h in logger.handlers):
        handler = _CurrentStderr()
        handler.setFormatter(logging.Formatter("facesr: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.WARNING if verbosity < 0 else logging.INFO if verbosity == 0 else logging.DEBUG)
