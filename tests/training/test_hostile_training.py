"""Hostile training input: a refused --resume keeps the run's config, leftovers of killed checkpoint
writes are cleaned on resume, out-of-range config values are one-line config errors."""

from __future__ import annotations

import pytest
from training_helpers import RandomPairs, build, tiny_config

from facesr.errors import ConfigError
from facesr.training import CheckpointError, Trainer, config_from_dict


def test_refused_resume_keeps_config_and_leftovers_are_cleaned(tmp_path):
    run = tmp_path / "run"
    build(run, **{"train.iterations": 3}).fit()
    before = (run / "config.yaml").read_text()
    other = tiny_config(run, **{"generator.options": {"n_resgroups": 1, "n_resblocks": 1, "n_feats": 8,
                                                      "reduction": 4}})
    with pytest.raises(CheckpointError):
        Trainer(config_from_dict(other), resume=True, train_set=RandomPairs())
    assert (run / "config.yaml").read_text() == before
    left = run / "checkpoints" / ".iter_0000004.pt.abc123.tmp.pt"
    left.write_bytes(b"half a checkpoint")
    Trainer(config_from_dict(tiny_config(run)), resume=True, train_set=RandomPairs())
    assert not left.exists()


@pytest.mark.parametrize("key,value,match", [
    ("train.threads", -1, "threads"), ("generator.optimizer.lr", float("nan"), "lr"),
    ("generator.optimizer.lr", -1e-4, "lr"), ("data.train.flip", 5, "flip"),
])
def test_out_of_range_values(tmp_path, key, value, match):
    with pytest.raises(ConfigError, match=match):
        config_from_dict(tiny_config(tmp_path / "x", **{key: value}))


def test_duplicate_keys_and_non_utf8_yaml_are_one_line_errors(tmp_path):
    from facesr.training import load_config

    dup = tmp_path / "dup.yaml"
    dup.write_text("name: a\nscale: 4\nscale: 8\n")
    with pytest.raises(ConfigError, match="line 3 invalid YAML .key 'scale' given twice"):
        load_config(dup)
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(bad)
