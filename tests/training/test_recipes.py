"""Trainer = loop + recipe: a GAN run resumes bit-identically after a crash, critic losses answer one
``critic_loss`` interface, a config picks its recipe by name, and a new family needs only its recipe."""

from __future__ import annotations

import pytest
import torch
from training_helpers import RandomPairs, build, tiny_config

from facesr.errors import ConfigError
from facesr.training import Trainer, config_from_dict, load_checkpoint
from facesr.training.recipes.base import NonFinite, Recipe

GAN = {
    "generator.ema": 0.9,
    "nets": {"discriminator": {"model": "urdgn", "part": "discriminator", "options": {"image_size": 32},
                               "role": "critic", "loss": "adv", "every": 2, "gp_weight": 10.0,
                               "optimizer": {"type": "adam", "lr": 1e-4, "betas": [0.5, 0.9]}}},
    "losses": {"pixel": {"type": "l1"}, "adv": {"type": "gan", "weight": 0.01, "mode": "wgan_gp"}},
    "train.iterations": 7, "train.checkpoint_every": 2,
}


class _Crash(Exception):
    pass


def test_gan_recipe_resumes_bit_identically_after_a_crash(tmp_path):
    """WGAN-GP (the penalty draws random mixing weights), a critic updated every 2nd iteration, EMA: a run
    that dies without saving at iteration 5 and resumes from iteration 4 ends bit-identical to one that
    never stopped, with the same logged losses."""
    ref = build(tmp_path / "ref", **GAN)
    assert ref.fit().iteration == 7
    cut = build(tmp_path / "cut", **GAN)
    step = cut.step

    def crash_in_5(batch, it):  # as a SIGKILL during iteration 5: no checkpoint written
        if it == 5:
            raise _Crash
        return step(batch, it)

    cut.step = crash_in_5
    with pytest.raises(_Crash):
        cut.fit()
    assert load_checkpoint(tmp_path / "cut" / "checkpoints" / "last.pt")["iteration"] == 4
    assert build(tmp_path / "cut", resume=True, **GAN).fit().iteration == 7
    a = load_checkpoint(tmp_path / "ref" / "checkpoints" / "last.pt")
    b = load_checkpoint(tmp_path / "cut" / "checkpoints" / "last.pt")
    assert sorted(a) == sorted(b)
    for group in ("nets", "ema"):
        for net, state in a[group].items():
            for k, v in state.items():
                assert torch.equal(v, b[group][net][k]), (group, net, k)
    for net, opt in a["optimizers"].items():
        for sa, sb in zip(opt["state"].values(), b["optimizers"][net]["state"].values()):
            assert all(torch.equal(sa[k], sb[k]) for k in sa), net

    def rows(run):
        lines = (tmp_path / run / "train_log.csv").read_text().splitlines()
        cols = lines[0].split(",")
        return [[v for c, v in zip(cols, r.split(",")) if c != "sec_per_it"] for r in lines[1:]]

    assert rows("ref") == rows("cut") and len(rows("ref")) == 7
    assert "discriminator_loss" in (tmp_path / "ref" / "train_log.csv").read_text().splitlines()[0]


# -- one critic interface ---------------------------------------------------------------------------------
def test_every_critic_loss_answers_critic_loss():
    from facesr.losses.adversarial import Critic, GANLoss, SupervisedPixelGANLoss
    from facesr.losses.structure import AttributeDiscriminatorLoss, mismatched_attributes

    calls = []

    def run(images, cond):
        calls.append((images, dict(cond)))
        bias = cond.get("attributes", torch.zeros(len(images), 1)).sum(1).view(-1, 1, 1, 1)
        return images.mean(dim=1, keepdim=True) + bias  # a score map, N x 1 x H x W

    real, fake = torch.rand(3, 3, 8, 8), torch.rand(3, 3, 8, 8)
    attrs = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    critic = Critic(run, real, fake, {"attributes": attrs}, name="nets.d", term="adv")
    assert calls[0][0] is real and calls[1][0] is fake  # d_real first, then d_fake
    gan = GANLoss("hinge")
    assert torch.equal(gan.critic_loss(critic), gan.discriminator(critic.d_real, critic.d_fake))
    sp = SupervisedPixelGANLoss()
    assert torch.equal(sp.critic_loss(critic), sp.discriminator(critic.d_real, critic.d_fake, real, fake))
    att = AttributeDiscriminatorLoss()
    value = att.critic_loss(critic)
    wrong = run(real, {"attributes": mismatched_attributes(attrs)})
    assert torch.equal(value, att.discriminator(critic.d_real, critic.d_fake, wrong))
    with pytest.raises(ConfigError, match=r"nets.d: loss 'adv' \(Eq. 16\) needs an attribute-conditional critic"):
        att.critic_loss(Critic(run, real, fake, name="nets.d", term="adv"))


def test_a_critic_term_without_critic_loss_fails_before_training(tmp_path):
    changes = {**GAN, "losses": {"pixel": {"type": "l1"}, "adv": {"type": "l1", "weight": 0.01}}}
    with pytest.raises(ConfigError, match="nets.discriminator.loss names term 'adv', which has no discriminator"):
        build(tmp_path / "run", **changes)


# -- recipes by name ----------------------------------------------------------------------------------------
def test_config_names_its_recipe(tmp_path):
    from facesr.training import dump_config
    from facesr.training.recipes import recipe_names

    assert {"sr", "landmarks"} <= set(recipe_names())
    cfg = config_from_dict(tiny_config(tmp_path / "a"))
    assert cfg.recipe == "sr" and "recipe: sr" in dump_config(cfg)
    with pytest.raises(ConfigError, match="unknown recipe 'sx'; did you mean 'sr'"):
        config_from_dict(tiny_config(tmp_path / "a", recipe="sx"))
    with pytest.raises(ConfigError, match="recipe must be a recipe name"):
        config_from_dict(tiny_config(tmp_path / "a", recipe={"sigma": 1}))
    with pytest.raises(ConfigError, match="recipe 'sr' has no options"):
        build(tmp_path / "b", recipe={"type": "sr", "sigma": 1})


class ToyRecipe(Recipe):
    """A family written against the recipe interface only: the generator's L1 to HR, nothing else."""

    name = "toy"

    def step(self, batch, it):
        from facesr.training.data import collate_to

        tr = self.trainer
        batch = collate_to(batch, tr.device)
        with tr.autocast():
            sr = tr.wrapped["generator"](batch["lr"])
        loss = (sr.float() - batch["hr"]).abs().mean()
        if not torch.isfinite(loss):
            raise NonFinite(it, "toy loss")
        tr.update(loss, ["generator"])
        return {"loss": loss.detach()}


def test_a_new_family_is_one_recipe_and_a_config(tmp_path):
    trainer = build(tmp_path / "toy", recipe=f"{__name__}:ToyRecipe", **{"train.iterations": 3})
    assert isinstance(trainer.recipe, ToyRecipe)
    assert trainer.fit().iteration == 3
    rows = (tmp_path / "toy" / "train_log.csv").read_text().splitlines()
    assert rows[0] == "iteration,epoch,lr,loss,sec_per_it" and len(rows) == 4
    assert load_checkpoint(tmp_path / "toy" / "checkpoints" / "last.pt")["model"]["name"] == "rcan"
    resumed = Trainer(config_from_dict(tiny_config(tmp_path / "toy", recipe=f"{__name__}:ToyRecipe")),
                      resume=True, train_set=RandomPairs())
    assert resumed.iteration == 3
    with pytest.raises(ConfigError, match="has no validation"):
        build(tmp_path / "v", recipe=f"{__name__}:ToyRecipe", **{"data.val.enabled": True})
