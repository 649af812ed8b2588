"""The other leaves of the survey's Fig. 3 (issue 23) and IADFH: what each network does beyond the generic
behaviour tests of test_models.py (shapes, gradients, export, seeding): SRDSI's PCA split, sparse coding
and fitted bases, DPDFN's isolated regions, SPGAN's pixel-wise discriminator, Attention-FH's windows and
the REINFORCE returns, ATMFN's candidates and the ensemble recipe, IADFH's pairs and the AFVL loss, and
the parameter counts the registry states."""

from __future__ import annotations

import math

import pytest
import torch

from facesr.errors import ConfigError, InputError
from facesr.models import create, create_part, model_info


def _count(name: str, scale: int = 8, **kw) -> int:
    return sum(p.numel() for p in create(name, scale, device="meta", **kw).parameters())


def test_parameter_counts_stated_in_the_registry():
    assert _count("atfmn") == 32_877_699 and "32,877,699" in model_info("atfmn")["notes"]
    assert _count("srdsi") == 667_008 and "667,008" in model_info("srdsi")["notes"]  # the RGB VDSR
    counts = {"dpdfn": 1_359_683, "spgan": 1_517_571, "attention_fh": 1_170_996, "iadfh": 1_521_033}
    for name, n in counts.items():
        assert _count(name) == n and f"{n:,}" in model_info(name)["notes"], name
    assert sum(p.numel() for p in create_part("atfmn", "discriminator", device="meta").parameters()) > 76_000_000
    assert model_info("atmfn")["name"] == "atfmn" and model_info("attention-fh")["name"] == "attention_fh"
    assert model_info("attention_fh")["recipe"] == "reinforce" and model_info("atfmn")["recipe"] == "ensemble"
    assert model_info("iadfh")["family"] == "identity" and model_info("spgan")["table7"] is None


# -- SRDSI -----------------------------------------------------------------------------------------------
def _srdsi(**kw):
    return create("srdsi", 8, seed=0, **{"size": 32, "components": 6, "atoms": 16, "iters": 2, "depth": 3,
                                          "features": 4, **kw}).eval()


def test_srdsi_split_is_a_pca_projection():
    net = _srdsi()
    b = net.pca_basis
    torch.testing.assert_close(b @ b.T, torch.eye(b.shape[0]), atol=1e-5, rtol=0)  # orthonormal rows
    x = torch.rand(2, 3, 32, 32)
    basic, comp = net.split(x)
    torch.testing.assert_close(basic + comp, x)
    again, rest = net.split(basic)  # the basic face lies in the subspace
    torch.testing.assert_close(again, basic, atol=1e-5, rtol=0)
    assert rest.abs().max() < 1e-5 and comp.abs().mean() > 0.1


def test_srdsi_sparse_coding():
    from facesr.models.general.srdsi import ista, spectral_bound

    g = torch.Generator().manual_seed(0)
    d = torch.randn(16, 24, generator=g)
    assert spectral_bound(d.T @ d).item() == pytest.approx(torch.linalg.matrix_norm(d, ord=2).item() ** 2, rel=0.02)
    q, _ = torch.linalg.qr(torch.randn(16, 16, generator=g))
    y = torch.randn(5, 16, generator=g)
    torch.testing.assert_close(ista(y, q, 0.0, 30) @ q.T, y, atol=1e-4, rtol=0)
    z = y @ q  # orthonormal dictionary: the lasso solution is the soft threshold of the coefficients
    torch.testing.assert_close(ista(y, q, 0.5, 30), torch.sign(z) * (z.abs() - 0.5).clamp_min(0), atol=1e-4, rtol=0)
    net = _srdsi(lam=0.0, iters=30)
    net.dict_lr, net.dict_hr = torch.eye(64), torch.eye(64)  # 8x8 patches coded on themselves
    comp = net.split(torch.rand(1, 3, 32, 32))[1]
    torch.testing.assert_close(net.compensate(comp), comp, atol=1e-4, rtol=0)
    net.dict_hr = 2.0 * torch.eye(64)  # the HR dictionary maps the codes
    torch.testing.assert_close(net.compensate(comp), 2.0 * comp, atol=2e-4, rtol=0)


def test_srdsi_fit_writes_bases_that_load(tmp_path):
    from facesr.models.general.srdsi_fit import fit_bases, save_bases

    g = torch.Generator().manual_seed(0)
    base = torch.rand(1, 3, 32, 32, generator=g)
    hr = (base + 0.1 * torch.rand(12, 3, 32, 32, generator=g)).clamp(0, 1)
    bases = fit_bases(hr, 4, components=5, atoms=16, patches=400, iters=10, rounds=2)
    b = bases["pca_basis"]
    assert b.shape == (5, 3 * 32 * 32) and bases["dict_lr"].shape == bases["dict_hr"].shape == (64, 16)
    torch.testing.assert_close(b @ b.T, torch.eye(5), atol=1e-4, rtol=0)
    torch.testing.assert_close(bases["pca_mean"], hr.flatten(1).mean(0), atol=1e-5, rtol=0)
    path = save_bases(bases, tmp_path / "b.safetensors", scale=4)
    net = create("srdsi", 4, size=32, components=5, atoms=16, iters=2, depth=3, features=4, bases=str(path))
    torch.testing.assert_close(net.pca_basis, b)
    assert net(torch.rand(1, 3, 32, 32)).shape == (1, 3, 32, 32)
    with pytest.raises(ConfigError, match="not found"):
        create("srdsi", 4, size=32, bases=str(tmp_path / "none.safetensors"))
    with pytest.raises(InputError, match="built for 32x32"):
        net(torch.rand(1, 3, 64, 64))


# -- DPDFN -----------------------------------------------------------------------------------------------
def test_dpdfn_local_regions_do_not_mix():
    from facesr.models.general.dpdfn import LocalRegions

    torch.manual_seed(0)
    lrn = LocalRegions(4, regions=2, blocks=2).eval()
    x = torch.rand(1, 4, 8, 8)
    y = x.clone()
    y[..., :4, :4] += 1.0  # change the top-left region only
    d = (lrn(y) - lrn(x)).abs()
    assert d[..., :4, :4].sum() > 0 and d[..., 4:, :].sum() == 0 and d[..., :4, 4:].sum() == 0
    with torch.no_grad():  # each region has its own weights (grouped convs)
        for p in lrn.parameters():
            p.zero_()
        torch.testing.assert_close(lrn(x), x)


# -- SPGAN -----------------------------------------------------------------------------------------------
class _Emb(torch.nn.Module):
    def forward(self, x):
        return x.mean(dim=(2, 3)).repeat(1, 43)[:, :128]


def test_spgan_pixelwise_discriminator_with_identity_features():
    d = create_part("spgan", "discriminator", seed=0, widths=(8, 8, 8, 8)).eval()
    d._recogniser.append(_Emb())  # stand-in for dlib's network (not a parameter of the critic)
    assert not any("recogniser" in n for n, _ in d.named_parameters())
    x = torch.rand(2, 6, 32, 32)
    out = d(x)
    assert out.shape == (2, 1, 32, 32)  # the discriminative matrix has the image's size
    with torch.no_grad():
        for p in d.inject.parameters():
            p.zero_()
    assert not torch.allclose(d(x), out)  # the identity features were added at the scales
    with pytest.raises(InputError, match="multiples of 16"):
        d(torch.rand(1, 6, 40, 40))
    none = create_part("spgan", "discriminator", seed=0, widths=(8, 8, 8, 8), identity_net="none")
    assert none.inject is None and none(x).shape == (2, 1, 32, 32)


# -- Attention-FH ----------------------------------------------------------------------------------------
def _afh(**kw):
    return create("attention_fh", 4, seed=0, **{"steps": 3, "grid": 4, "hidden": 8, "enh_features": 8,
                                                 "enh_depth": 3, "policy_widths": (8, 8), **kw})


def test_attention_fh_changes_only_the_chosen_window():
    net = _afh().eval()
    x = torch.rand(1, 3, 64, 64)
    onehot = torch.zeros(1, net.actions)
    onehot[0, 4] = 1.0  # window (1, 1) of the 3 x 3 windows: rows/cols 16..47
    y = net.step(x, onehot)
    diff = (y - x).abs().sum(dim=1)[0]
    inside = torch.zeros(64, 64, dtype=torch.bool)
    inside[16:48, 16:48] = True
    assert diff[~inside].sum() == 0 and diff[inside].sum() > 0
    with torch.no_grad():
        a, b = net(x), net(x)
    torch.testing.assert_close(a, b)  # evaluation: the most likely windows, deterministic
    raster = net(x, policy="raster")
    assert raster.shape == x.shape
    with pytest.raises(ConfigError, match="greedy, sample or raster"):
        net(x, policy="random")


def test_attention_fh_training_rollout_and_reinforce_returns():
    from facesr.training.recipes.reinforce import discounted_returns, frame_psnr

    net = _afh().train()
    out = net(torch.rand(2, 3, 64, 64), aux=True)
    assert out["log_probs"].shape == out["entropy"].shape == (2, 3)
    assert out["frames"].shape == (2, 4, 3, 64, 64) and torch.equal(out["frames"][:, -1], out["sr"])
    assert (out["log_probs"] <= 0).all() and (out["entropy"] <= math.log(net.actions) + 1e-5).all()
    r = torch.tensor([[1.0, 2.0, 3.0]])
    torch.testing.assert_close(discounted_returns(r, 1.0), torch.tensor([[6.0, 5.0, 3.0]]))
    torch.testing.assert_close(discounted_returns(r, 0.5), torch.tensor([[1 + 0.5 * 2 + 0.25 * 3, 2 + 1.5, 3.0]]))
    hr = torch.zeros(1, 3, 2, 2)
    frames = torch.full((1, 2, 3, 2, 2), 0.1)
    frames[0, 1] = 0.01
    torch.testing.assert_close(frame_psnr(frames, hr), torch.tensor([[20.0, 40.0]]))


def test_reinforce_increases_the_probability_of_rewarded_actions():
    """One REINFORCE step on a fixed advantage raises log pi of the actions with positive advantage."""
    net = _afh(steps=1).train()
    torch.manual_seed(1)
    x = torch.rand(4, 3, 64, 64)
    logits, _ = net.policy(x, x.new_zeros(4, net.actions), None)
    target = 2
    logp = torch.log_softmax(logits, 1)[:, target]
    (-(logp * 1.0).mean()).backward()
    opt = torch.optim.SGD(net.policy.parameters(), lr=0.1)
    before = logp.detach()
    opt.step()
    after = torch.log_softmax(net.policy(x, x.new_zeros(4, net.actions), None)[0], 1)[:, target]
    assert after.mean() > before.mean()


# -- ATMFN and the ensemble recipe -----------------------------------------------------------------------
def test_atfmn_candidates_masks_and_the_judged_output():
    from facesr.training.recipes.ensemble import _Judged

    net = create("atfmn", 8, seed=0, blocks=1, rnn_steps=1, hidden=8, mask_widths=(4, 4, 4, 4, 4),
                 fusion_units=1).eval()
    x = torch.rand(1, 3, 8, 8)
    with torch.no_grad():
        out = net(x, aux=True)
        torch.testing.assert_close(net(x), out["sr"])
        judged = _Judged(net, "sr_gan")(x, aux=True)
    assert set(out) == {"sr", *net.aux_outputs}
    assert all(((out[f"mask_{k}"] > 0) & (out[f"mask_{k}"] < 1)).all() for k in ("cnn", "gan", "rnn"))
    torch.testing.assert_close(judged["sr"], out["sr_gan"])
    torch.testing.assert_close(judged["sr_fused"], out["sr"])
    with pytest.raises(InputError, match="multiples of 4"):
        create("atfmn", 4, blocks=1, rnn_steps=1, hidden=8, mask_widths=(4, 4, 4, 4, 4))(torch.rand(1, 3, 6, 6))


# -- IADFH and AFVL --------------------------------------------------------------------------------------
def test_iadfh_generator_outputs_every_scale():
    net = create("iadfh", 16, seed=0, features=8, lr_blocks=1, stage_blocks=1).eval()
    with torch.no_grad():
        out = net(torch.rand(1, 3, 4, 4), aux=True)
    assert {k: tuple(v.shape[-1:]) for k, v in out.items()} == {"sr_x2": (8,), "sr_x4": (16,), "sr_x8": (32,),
                                                                "sr": (64,)}


def test_iadfh_pairs_and_afvl_eq25_26():
    from facesr.losses import AFVLoss, afvl_cross_targets
    from facesr.losses.adversarial import Critic
    from facesr.losses.identity import AFVL_GENUINE, AFVL_IMPOSTER

    ident = torch.tensor([3, 3, 5, -1])
    assert afvl_cross_targets(ident).tolist() == [-100, AFVL_GENUINE, AFVL_IMPOSTER, -100]  # prev of 0 is 3: -1
    d = create_part("iadfh", "discriminator", seed=0, widths=(8, 8, 8, 8, 8)).eval()
    x, ref = torch.rand(4, 3, 32, 32), torch.rand(4, 3, 32, 32)
    out = d(x, reference=ref, identity=ident)
    assert out.shape == (4, 2, 3)
    torch.testing.assert_close(out[:, 0], d.pair(ref, x))
    torch.testing.assert_close(out[:, 1], d.pair(ref.roll(1, 0), x))
    with pytest.raises(InputError, match="references"):
        d(x)
    # the critic loss: pair1/pair2 fake, pair3 genuine, pair4 by the labels (unknown pairs left out)
    logits = torch.zeros(4, 2, 3)
    critic = Critic(lambda img, c: logits, x, x, {"identity": ident, "reference": ref})
    assert AFVLoss().critic_loss(critic).item() == pytest.approx(4 * math.log(3))
    sure = torch.zeros(4, 2, 3)
    sure[:, 0, AFVL_GENUINE] = 20.0
    sure[1, 1, AFVL_GENUINE] = 20.0
    sure[2, 1, AFVL_IMPOSTER] = 20.0
    assert AFVLoss()(sure, ident).item() == pytest.approx(0.0, abs=1e-6)  # Eq. 26 satisfied
    assert AFVLoss().critic_loss(Critic(lambda img, c: sure, x, x, {"identity": ident})).item() > 20
    with pytest.raises(ConfigError, match="N x 2 x 3"):
        AFVLoss()(torch.zeros(4, 3), ident)
