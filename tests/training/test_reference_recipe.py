"""The reference recipe (``recipe: {type: reference, ...}``): K references per face from in-memory identity
groups, GFRNet's WarpNet pre-training stage then its part critics, and validation on identity groups of a
fake test folder beside bicubic (:mod:`facesr.training.recipes.reference`)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from facesr.errors import ConfigError
from facesr.training import Trainer, load_config
from reference_testing import Faces, write_group_folder

CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "reference"


def _groups(k: int = 3):
    from facesr.data.reference import ReferenceGroupDataset

    return ReferenceGroupDataset(Faces(6, 2), k=k, scale=8, seed=0)


def _log(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_gfrnet_trains_with_three_references_warp_stage_then_part_critics(tmp_path):
    cfg = load_config(CONFIGS / "gfrnet_cpu_smoke.yaml",
                      [f"output={tmp_path}", "recipe.k=3", "train.iterations=2", "data.train.batch_size=2",
                       "train.threads=1", "train.progress=false", "train.tensorboard=false"])
    trainer = Trainer(cfg, train_set=_groups(3))
    assert {"reference", "reference_landmarks"} <= set(trainer.recipe.net_inputs["generator"])
    assert trainer.recipe.parts == {"d_l_eye": 0, "d_r_eye": 1, "d_mouth": 3}
    result = trainer.fit()
    assert result.iteration == 2
    first, second = _log(tmp_path / "train_log.csv")
    assert first["landmark"] and first["flow_tv"] and not first["pixel"] and not first["d_l_eye_loss"]
    assert second["pixel"] and second["adv_mouth"] and second["d_l_eye_loss"] and second["discriminator_loss"]


def test_multi_face_method_gets_every_reference_and_the_mask(tmp_path):
    cfg = load_config(CONFIGS / "mefsr_cpu_smoke.yaml",
                      [f"output={tmp_path}", "train.iterations=1", "data.train.batch_size=2", "train.threads=1",
                       "train.progress=false", "train.tensorboard=false"])
    assert cfg.recipe["k"] == 3
    trainer = Trainer(cfg, train_set=_groups(3))
    assert {"reference", "reference_mask"} <= set(trainer.recipe.net_inputs["generator"])
    assert trainer.fit().iteration == 1


def test_validation_on_identity_groups_beside_bicubic(tmp_path):
    folder = write_group_folder(tmp_path / "set")
    cache = tmp_path / "lms.npz"
    cfg = load_config(CONFIGS / "gwainet_cpu_smoke.yaml",
                      [f"output={tmp_path / 'run'}", "train.iterations=1", "data.train.batch_size=2",
                       "train.threads=1", "train.progress=false", "train.tensorboard=false", "data.val.enabled=true",
                       f"data.val.root={folder}", "data.val.limit=4", "data.val.metrics=[psnr, ssim]",
                       f"recipe.landmark_cache={cache}"])
    trainer = Trainer(cfg, train_set=_groups(1))
    v = trainer.validator
    assert len(v.groups) == 4 and v.groups.names == ["000", "001", "002", "003"] and v.baseline_name == "bicubic"
    assert cache.is_file()  # the test faces' landmarks, estimated once
    result = trainer.fit()
    assert set(result.last_val) == {"psnr", "ssim"} and result.baseline["psnr"] > 5
    row = _log(tmp_path / "run" / "val_log.csv")[-1]
    assert float(row["bicubic_psnr"]) == pytest.approx(result.baseline["psnr"])


def test_refusals(tmp_path):
    with pytest.raises(ConfigError, match="takes no reference"):
        Trainer(load_config(CONFIGS.parent / "srcnn_x8_cpu_smoke.yaml",
                            [f"output={tmp_path}", "recipe=reference", "data.val.enabled=false"]),
                train_set=_groups(1))
    with pytest.raises(ConfigError, match="not a critic"):
        Trainer(load_config(CONFIGS / "gfrnet_cpu_smoke.yaml",
                            [f"output={tmp_path}", "recipe.part_critics={d_nose: nose}"]), train_set=_groups(1))
