"""``facesr train``: train a zoo network from a YAML config (single process, or under torchrun)."""

from __future__ import annotations

import argparse


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "train",
        help="train a network from a YAML config",
        description="Train the run a YAML config describes (see configs/ and docs/training.md). "
        "Overrides as key=value with dotted keys, e.g. train.iterations=100 data.train.batch_size=8. "
        "Multi-GPU / multi-node: torchrun --nproc_per_node N -m facesr.cli.main train CONFIG.",
    )
    p.add_argument("config", help="YAML config file")
    p.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides (YAML values)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in the output folder from checkpoints/last.pt (fresh start if none)")
    p.add_argument("--resume-from", metavar="CKPT", help="continue from this checkpoint file")
    p.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    _allow_intermixed_overrides(p)
    return p


def _allow_intermixed_overrides(p: argparse.ArgumentParser) -> None:
    """Let ``key=value`` overrides stand anywhere (``CONFIG --resume a=1`` as well as ``CONFIG a=1 --resume``):
    argparse alone rejects positionals that follow an option."""
    original = p.parse_known_args

    def parse_known_args(args=None, namespace=None):
        tokens, overrides, after_value_flag = [], [], False
        for tok in list(args if args is not None else []):
            if not after_value_flag and "=" in tok and not tok.startswith("-"):
                overrides.append(tok)
            else:
                tokens.append(tok)
            after_value_flag = tok == "--resume-from"
        ns, extra = original(tokens, namespace)
        ns.overrides = list(getattr(ns, "overrides", None) or []) + overrides
        return ns, extra

    p.parse_known_args = parse_known_args  # type: ignore[method-assign]


def run(args: argparse.Namespace) -> int:
    import signal
    import sys

    from ..training import dump_config, load_config

    cfg = load_config(args.config, args.overrides)
    if args.print_config:
        print(dump_config(cfg), end="")
        return 0
    from ..training.engine import Trainer

    resume = args.resume_from if args.resume_from else (True if args.resume else None)
    trainer = Trainer(cfg, resume=resume)
    try:
        result = trainer.fit()
    finally:
        trainer.close()
    if trainer.dist.is_main:
        if result.interrupted:
            print(f"facesr: stopped at iteration {result.iteration}; checkpoint saved in {cfg.output}/checkpoints "
                  f"(continue with --resume)", file=sys.stderr)
        else:
            val = ", ".join(f"{k} {v:.4f}" for k, v in result.last_val.items())
            base = ", ".join(f"{k} {v:.4f}" for k, v in result.baseline.items())
            print(f"done: {result.iteration} iterations in {cfg.output}" + (f"; validation {val}" if val else "")
                  + (f" (bicubic {base})" if base else ""))
    if result.interrupted:
        return 130 if result.signal == signal.SIGINT else 143
    return 0
