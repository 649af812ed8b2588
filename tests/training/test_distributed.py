"""torchrun on CPU (gloo): two processes with the same global batch match one process, and resume."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from training_helpers import tiny_config

from facesr.training import Trainer, load_checkpoint, load_config

ROOT = Path(__file__).resolve().parents[2]


def _losses(run: Path) -> list[float]:
    with open(run / "train_log.csv", newline="") as fh:
        return [float(r["loss"]) for r in csv.DictReader(fh)]


def _torchrun(config: Path, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29533",
           "-m", "facesr.cli.main", "train", str(config), *extra]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_two_processes_match_one_and_resume(tmp_path):
    from facesr_testing import require_data

    require_data("celeba")
    common = {"train.iterations": 6, "train.checkpoint_every": 3, "train.deterministic": False}
    one = tiny_config(tmp_path / "one", **common, **{"data.train.batch_size": 4})
    two = tiny_config(tmp_path / "two", **common, **{"data.train.batch_size": 2})  # per process
    (tmp_path / "one.yaml").write_text(yaml.safe_dump(one))
    (tmp_path / "two.yaml").write_text(yaml.safe_dump(two))
    threads = torch.get_num_threads()
    try:
        Trainer(load_config(tmp_path / "one.yaml")).fit()
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(False)

    first = _torchrun(tmp_path / "two.yaml", "train.iterations=3")
    assert first.returncode == 0, first.stderr[-2000:]
    assert load_checkpoint(tmp_path / "two" / "checkpoints" / "last.pt")["iteration"] == 3
    state = load_checkpoint(tmp_path / "two" / "checkpoints" / "last.pt")
    assert len(state["rng"]) == 2  # every rank's generators are saved
    second = _torchrun(tmp_path / "two.yaml", "--resume")
    assert second.returncode == 0, second.stderr[-2000:]

    ref, dist = _losses(tmp_path / "one"), _losses(tmp_path / "two")
    assert len(ref) == len(dist) == 6
    assert dist == pytest.approx(ref, rel=1e-5, abs=1e-7)
    a = load_checkpoint(tmp_path / "one" / "checkpoints" / "last.pt")["nets"]["generator"]
    b = load_checkpoint(tmp_path / "two" / "checkpoints" / "last.pt")["nets"]["generator"]
    for k in a:
        assert torch.allclose(a[k], b[k], rtol=1e-4, atol=1e-6), k
