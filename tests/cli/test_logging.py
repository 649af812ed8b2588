"""Messages go through the ``facesr`` logger; the command line sets the handler and the level."""

from __future__ import annotations

import logging

import pytest

from facesr.cli.main import build_parser, main
from facesr.log import configure, get_logger


@pytest.fixture(autouse=True)
def _restore_logger():
    logger = get_logger()
    handlers, level, propagate = list(logger.handlers), logger.level, logger.propagate
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)
    logger.propagate = propagate


def test_configure_prefixes_messages_and_writes_to_the_current_stderr(capsys):
    configure(0)
    configure(0)  # once: a second call adds no second handler
    get_logger("training").info("training in bf16")
    get_logger("training").debug("hidden at level info")
    err = capsys.readouterr().err
    assert err == "facesr: training in bf16\n"


@pytest.mark.parametrize(("argv", "level"), [
    (["zoo"], logging.INFO), (["-q", "zoo"], logging.WARNING), (["zoo", "-q"], logging.WARNING),
    (["zoo", "-v"], logging.DEBUG), (["--verbose", "zoo"], logging.DEBUG),
    (["enhance", "--quiet", "x.png", "-o", "y.png"], logging.WARNING),
])
def test_cli_sets_the_level(argv, level, monkeypatch):
    import facesr.cli.zoo as zoo

    monkeypatch.setattr(zoo, "run", lambda args: 0)
    if argv[0] == "enhance" or argv[-1] == "y.png":
        import facesr.cli.enhance as enhance

        monkeypatch.setattr(enhance, "run", lambda args: 0)
    assert main(argv) == 0
    assert get_logger().level == level


def test_subcommand_quiet_keeps_its_meaning():
    args = build_parser().parse_args(["enhance", "--quiet", "x.png", "-o", "y.png"])
    assert args.quiet is True
