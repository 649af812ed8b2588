"""Config loading: typed dataclasses, unknown keys with suggestions, overrides, clear errors."""

from __future__ import annotations

import pytest
from training_helpers import tiny_config

from facesr.errors import ConfigError
from facesr.training import config_from_dict, dump_config, load_config


def test_load_and_override(tmp_path):
    import yaml

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(tiny_config(tmp_path / "run")))
    cfg = load_config(path, ["train.iterations=7", "generator.optimizer.lr=2e-4", "data.train.priors=[heatmaps]"])
    assert cfg.train.iterations == 7 and cfg.generator.optimizer.lr == 2e-4
    assert cfg.data.train.priors == ("heatmaps",)
    assert cfg.generator.optimizer.betas == (0.9, 0.999)
    again = config_from_dict(yaml.safe_load(dump_config(cfg)))
    assert again == cfg


def test_unknown_key_suggests(tmp_path):
    bad = tiny_config(tmp_path)
    bad["generator"]["optimiser"] = {"lr": 1}
    with pytest.raises(ConfigError, match=r"unknown config key 'generator\.optimiser'; did you mean 'optimizer'"):
        config_from_dict(bad)
    with pytest.raises(ConfigError, match="did you mean 'iterations'"):
        config_from_dict(tiny_config(tmp_path), ["train.iteration=3"])


def test_type_and_value_errors(tmp_path):
    with pytest.raises(ConfigError, match="train.iterations: expected an integer"):
        config_from_dict(tiny_config(tmp_path), ["train.iterations=many"])
    with pytest.raises(ConfigError, match="on_nan"):
        config_from_dict(tiny_config(tmp_path), ["train.on_nan=ignore"])
    with pytest.raises(ConfigError, match="not key=value"):
        config_from_dict(tiny_config(tmp_path), ["train.iterations"])
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.yaml")
    (tmp_path / "broken.yaml").write_text("a: [1, 2\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(tmp_path / "broken.yaml")


def test_critic_needs_its_loss(tmp_path):
    cfg = tiny_config(tmp_path)
    cfg["nets"] = {"discriminator": {"model": "urdgn", "part": "discriminator", "role": "critic", "loss": "adv"}}
    with pytest.raises(ConfigError, match="must name the adversarial term"):
        config_from_dict(cfg)


def test_cli_reports_config_errors_in_one_line(tmp_path, capsys):
    import yaml

    from facesr.cli.main import main

    bad = tiny_config(tmp_path / "run")
    bad["train"]["iteratons"] = 5
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    assert main(["train", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "did you mean 'iterations'" in err[0] and str(path) in err[0]
    assert main(["train", str(tmp_path / "nope.yaml")]) == 2
    assert "config file not found" in capsys.readouterr().err
    good = tiny_config(tmp_path / "run")
    path.write_text(yaml.safe_dump(good))
    assert main(["train", str(path), "--print-config", "train.iterations=9"]) == 0
    assert "iterations: 9" in capsys.readouterr().out
