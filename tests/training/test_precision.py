"""bf16 autocast and channels-last in the engine: a bf16 run trains, resumes bit-identically in its own
precision, records its choice; ``auto`` falls back to fp32 where bf16 is not native; the probe leaves
the network as it found it."""

from __future__ import annotations

import json

import pytest
import torch
from training_helpers import RandomPairs, build

from facesr.errors import ConfigError
from facesr.models import create
from facesr.training import Trainer, config_from_dict, load_checkpoint
from facesr.training import precision as prec
from facesr_testing import stop_after

BF16 = {"train.precision": "bf16", "train.channels_last": True, "train.deterministic": False}


def test_bf16_run_trains_records_and_resumes_bit_identically(tmp_path):
    ref = build(tmp_path / "ref", **BF16)
    assert ref.fit().iteration == 6
    rec = json.loads((tmp_path / "ref" / "precision.json").read_text())
    assert rec["dtype"] == "bf16" and rec["channels_last"] is True and rec["how"] == "config"
    first = build(tmp_path / "cut", **BF16)
    stop_after(first, 3)  # as a SIGTERM after iteration 3: checkpoint and stop
    assert first.fit().interrupted
    assert load_checkpoint(tmp_path / "cut" / "checkpoints" / "last.pt")["precision"]["dtype"] == "bf16"
    cfg = config_from_dict(_cfg(tmp_path / "cut"))
    resumed = Trainer(cfg, resume=True, train_set=RandomPairs())
    assert resumed.fit().iteration == 6
    a = load_checkpoint(tmp_path / "ref" / "checkpoints" / "last.pt")["nets"]["generator"]
    b = load_checkpoint(tmp_path / "cut" / "checkpoints" / "last.pt")["nets"]["generator"]
    for k in a:
        assert torch.equal(a[k], b[k]), k
    losses = [r.split(",")[3] for r in (tmp_path / "ref" / "train_log.csv").read_text().splitlines()[1:]]
    cut = [r.split(",")[3] for r in (tmp_path / "cut" / "train_log.csv").read_text().splitlines()[1:]]
    assert losses == cut


def _cfg(out):
    from training_helpers import tiny_config

    return tiny_config(out, **BF16)


def test_auto_resumes_with_the_checkpoint_choice(tmp_path, monkeypatch):
    build(tmp_path / "run", **BF16, **{"train.iterations": 3}).fit()
    # resumed with "auto": the checkpoint's bf16 wins over a new probe (which would say fp32 here)
    monkeypatch.setattr(prec, "native_bf16", lambda device: None)
    from training_helpers import tiny_config

    cfg = config_from_dict(tiny_config(tmp_path / "run", **{"train.deterministic": False}))
    t = Trainer(cfg, resume=True, train_set=RandomPairs())
    assert t.precision.dtype == "bf16" and t.precision.how == "checkpoint"


def test_auto_falls_back_to_fp32_without_native_bf16(monkeypatch):
    monkeypatch.setattr(prec, "native_bf16", lambda device: None)
    net = create("rcan", 8, seed=0, n_resgroups=1, n_resblocks=1, n_feats=8, reduction=4)
    p, timings = prec.choose("auto", False, torch.device("cpu"), net, torch.rand(2, 3, 4, 4))
    assert p.dtype == "fp32" and timings == {}
    p, timings = prec.choose("auto", "auto", torch.device("cpu"), net, torch.rand(2, 3, 4, 4))
    assert p.dtype == "fp32" and set(timings) == {"fp32", "fp32+channels_last"}


def test_probe_leaves_weights_buffers_grads_and_rng_untouched():
    net = create("sparnet", 8, seed=0, res_depth=1)  # batch norm: running statistics must come back
    before = {k: v.clone() for k, v in net.state_dict().items()}
    x = torch.rand(2, 3, 128, 128)
    torch.manual_seed(5)
    rng = torch.get_rng_state()
    prec.choose("bf16", "auto", torch.device("cpu"), net.train(), x, repeats=1)
    assert torch.equal(rng, torch.get_rng_state())
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert all(p.grad is None for p in net.parameters())
    assert all(p.is_contiguous() for p in net.parameters())


def test_deterministic_auto_means_fp32(tmp_path):
    t = build(tmp_path / "run")  # the helpers' tiny config is deterministic
    assert t.precision.dtype == "fp32" and not t.precision.channels_last


@pytest.mark.parametrize("key,value", [("train.precision", "fp16"), ("train.channels_last", "maybe")])
def test_bad_precision_settings_are_config_errors(tmp_path, key, value):
    from training_helpers import tiny_config

    with pytest.raises(ConfigError, match=key.split(".")[1]):
        config_from_dict(tiny_config(tmp_path / "x", **{key: value}))
