"""Checks on paths that come from users or from files: stay inside a folder, never clobber an input,
fail with one line (:class:`~facesr.errors.InputError`) when an output cannot be written.

* :func:`inside` / :func:`resolve_inside`: a path named by a results file (``bench.json``, a sidecar)
  must resolve, symlinks followed, to a place inside the folder that holds that file.
* :func:`overlaps`: an output folder that is, contains or lies inside an input folder.
* :func:`writable_folder` / :func:`writable_file` / :func:`writing`: create and probe output
  locations up front, and turn an ``OSError`` while writing into one line naming the path.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError


def _real(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.abspath(path)).resolve()


def inside(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> bool:
    """``path`` (symlinks followed) is ``folder`` or lies below it."""
    return _real(path).is_relative_to(_real(folder))


def overlaps(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """``a`` and ``b`` are the same place, or one contains the other (symlinks followed)."""
    return inside(a, b) or inside(b, a)


def resolve_inside(folder: str | os.PathLike[str], relative: object, *, source: object, what: str = "path") -> Path:
    """``folder / relative`` after checking it is a relative path (a string) that stays inside ``folder``
    once symlinks are followed; ``source`` (the file that named it) is quoted in the error."""
    if not isinstance(relative, str) or not relative or "\0" in relative:
        raise InputError(f"{source}: {what} {str(relative)[:80]!r} is not a relative path")
    rel = Path(relative)
    path = Path(folder) / rel
    if rel.is_absolute() or not inside(path, folder):
        raise InputError(f"{source}: {what} {relative[:200]!r} points outside {folder}; refused")
    return path


def _error(path: Path, exc: OSError, what: str) -> InputError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return InputError(f"{path}: cannot write the {what} ({reason})")


@contextlib.contextmanager
def writing(path: str | os.PathLike[str], what: str = "output") -> Iterator[Path]:
    """Run the block; an ``OSError`` in it becomes an :class:`InputError` naming ``path``."""
    p = Path(path)
    try:
        yield p
    except OSError as exc:
        raise _error(p, exc, what) from None


def _make_folder(p: Path) -> None:
    if p.exists() and not p.is_dir():
        raise NotADirectoryError(20, f"{p} exists and is not a folder")
    p.mkdir(parents=True, exist_ok=True)
    fd, probe = tempfile.mkstemp(prefix=".facesr-probe-", dir=p)
    os.close(fd)
    os.unlink(probe)


def writable_folder(path: str | os.PathLike[str], what: str = "output folder") -> Path:
    """Create ``path`` (and its parents) and check a file can be made in it; returns it."""
    p = Path(path)
    with writing(p, what):
        _make_folder(p)
    return p


def writable_file(path: str | os.PathLike[str], what: str = "output file") -> Path:
    """Check that ``path`` can be written (its folder is created): not a folder, folder writable."""
    p = Path(path)
    with writing(p, what):
        if p.is_dir():
            raise IsADirectoryError(21, "it is a folder")
        _make_folder(p.parent)
    return p


def creatable_folder(path: str | os.PathLike[str], what: str = "output folder") -> Path:
    """Check, without creating anything, that folder ``path`` exists or can be made: its nearest existing
    ancestor is a folder this process may write in; else a one-line :class:`InputError` naming ``path``."""
    from .atomic import nearest_existing

    p = Path(path)
    probe = nearest_existing(p)
    if not probe.is_dir():
        raise InputError(f"{p}: cannot write the {what} ({probe} is not a folder)")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(f"{p}: cannot write the {what} ({probe}: permission denied)")
    return p
