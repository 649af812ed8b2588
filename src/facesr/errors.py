"""User-facing errors.

Every problem a user can cause (bad file, bad option, missing package) is raised as a
:class:`FacesrError` subclass whose message is one line naming the file or value and the problem.
The command line prints that line and exits with status 2; it never shows a traceback for them.
"""

from __future__ import annotations


class FacesrError(Exception):
    """Base class of user-facing errors: ``str(err)`` is one complete line."""

    exit_code = 2


class ImageReadError(FacesrError):
    """An image file is missing, unreadable, truncated or of an unsupported kind."""


class InputError(FacesrError):
    """An argument, folder, pairing or size does not fit what the operation needs."""


class UnknownNameError(FacesrError, KeyError):
    """A registry lookup (model, metric, protocol, preset, ...) failed."""

    def __str__(self) -> str:  # KeyError would add quotes around the message
        return self.args[0] if self.args else ""


class MissingDependencyError(FacesrError, ImportError):
    """An optional package (and the weights it ships) is not installed."""


class ConfigError(FacesrError):
    """A configuration file or override is invalid."""
