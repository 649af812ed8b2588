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

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS = ["demo", "degrade", "evaluate", "bench", "enhance", "zoo", "data", "train", "curves", "mos", "serve"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="facesr",
        description="Face super-resolution toolkit (after the survey 'Deep Learning-based Face Super-Resolution').",
    )
    parser.add_argument("--version", action="version", version=f"facesr {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"facesr.cli.{name}")
        p = module.add_parser(sub)
        p.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
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
