"""The shipped configs that train with the losses no zoo recipe used before (issue 23): the rcan-lite loss study
(SSIM, MS-SSIM, Zhao et al.'s L1 + MS-SSIM mix, PSNR), PSFR-GAN's feature matching as a loss term, and SICNN's
domain-integrated training (CNN-R fine-tuned by A-Softmax). Tiny runs: a few iterations on a few faces."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from training_helpers import RandomPairs, build

from facesr.errors import ConfigError
from facesr.training import Trainer, load_checkpoint, load_config

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
STUDY = CONFIGS / "bundled" / "study"
LOSS_STUDY = ("rcan_lite_x8_ssim", "rcan_lite_x8_ms_ssim", "rcan_lite_x8_l1_msssim", "rcan_lite_x8_psnr")
#: a tiny rcan-lite run: 3 iterations of batch 2 on 4 CelebA faces at the config's 128 px (MS-SSIM's 4 scales)
TINY_STUDY = ["generator.options={n_resgroups: 1, n_resblocks: 1, n_feats: 8, reduction: 4}",
              "data.train.limit=4", "data.train.batch_size=2", "data.train.preload=false", "data.train.num_workers=0",
              "data.val.limit=2", "data.val.batch_size=2", "data.val.every=0", "train.iterations=3",
              "train.checkpoint_every=0", "train.log_every=1", "train.device=cpu", "train.threads=1",
              "train.precision=fp32", "train.channels_last=false", "train.progress=false", "train.tensorboard=false"]


def _log(run: Path) -> list[dict[str, str]]:
    with open(run / "train_log.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def _changed(before: list[torch.Tensor], module: torch.nn.Module) -> bool:
    return any(not torch.equal(a, b) for a, b in zip(before, module.parameters()))


@pytest.mark.parametrize("stem", LOSS_STUDY)
def test_loss_study_config_trains(stem, tmp_path):
    from facesr_testing import require_data

    require_data("celeba")
    require_data("celeba1000")
    cfg = load_config(STUDY / f"{stem}.yaml", [f"output={tmp_path / stem}", *TINY_STUDY])
    trainer = Trainer(cfg)
    before = [p.detach().clone() for p in trainer.nets["generator"].parameters()]
    result = trainer.fit()
    assert result.iteration == 3 and math.isfinite(result.last_val["psnr"])
    rows = _log(tmp_path / stem)
    for term in cfg.losses:
        assert all(math.isfinite(float(r[term])) for r in rows), term
    assert _changed(before, trainer.nets["generator"])


# -- feature matching: the sr recipe computes a critic's features for the feature_matching term -------------
class _FeatD(torch.nn.Module):
    """A toy critic with ``features()``: two "discriminators", the second on the half-size image."""

    def __init__(self) -> None:
        super().__init__()
        self.c1 = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.c2 = torch.nn.Conv2d(4, 1, 3, padding=1)

    def _feats(self, x: torch.Tensor) -> list[torch.Tensor]:
        f1 = F.leaky_relu(self.c1(x), 0.2)
        return [f1, self.c2(f1)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._feats(x)[-1]

    def features(self, x: torch.Tensor) -> list[list[torch.Tensor]]:
        return [self._feats(x), self._feats(F.avg_pool2d(x, 2))]


def test_feature_matching_term_reads_the_discriminator_features(tmp_path, monkeypatch):
    import facesr.models.registry as reg

    monkeypatch.setitem(reg.MODELS.entry("rcan").meta["parts"], "feat_critic", f"{__name__}:_FeatD")
    changes = {
        "nets": {"discriminator": {"model": "rcan", "part": "feat_critic", "role": "critic", "loss": "adv"}},
        "losses": {"pixel": {"type": "l1"}, "adv": {"type": "gan", "mode": "hinge", "weight": 0.01},
                   "fm": {"type": "feature_matching", "criterion": "mse", "layers": "sum", "weight": 10.0}},
    }
    trainer = build(tmp_path / "fm", **changes)
    data = RandomPairs()
    batch = {k: torch.stack([data[i][k] for i in range(2)]) for k in ("lr", "hr")}
    g, d = trainer.nets["generator"], trainer.nets["discriminator"]
    with torch.no_grad():  # PSFR-GAN's formula: MSE summed over layers, averaged over the discriminators
        fake, real = d.features(g(batch["lr"])), d.features(batch["hr"])
        want = sum(sum(F.mse_loss(a, b) for a, b in zip(fa, fb)) for fa, fb in zip(fake, real)) / 2
    d_before = [p.detach().clone() for p in d.parameters()]
    values = trainer.recipe.step(batch, 1)
    assert values["fm"].item() == pytest.approx(want.item(), rel=1e-5)
    assert _changed(d_before, d)  # the critic still trains on its adversarial term


def test_psfrgan_feature_matching_is_a_config_term():
    for name in ("psfrgan_x4", "psfrgan_x8", "psfrgan_cpu_smoke"):
        cfg = load_config(CONFIGS / "prior" / f"{name}.yaml")
        assert cfg.losses["feature_matching"] == {"type": "feature_matching", "criterion": "mse", "layers": "sum",
                                                  "inputs": ["d_feats_fake", "d_feats_real"], "weight": 10.0}
        assert cfg.recipe == {"type": "psfrgan", "style_weight": 1000.0}
        assert cfg.losses["pixel"]["weight"] == 10.0 and cfg.losses["adversarial"]["weight"] == 1.0


def test_psfrgan_recipe_names_the_term_that_replaced_fm_weight(tmp_path):
    from facesr.training.recipes.psfrgan import PSFRGANRecipe

    with pytest.raises(ConfigError, match="feature_matching: {type: feature_matching, criterion: mse, layers: sum"):
        PSFRGANRecipe(build(tmp_path / "x"), {"style_weight": 1000.0, "fm_weight": 10.0})


# -- SICNN's domain-integrated training: CNN-R trained by A-Softmax, alternately with CNN-H --------------------
class _Identities(RandomPairs):
    """Random pairs with identity labels 0..3 (and one unknown, -1)."""

    def __getitem__(self, i: int) -> dict:
        return {**super().__getitem__(i), "identity": torch.tensor(-1 if i == 5 else i % 4)}


def _sicnn_dit(output: Path, *more: str, resume: bool = False) -> Trainer:
    cfg = load_config(CONFIGS / "sicnn_dit_x8_cpu_smoke.yaml",
                      [f"output={output}", "nets.cnn_r.options.pretrained=false", "losses.id_softmax.num_classes=4",
                       "data.val.enabled=false", "train.iterations=2", "train.checkpoint_every=2",
                       "train.threads=1", "train.precision=fp32", "train.channels_last=false", "train.progress=false",
                       "train.tensorboard=false", *more])
    return Trainer(cfg, train_set=_Identities(), resume=resume)


def test_sicnn_domain_integrated_training_updates_cnn_h_and_cnn_r(tmp_path):
    trainer = _sicnn_dit(tmp_path / "dit")
    g, r = trainer.nets["generator"], trainer.nets["cnn_r"]
    assert trainer.recipe.loss.term("id_softmax").module is r.loss_head  # A-Softmax's class weights are CNN-R's
    assert trainer.recipe.loss.term("id_softmax").weight == 0.0  # CNN-H is not trained by classification
    g_before = [p.detach().clone() for p in g.parameters()]
    trunk_before = [p.detach().clone() for p in r.net.parameters()]
    head_before = r.loss_head.weight.detach().clone()
    result = trainer.fit()
    assert result.iteration == 2
    rows = _log(tmp_path / "dit")
    assert all(float(row["cnn_r_loss"]) > 0 and float(row["super_identity"]) >= 0 for row in rows)
    assert _changed(g_before, g) and _changed(trunk_before, r.net)
    assert not torch.equal(head_before, r.loss_head.weight)
    state = load_checkpoint(tmp_path / "dit" / "checkpoints" / "last.pt")
    assert torch.equal(state["nets"]["cnn_r"]["loss_head.weight"], r.loss_head.weight.detach())
    resumed = _sicnn_dit(tmp_path / "dit", "train.iterations=3", resume=True)  # the class weights come back
    assert torch.equal(resumed.nets["cnn_r"].loss_head.weight, r.loss_head.weight)
    assert resumed.recipe.loss.term("id_softmax").module is resumed.nets["cnn_r"].loss_head


def test_sicnn_recipe_needs_a_recognizer_with_a_trainable_loss(tmp_path):
    with pytest.raises(ConfigError, match="recognizer 'cnn_x' must be a network of 'nets' with role critic"):
        _sicnn_dit(tmp_path / "a", "recipe.recognizer=cnn_x")
    with pytest.raises(ConfigError, match="has no parameters to train"):
        _sicnn_dit(tmp_path / "b", "losses.id_softmax={type: gan, weight: 0.0}")
