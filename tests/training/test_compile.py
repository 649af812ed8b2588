"""``train.compile``: the values a config may hold, what ``auto`` means where, and that the engine calls
the compiled wrapper in training while checkpoints keep the plain network. (Real inductor compiles take
a minute on this CPU: the slow test runs one.)"""

from __future__ import annotations

import json

import pytest
import torch
from training_helpers import build

from facesr.errors import ConfigError
from facesr.training import compiling, load_checkpoint


@pytest.mark.parametrize("value", ["fast", 1.5, "yes"])
def test_unknown_values_are_config_errors(value, tmp_path):
    with pytest.raises(ConfigError, match="train.compile"):
        build(tmp_path / "run", **{"train.compile": value})


def test_auto_compiles_long_cuda_runs_only():
    mode = compiling.compile_mode
    assert mode("auto", "cpu", 10**6) is None
    assert mode("auto", "cuda", compiling.AUTO_MIN_ITERATIONS - 1) is None
    assert mode("auto", "cuda", compiling.AUTO_MIN_ITERATIONS) == "reduce-overhead"
    assert mode(False, "cuda", 10**6) is None
    assert mode(True, "cpu", 1) == "default"
    assert mode("max-autotune", "cpu", 1) == "max-autotune"


def test_the_engine_trains_through_the_compiled_wrapper(tmp_path, monkeypatch):
    calls = []

    class Wrapper(torch.nn.Module):  # stands in for torch.compile's OptimizedModule
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, *args, **kwargs):
            calls.append(1)
            return self.net(*args, **kwargs)

    def fake_compile(net, mode=None):
        fake_compile.mode = mode
        return Wrapper(net)

    monkeypatch.setattr(torch, "compile", fake_compile)
    trainer = build(tmp_path / "run", **{"train.compile": "max-autotune", "train.iterations": 3})
    result = trainer.fit()
    assert result.iteration == 3 and len(calls) == 3 and fake_compile.mode == "max-autotune"
    assert trainer.compiled == "max-autotune" and trainer.nets["generator"] is not trainer.wrapped["generator"]
    assert json.loads((tmp_path / "run" / "precision.json").read_text())["compile"] == "max-autotune"
    state = load_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")["nets"]["generator"]
    assert not any(k.startswith(("net.", "_orig_mod.")) for k in state)  # the plain network's keys


@pytest.mark.slow
def test_inductor_compiled_run_matches_eager_closely(tmp_path):
    eager = build(tmp_path / "eager", **{"train.iterations": 3})
    eager.fit()
    comp = build(tmp_path / "comp", **{"train.iterations": 3, "train.compile": True})
    comp.fit()
    a = load_checkpoint(tmp_path / "eager" / "checkpoints" / "last.pt")["nets"]["generator"]
    b = load_checkpoint(tmp_path / "comp" / "checkpoints" / "last.pt")["nets"]["generator"]
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-3, atol=1e-4)
