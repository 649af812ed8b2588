"""The engine on tiny networks and synthetic pairs: recipes, EMA, NaN handling, checkpoint errors."""

from __future__ import annotations

import pytest
import torch
from training_helpers import RandomPairs, build, tiny_config

from facesr.errors import ConfigError
from facesr.training import CheckpointError, Trainer, TrainingError, config_from_dict, load_checkpoint


def test_pixel_run_writes_logs_and_checkpoints(tmp_path):
    trainer = build(tmp_path / "run", **{"generator.ema": 0.9})
    result = trainer.fit()
    assert result.iteration == 6 and not result.interrupted
    ck = tmp_path / "run" / "checkpoints"
    assert {p.name for p in ck.iterdir()} == {"iter_0000003.pt", "iter_0000006.pt", "last.pt"}
    state = load_checkpoint(ck / "last.pt")
    assert state["iteration"] == 6 and "generator" in state["ema"]
    rows = (tmp_path / "run" / "train_log.csv").read_text().splitlines()
    assert rows[0].startswith("iteration,epoch,lr,loss,pixel") and len(rows) == 7
    with pytest.raises(ConfigError, match="already holds a run"):
        build(tmp_path / "run")


class _PatchD(torch.nn.Module):
    """A small conditional patch critic: (upsampled LR, image) -> N x 1 x H x W score map."""

    def __init__(self, channels: int = 6) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Conv2d(channels, 4, 3, padding=1), torch.nn.LeakyReLU(0.2),
                                       torch.nn.Conv2d(4, 1, 3, padding=1))

    def forward(self, x):
        return self.net(x)


@pytest.mark.parametrize("mode", ["vanilla", "wgan_gp"])
def test_gan_recipe_trains_generator_and_critic(tmp_path, mode):
    changes = {
        "nets": {"discriminator": {"model": "urdgn", "part": "discriminator", "options": {"image_size": 32},
                                   "role": "critic", "loss": "adv", "every": 1,
                                   "gp_weight": 10.0 if mode == "wgan_gp" else 0.0,
                                   "optimizer": {"type": "rmsprop", "lr": 1e-4}}},
        "losses": {"pixel": {"type": "mse"},
                   "adv": {"type": "gan", "weight": 0.01, "mode": mode, "probabilities": mode == "vanilla"}},
        "train.iterations": 2, "train.checkpoint_every": 0,
    }
    trainer = build(tmp_path / mode, **changes)
    before = [p.detach().clone() for p in trainer.nets["discriminator"].parameters()]
    trainer.fit()
    rows = (tmp_path / mode / "train_log.csv").read_text().splitlines()
    assert "discriminator_loss" in rows[0] and "adv" in rows[0]
    after = list(trainer.nets["discriminator"].parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, after))


def test_spgan_pixelwise_critic_with_lr_condition(tmp_path, monkeypatch):
    import facesr.models.registry as reg

    # a tiny conditional critic registered as a part of RCAN for this test only
    monkeypatch.setitem(reg.MODELS.entry("rcan").meta["parts"], "patch_critic", f"{__name__}:_PatchD")
    changes = {
        "nets": {"discriminator": {"model": "rcan", "part": "patch_critic", "role": "critic", "loss": "adv",
                                   "condition": "lr"}},
        "losses": {"pixel": {"type": "l1"}, "adv": {"type": "spgan", "weight": 0.01}},
        "train.iterations": 2, "train.checkpoint_every": 0,
    }
    trainer = build(tmp_path / "sp", **changes)
    trainer.fit()
    assert "discriminator_loss" in (tmp_path / "sp" / "train_log.csv").read_text().splitlines()[0]


class _NaNAt(RandomPairs):
    def __getitem__(self, i):
        item = super().__getitem__(i)
        if i == 3:
            item = {"lr": item["lr"], "hr": torch.full_like(item["hr"], float("nan"))}
        return item


def test_nonfinite_loss_stops_or_rolls_back(tmp_path):
    with pytest.raises(TrainingError, match=r"non-finite generator loss term\(s\) pixel at iteration \d+; stopped"):
        build(tmp_path / "a", train_set=_NaNAt()).fit()
    trainer = build(tmp_path / "b", train_set=_NaNAt(), **{"train.on_nan": "rollback", "train.max_rollbacks": 1,
                                                             "train.checkpoint_every": 1})
    lr0 = trainer.optimizers["generator"].param_groups[0]["lr"]
    with pytest.raises(TrainingError, match="1 rollbacks already"):
        trainer.fit()
    assert trainer.rollbacks == 1
    assert trainer.optimizers["generator"].param_groups[0]["lr"] == pytest.approx(lr0 * 0.5)


def test_checkpoint_errors(tmp_path):
    trainer = build(tmp_path / "run", **{"train.iterations": 3})
    trainer.fit()
    last = tmp_path / "run" / "checkpoints" / "last.pt"
    # another model
    other = config_from_dict(tiny_config(tmp_path / "other", **{"generator.options": {"n_resgroups": 1,
                                                                                      "n_resblocks": 1,
                                                                                      "n_feats": 8, "reduction": 4}}))
    with pytest.raises(CheckpointError, match="checkpoint is of model rcan x8"):
        Trainer(other, resume=last, train_set=RandomPairs())
    # corrupted
    bad = tmp_path / "bad.pt"
    bad.write_bytes(last.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="corrupted or truncated"):
        load_checkpoint(bad)
    with pytest.raises(CheckpointError, match="checkpoint not found"):
        load_checkpoint(tmp_path / "none.pt")


def test_failed_save_keeps_existing_checkpoint(tmp_path, monkeypatch):
    trainer = build(tmp_path / "run", **{"train.iterations": 3})
    trainer.fit()
    ck = tmp_path / "run" / "checkpoints"
    before = {p.name: p.read_bytes() for p in ck.iterdir()}

    def broken_save(obj, f, *a, **k):
        with open(f, "wb") as fh:
            fh.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        trainer.save()
    after = {p.name: p.read_bytes() for p in ck.iterdir()}
    assert after == before  # no temp file left, nothing replaced


def test_missing_data_root_is_a_clear_error(tmp_path):
    cfg = config_from_dict(tiny_config(tmp_path / "run", **{"data.train.root": str(tmp_path / "nowhere")}))
    with pytest.raises(ConfigError.__mro__[1], match=r"data.train: .*nowhere.* not found"):
        Trainer(cfg)
