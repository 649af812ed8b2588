"""Reading annotation text files with errors that name the file and the line.

Every dataset reader parses its label files through these helpers, so a missing file or a
malformed line always gives one line such as
``.../identity_CelebA.txt:17: expected 2 fields (<file> <identity>), got 1``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from ..errors import InputError

T = TypeVar("T")


class AnnotationError(InputError):
    """An annotation file is missing or has a malformed line (message: ``file:line: problem``)."""


def require_file(path: str | os.PathLike[str], what: str) -> Path:
    """``path`` if it is a file, else :class:`AnnotationError` naming it and what it should hold."""
    p = Path(path)
    if not p.is_file():
        raise AnnotationError(f"{p}: {what} not found")
    return p


def numbered_lines(path: str | os.PathLike[str], *, skip: int = 0, comment: str | None = None
                   ) -> Iterator[tuple[int, str]]:
    """``(line_number, stripped_text)`` of the non-empty lines of a UTF-8 text file (1-based numbers).

    ``skip``: header lines to drop; ``comment``: prefix of lines to ignore.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise AnnotationError(f"{p}: annotation file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AnnotationError(f"{p}: cannot read annotation file ({exc})") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if number <= skip:
            continue
        s = line.strip()
        if not s or (comment and s.startswith(comment)):
            continue
        yield number, s


def fail(path: str | os.PathLike[str], line: int, problem: str) -> AnnotationError:
    """The error for a bad line (raise the result)."""
    return AnnotationError(f"{path}:{line}: {problem}")


def parse_field(path: str | os.PathLike[str], line: int, value: str, convert: Callable[[str], T],
                what: str) -> T:
    """``convert(value)``, or an :class:`AnnotationError` naming file, line and the expected kind."""
    try:
        return convert(value)
    except (TypeError, ValueError):
        kind = getattr(convert, "__name__", "valid")
        raise fail(path, line, f"{what} must be {kind}, got {value!r}") from None


def split_fields(path: str | os.PathLike[str], line: int, text: str, count: int, layout: str,
                 sep: str | None = None, at_least: bool = False) -> list[str]:
    """Split ``text`` and check the number of fields (``layout`` describes them for the message)."""
    fields = text.split(sep)
    if sep is not None:
        fields = [f.strip() for f in fields]
    if len(fields) < count or (not at_least and len(fields) != count):
        raise fail(path, line, f"expected {count} fields ({layout}), got {len(fields)}")
    return fields


def read_file_labels(path: str | os.PathLike[str], convert: Callable[[str], T] = str,
                     what: str = "label") -> dict[str, T]:
    """``<file> <label>`` lines (CelebA identity / partition files, FSRNet identity lists) as a dict."""
    out: dict[str, T] = {}
    for number, text in numbered_lines(path):
        name, value = split_fields(path, number, text, 2, f"<file> <{what}>")
        if name in out:
            raise fail(path, number, f"{name} listed twice")
        out[name] = parse_field(path, number, value, convert, what)
    return out
