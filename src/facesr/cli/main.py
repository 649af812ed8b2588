"""Entry point of the ``facesr`` command.

Each subcommand lives in ``facesr.cli.<module>`` and defines ``add_parser(subparsers)`` (cheap:
no heavy imports) and ``run(args) -> int``. User errors (:class:`~facesr.errors.FacesrError`)
print one line, ``facesr: error: ...``, and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .._version import __version__
from ..errors import FacesrError
from ..log import configure as configure_logging

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS = ["demo", "degrade", "evaluate", "bench", "enhance", "zoo", "data", "train", "curves", "mos", "serve"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="facesr",
        description="Face super-resolution toolkit (after the survey 'Deep Learning-based Face Super-Resolution').",
    )
    parser.add_argument("--version", action="version", version=f"facesr {__version__}")
    parser.add_argument("-q", "--quiet", dest="top_quiet", action="store_true", help="only warnings and errors")
    parser.add_argument("-v", "--verbose", dest="top_verbose", action="count", default=0, help="debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"facesr.cli.{name}")
        p = module.add_parser(sub)
        p.set_defaults(_module=module)
        _verbosity_options(p)
    return parser


def _verbosity_options(p: argparse.ArgumentParser) -> None:
    """``-q``/``--quiet`` (warnings and errors only; a subcommand's own ``--quiet`` also hides its progress
    bars) and ``-v``/``--verbose`` (debug messages), before or after the subcommand."""
    have = p._option_string_actions  # noqa: SLF001  (argparse has no public way to ask)
    quiet = [o for o in ("-q", "--quiet") if o not in have]
    if quiet:
        p.add_argument(*quiet, dest="quiet", action="store_true", default=argparse.SUPPRESS,
                       help="same as --quiet" if "--quiet" in have else "only warnings and errors")
    if "-v" not in have and "--verbose" not in have:
        p.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS, help="debug messages")


def _verbosity(args: argparse.Namespace) -> int:
    """-1 (quiet), 0 (information) or 1 (debug) from the options before and after the subcommand."""
    if getattr(args, "quiet", False) or getattr(args, "top_quiet", False):
        return -1
    return min(int(getattr(args, "verbose", 0) or 0) + int(getattr(args, "top_verbose", 0) or 0), 1)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    configure_logging(_verbosity(args))
    try:
        code = int(args._module.run(args) or 0)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handler below, not at exit
        return code
    except FacesrError as exc:
        print(f"facesr: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("facesr: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which closed early: not an error of ours
        import os

        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        except (AttributeError, OSError, ValueError):  # stdout without a file descriptor
            pass
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
