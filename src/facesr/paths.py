"""Where facesr finds shared data, its cache, and files shipped inside other packages."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from .errors import InputError, MissingDependencyError

DATA_ENV = "FACESR_DATA"
CACHE_ENV = "FACESR_CACHE"


def data_root(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The root of the face datasets: ``explicit``, else ``$FACESR_DATA``, else ``../shared/data``.

    The fallback is tried relative to the current working directory, then relative to the source
    checkout facesr runs from (an editable install). The folder is not required to exist; callers
    check the sub-folder they need.
    """
    if explicit is not None:
        return Path(explicit).expanduser()
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    candidates = [Path.cwd() / ".." / "shared" / "data", Path(__file__).resolve().parents[2] / ".." / "shared" / "data"]
    for c in candidates:
        if c.is_dir():
            return c.resolve()
    return candidates[0].resolve()


def dataset_dir(name: str, root: str | os.PathLike[str] | None = None) -> Path:
    """``data_root()/name``, or a clear error naming the path and the variable when absent."""
    path = data_root(root) / name
    if not path.is_dir():
        raise InputError(f"{path}: dataset folder not found (set {DATA_ENV} to the data root)")
    return path


def cache_dir(sub: str = "") -> Path:
    """Writable cache for converted weights and statistics.

    ``$FACESR_CACHE``, else ``$XDG_CACHE_HOME/facesr``, else ``~/.cache/facesr``; created on demand.
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        base = Path(env).expanduser()
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "facesr"
    path = base / sub if sub else base
    path.mkdir(parents=True, exist_ok=True)
    return path


def package_dir(package: str, pip_line: str) -> Path:
    """Directory of an installed package, found without importing it.

    Raises :class:`MissingDependencyError` with the exact ``pip install`` line when it is absent.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(f"package {package!r} is not installed; run: {pip_line}")
    return Path(list(spec.submodule_search_locations)[0])


def package_file(package: str, relative: str, pip_line: str) -> Path:
    """A data file shipped inside ``package`` (e.g. weights), or a clear error naming the install line."""
    path = package_dir(package, pip_line) / relative
    if not path.is_file():
        raise MissingDependencyError(
            f"{path}: expected file missing from package {package!r}; reinstall with: {pip_line}"
        )
    return path
