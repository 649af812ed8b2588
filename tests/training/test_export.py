"""Exported weights carry their network; ``generator.init`` starts a run from them."""

from __future__ import annotations

import pytest
import torch
from training_helpers import TINY_RCAN, build

from facesr.benchmark.methods import MethodSpec, build_network, load_weights
from facesr.errors import FacesrError
from facesr.training.export import export_weights


def test_export_roundtrip_and_init(tmp_path):
    trainer = build(tmp_path / "run", **{"generator.ema": 0.5, "train.iterations": 2})
    trainer.fit()
    ckpt = tmp_path / "run" / "checkpoints" / "last.pt"
    out = export_weights(ckpt, tmp_path / "w.safetensors")
    raw = export_weights(ckpt, tmp_path / "raw.safetensors", ema=False)
    state, desc = load_weights(out)
    assert desc == {"model": "rcan", "scale": 8, "options": TINY_RCAN}
    ema = trainer.ema["generator"].module.state_dict()
    assert all(torch.equal(state[k], ema[k].cpu()) for k in ema)
    raw_state, _ = load_weights(raw)
    net_state = trainer.nets["generator"].state_dict()
    assert all(torch.equal(raw_state[k], net_state[k]) for k in net_state)
    # the exported file rebuilds the non-default network without being told its options
    net = build_network(MethodSpec("rcan", out), 8)
    assert sum(p.numel() for p in net.parameters()) == sum(p.numel() for p in trainer.nets["generator"].parameters())
    with pytest.raises(FacesrError, match="x8, asked for x4"):
        build_network(MethodSpec("rcan", out), 4)
    with pytest.raises(FacesrError, match="weights of 'rcan', not 'srcnn'"):
        build_network(MethodSpec("srcnn", out), 8)
    # a new run initialised from the export starts from those weights
    init = build(tmp_path / "run2", **{"generator.init": str(out)})
    got = init.nets["generator"].state_dict()
    assert all(torch.equal(got[k], state[k]) for k in state)


def test_init_with_wrong_network_is_one_line_error(tmp_path):
    trainer = build(tmp_path / "run", **{"train.iterations": 1})
    trainer.fit()
    out = export_weights(tmp_path / "run" / "checkpoints" / "last.pt", tmp_path / "w.safetensors")
    with pytest.raises(FacesrError, match="weights do not fit this network"):
        build(tmp_path / "run2", **{"generator.init": str(out), "generator.options": {**TINY_RCAN, "n_feats": 16}})
