"""Config inheritance: ``_base_`` files deep-merged in order, recursively, before ``key=value`` overrides;
``_delete_``; one-line errors naming the file for a missing base, a cycle, a non-mapping, invalid YAML."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from training_helpers import tiny_config

from facesr.errors import ConfigError
from facesr.training import config_from_dict, load_config
from facesr.training.config import merge_config, read_config


def write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def one_line_error(path, *overrides) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path, list(overrides))
    msg = str(info.value)
    assert "\n" not in msg
    return msg


# -- merge semantics --------------------------------------------------------------------------------
def test_merge_mappings_recursively_lists_and_scalars_replace():
    base = {"a": 1, "m": {"x": 1, "y": {"p": 1, "q": 2}}, "l": [1, 2, 3], "s": "base"}
    child = {"m": {"y": {"q": 20, "r": 30}, "z": 3}, "l": [9], "s": "child", "new": True}
    assert merge_config(base, child) == {"a": 1, "m": {"x": 1, "y": {"p": 1, "q": 20, "r": 30}, "z": 3},
                                         "l": [9], "s": "child", "new": True}
    assert base == {"a": 1, "m": {"x": 1, "y": {"p": 1, "q": 2}}, "l": [1, 2, 3], "s": "base"}  # unchanged
    # a mapping over a scalar and a scalar over a mapping replace; null is a value, not a deletion
    assert merge_config({"k": 1, "j": {"a": 1}}, {"k": {"a": 1}, "j": 2}) == {"k": {"a": 1}, "j": 2}
    assert merge_config({"k": 5}, {"k": None}) == {"k": None}


def test_merge_keeps_key_order_of_the_base():
    merged = merge_config({"pixel": 1, "perceptual": 2}, {"adversarial": 3, "pixel": 4})
    assert list(merged) == ["pixel", "perceptual", "adversarial"] and merged["pixel"] == 4


def test_delete_removes_a_key_or_replaces_a_mapping():
    base = {"sched": {"type": "step", "step_size": 5}, "opt": {"lr": 1, "betas": [0, 1]}, "keep": 1}
    assert merge_config(base, {"sched": "_delete_", "gone": "_delete_"}) == {"opt": {"lr": 1, "betas": [0, 1]},
                                                                             "keep": 1}
    assert merge_config(base, {"opt": {"_delete_": True, "lr": 2}})["opt"] == {"lr": 2}
    # markers in values that have nothing to merge into are dropped
    assert merge_config({}, {"a": {"b": "_delete_", "c": 1}}) == {"a": {"c": 1}}


# -- files ------------------------------------------------------------------------------------------
def test_base_file_is_merged_and_the_including_file_wins(tmp_path):
    base = tiny_config(tmp_path / "base_run")
    write(tmp_path / "base.yaml", base)
    child = write(tmp_path / "child.yaml", {"_base_": "base.yaml", "name": "child", "scale": 4,
                                            "generator": {"optimizer": {"lr": 0.5}},
                                            "data": {"train": {"priors": ["landmarks"]}}})
    cfg = load_config(child)
    assert cfg.name == "child" and cfg.scale == 4 and cfg.output == str(tmp_path / "base_run")
    assert cfg.generator.optimizer.lr == 0.5 and cfg.generator.optimizer.type == "adam"  # merged, not replaced
    assert cfg.generator.options == base["generator"]["options"]
    assert cfg.data.train.priors == ("landmarks",) and cfg.data.train.limit == 16
    assert "_base_" not in read_config(child)


def test_list_of_bases_later_overrides_earlier(tmp_path):
    write(tmp_path / "model.yaml", tiny_config(tmp_path / "run"))
    write(tmp_path / "long.yaml", {"train": {"iterations": 500, "log_every": 50}, "data": {"train": {"limit": 100}}})
    write(tmp_path / "short.yaml", {"train": {"iterations": 2}})
    cfg = load_config(write(tmp_path / "c.yaml", {"_base_": ["model.yaml", "long.yaml", "short.yaml"]}))
    assert cfg.train.iterations == 2 and cfg.train.log_every == 50 and cfg.data.train.limit == 100
    cfg = load_config(write(tmp_path / "d.yaml", {"_base_": ["model.yaml", "short.yaml", "long.yaml"]}))
    assert cfg.train.iterations == 500


def test_base_paths_are_relative_to_the_including_file(tmp_path, monkeypatch):
    write(tmp_path / "configs" / "_base_" / "common.yaml", {"seed": 7, "train": {"iterations": 9}})
    write(tmp_path / "configs" / "_base_" / "model.yaml", {"_base_": "common.yaml", **tiny_config(tmp_path / "r")})
    write(tmp_path / "configs" / "group" / "c.yaml", {"_base_": "../_base_/model.yaml", "name": "nested"})
    write(tmp_path / "elsewhere" / "abs.yaml", {"_base_": str(tmp_path / "configs" / "_base_" / "model.yaml")})
    monkeypatch.chdir(tmp_path / "elsewhere")  # the working directory plays no part
    cfg = load_config(tmp_path / "configs" / "group" / "c.yaml")
    # a base's own values override its base (model.yaml sets iterations 6 over common.yaml's 9)
    assert cfg.name == "nested" and cfg.seed == 0 and cfg.train.iterations == 6
    assert load_config("abs.yaml").generator.model == "rcan"


def test_nested_bases_three_levels(tmp_path):
    write(tmp_path / "a.yaml", {**tiny_config(tmp_path / "run"), "name": "a"})
    write(tmp_path / "b.yaml", {"_base_": "a.yaml", "name": "b", "train": {"iterations": 2}})
    write(tmp_path / "c.yaml", {"_base_": "b.yaml", "train": {"log_every": 2}})
    cfg = load_config(tmp_path / "c.yaml")
    assert (cfg.name, cfg.train.iterations, cfg.train.log_every, cfg.train.checkpoint_every) == ("b", 2, 2, 3)


def test_diamond_is_not_a_cycle(tmp_path):
    write(tmp_path / "root.yaml", tiny_config(tmp_path / "run"))
    write(tmp_path / "left.yaml", {"_base_": "root.yaml", "seed": 1})
    write(tmp_path / "right.yaml", {"_base_": "root.yaml", "scale": 4})
    cfg = load_config(write(tmp_path / "c.yaml", {"_base_": ["left.yaml", "right.yaml"]}))
    # each base is resolved on its own first: right.yaml brings root's seed 0 back over left's 1
    assert cfg.seed == 0 and cfg.scale == 4
    cfg = load_config(write(tmp_path / "d.yaml", {"_base_": ["right.yaml", "left.yaml"]}))
    assert cfg.seed == 1 and cfg.scale == 8


def test_delete_in_a_file_restores_the_default(tmp_path):
    base = tiny_config(tmp_path / "run")
    base["generator"]["scheduler"] = {"type": "step", "step_size": 5, "gamma": 0.1}
    base["losses"]["extra"] = {"type": "mse", "weight": 0.5}
    write(tmp_path / "base.yaml", base)
    cfg = load_config(write(tmp_path / "c.yaml", {"_base_": "base.yaml", "generator": {"scheduler": "_delete_"},
                                                  "losses": {"extra": "_delete_"}}))
    assert cfg.generator.scheduler.type == "constant" and cfg.generator.scheduler.step_size == 0
    assert list(cfg.losses) == ["pixel"]
    # a mapping marked _delete_: true replaces the inherited one (the step_size and gamma go)
    cfg = load_config(write(tmp_path / "d.yaml", {"_base_": "base.yaml",
                                                  "generator": {"scheduler": {"_delete_": True, "type": "cosine"}}}))
    assert cfg.generator.scheduler.type == "cosine" and cfg.generator.scheduler.step_size == 0
    assert cfg.generator.scheduler.gamma == 0.5


def test_overrides_apply_after_the_merge(tmp_path):
    base = tiny_config(tmp_path / "run")
    base["losses"]["extra"] = {"type": "mse", "weight": 0.5}
    write(tmp_path / "base.yaml", base)
    child = write(tmp_path / "c.yaml", {"_base_": "base.yaml", "train": {"iterations": 4}})
    cfg = load_config(child, ["train.iterations=11", "generator.optimizer.lr=0.25", "losses.extra=_delete_",
                              "generator.scheduler=_delete_", "nets.nothing.model=_delete_"])
    assert cfg.train.iterations == 11 and cfg.generator.optimizer.lr == 0.25 and list(cfg.losses) == ["pixel"]
    assert "nothing" not in cfg.nets
    assert cfg.train.log_every == 1  # untouched values still come from the base


def test_config_from_dict_resolves_bases(tmp_path, monkeypatch):
    write(tmp_path / "base.yaml", tiny_config(tmp_path / "run"))
    assert config_from_dict({"_base_": "base.yaml", "seed": 3}, base_dir=tmp_path).seed == 3
    monkeypatch.chdir(tmp_path)
    assert config_from_dict({"_base_": "base.yaml"}, ["scale=4"]).scale == 4


# -- errors -----------------------------------------------------------------------------------------
def test_missing_base_names_the_including_file(tmp_path):
    child = write(tmp_path / "c.yaml", {"_base_": "nope/base.yaml", "name": "x"})
    msg = one_line_error(child)
    assert msg.startswith(f"{child}: _base_ file 'nope/base.yaml' not found") and str(tmp_path / "nope") in msg
    write(tmp_path / "mid.yaml", {"_base_": "gone.yaml"})
    msg = one_line_error(write(tmp_path / "top.yaml", {"_base_": "mid.yaml"}))
    assert msg.startswith(f"{tmp_path / 'mid.yaml'}: _base_ file 'gone.yaml' not found")


def test_cycles_are_errors(tmp_path):
    write(tmp_path / "a.yaml", {"_base_": "b.yaml"})
    write(tmp_path / "b.yaml", {"_base_": "c.yaml"})
    write(tmp_path / "c.yaml", {"_base_": "a.yaml"})
    msg = one_line_error(tmp_path / "a.yaml")
    assert "_base_ cycle" in msg and msg.startswith(str(tmp_path / "c.yaml"))
    assert msg.endswith(" -> ".join(str(tmp_path / n) for n in ("a.yaml", "b.yaml", "c.yaml", "a.yaml")))
    msg = one_line_error(write(tmp_path / "self.yaml", {"_base_": "./self.yaml"}))
    assert "_base_ cycle" in msg


def test_base_that_is_not_a_mapping(tmp_path):
    write(tmp_path / "list.yaml", "- 1\n- 2\n")
    msg = one_line_error(write(tmp_path / "c.yaml", {"_base_": "list.yaml"}))
    assert msg == f"{tmp_path / 'list.yaml'}: a config is a YAML mapping"


def test_base_with_invalid_yaml(tmp_path):
    write(tmp_path / "broken.yaml", "train:\n  iterations: [1, 2\n")
    msg = one_line_error(write(tmp_path / "c.yaml", {"_base_": "broken.yaml"}))
    assert msg.startswith(f"{tmp_path / 'broken.yaml'}: line") and "invalid YAML" in msg


def test_bad_base_value(tmp_path):
    for value in (3, {"a": 1}, ["ok.yaml", 2], [""]):
        msg = one_line_error(write(tmp_path / "c.yaml", {"_base_": value}))
        assert msg.startswith(f"{tmp_path / 'c.yaml'}: _base_ must be a file name or a list of file names")


def test_validation_errors_still_name_the_top_file(tmp_path):
    bad = tiny_config(tmp_path / "run")
    bad["train"]["iteratons"] = 5
    write(tmp_path / "base.yaml", bad)
    child = write(tmp_path / "c.yaml", {"_base_": "base.yaml"})
    msg = one_line_error(child)
    assert msg.startswith(f"{child}: unknown config key 'train.iteratons'") and "did you mean 'iterations'" in msg


def test_cli_reports_a_missing_base_in_one_line(tmp_path, capsys):
    from facesr.cli.main import main

    child = write(tmp_path / "c.yaml", {"_base_": "missing.yaml"})
    assert main(["train", str(child)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "_base_ file 'missing.yaml' not found" in err[0] and str(child) in err[0]
    write(tmp_path / "base.yaml", tiny_config(tmp_path / "run"))
    child = write(tmp_path / "d.yaml", {"_base_": "base.yaml", "seed": 5})
    assert main(["train", str(child), "--print-config", "train.iterations=9"]) == 0
    out = capsys.readouterr().out
    assert "iterations: 9" in out and "seed: 5" in out and "_base_" not in out
