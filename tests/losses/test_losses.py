"""Every loss against a value computed by hand on tiny tensors."""

from __future__ import annotations

import math

import pytest
import torch

from facesr.errors import ConfigError, InputError
from facesr.losses import (
    LOSSES,
    AFVLoss,
    ASoftmaxLoss,
    AttentionIdentityLoss,
    AttributeDiscriminatorLoss,
    AttributeLoss,
    CharbonnierLoss,
    ContrastiveLoss,
    CycleLoss,
    FeatureMatchingLoss,
    GANLoss,
    HuberLoss,
    IdentityLoss,
    L1Loss,
    MSELoss,
    MSSSIMLoss,
    PriorLoss,
    PSNRLoss,
    SSIMLoss,
    SupervisedPixelGANLoss,
    build_loss,
    gradient_penalty,
    gram_matrix,
    mismatched_attributes,
    spgan_maps,
)

SR = torch.tensor([[[[0.0, 0.5], [1.0, 0.25]]]])
HR = torch.tensor([[[[0.5, 0.5], [0.0, 0.0]]]])  # differences: -0.5, 0, 1, 0.25


def sp(x: float) -> float:
    return math.log1p(math.exp(x))


def test_pixel_losses():
    assert L1Loss()(SR, HR).item() == pytest.approx((0.5 + 0 + 1 + 0.25) / 4)
    assert MSELoss()(SR, HR).item() == pytest.approx((0.25 + 0 + 1 + 0.0625) / 4)
    assert MSELoss(reduction="sum")(SR, HR).item() == pytest.approx(1.3125)
    # Huber with delta 0.5: |d| < 0.5 -> 0.5 d^2 / 0.5, else |d| - 0.25
    assert HuberLoss(delta=0.5)(SR, HR).item() == pytest.approx((0.25 + 0 + 0.75 + 0.0625) / 4)
    eps = 0.1
    want = sum(math.sqrt(d * d + eps * eps) for d in (0.5, 0, 1, 0.25)) / 4
    assert CharbonnierLoss(eps=eps)(SR, HR).item() == pytest.approx(want)
    w = torch.tensor([[[[1.0, 1.0], [0.0, 0.0]]]])
    assert L1Loss()(SR, HR, w).item() == pytest.approx(0.5 / 4)
    with pytest.raises(ConfigError):
        L1Loss(reduction="max")


def test_psnr_loss_is_minus_the_metric():
    from facesr.metrics.psnr import psnr
    from facesr.ops.color import rgb_to_y

    g = torch.Generator().manual_seed(0)
    hr = torch.rand(3, 3, 20, 20, generator=g)
    sr = (hr + 0.05 * torch.randn(3, 3, 20, 20, generator=g)).clamp(0, 1)
    y_sr, y_hr = rgb_to_y(sr * 255.0)[..., 4:-4, 4:-4], rgb_to_y(hr * 255.0)[..., 4:-4, 4:-4]
    want = -psnr(y_sr, y_hr, 255.0).mean().item()
    assert PSNRLoss(color="y", crop=4, eps=1e-12)(sr, hr).item() == pytest.approx(want, abs=1e-4)
    assert PSNRLoss(color="rgb", eps=1e-12)(sr, hr).item() == pytest.approx(-psnr(sr, hr, 1.0).mean().item(), abs=1e-4)
    # a colour shift with the same luma: invisible to color=y, seen once chroma > 0
    shift = torch.tensor([0.02, 0.0, 0.0]).view(1, 3, 1, 1)
    shift[0, 1] = -0.02 * 65.481 / 128.553
    a = PSNRLoss(color="y")(sr + shift, hr) - PSNRLoss(color="y")(sr, hr)
    b = PSNRLoss(color="y", chroma=0.5)(sr + shift, hr) - PSNRLoss(color="y", chroma=0.5)(sr, hr)
    assert abs(a.item()) < 1e-4 < b.item()
    for bad in ({"color": "lab"}, {"chroma": 0.5, "color": "rgb"}, {"crop": -1}, {"eps": 0}):
        with pytest.raises(ConfigError):
            PSNRLoss(**bad)
    with pytest.raises(ConfigError, match="crop"):
        PSNRLoss(crop=10)(sr, hr)


def test_ssim_loss_eq9():
    torch.manual_seed(0)
    x = torch.rand(2, 3, 24, 24)
    assert SSIMLoss()(x, x).item() == pytest.approx(0.0, abs=1e-7)
    # constant images: SSIM = lum term only = (2 a b + c1) / (a^2 + b^2 + c1), c1 = 0.01^2
    a, b, c1 = 0.2, 0.6, 1e-4
    s = (2 * a * b + c1) / (a * a + b * b + c1)
    got = SSIMLoss()(torch.full((1, 3, 16, 16), a), torch.full((1, 3, 16, 16), b)).item()
    assert got == pytest.approx(0.5 * (1 - s), rel=1e-6)
    y = (x + 0.1 * torch.randn_like(x)).clamp(0, 1).requires_grad_(True)
    loss = SSIMLoss()(y, x)
    loss.backward()
    assert y.grad is not None and torch.isfinite(y.grad).all() and 0 < loss.item() < 0.5
    ms = MSSSIMLoss()(torch.full((1, 3, 48, 48), a), torch.full((1, 3, 48, 48), b)).item()
    # constant images: every cs term is 1, so MS-SSIM = s ** w_last; 48 px fit 3 scales of 11 px,
    # with the first three standard weights renormalised
    w = (0.0448, 0.2856, 0.3001)
    assert ms == pytest.approx(0.5 * (1 - s ** (w[2] / sum(w))), rel=1e-6)


def test_ms_ssim_loss_at_the_face_size():
    """128-px faces (the configs' size) fit 4 scales of the 11x11 window (128, 64, 32, 16 px); 5 need 176 px."""
    torch.manual_seed(0)
    x = torch.rand(2, 3, 128, 128)
    y = (x + 0.1 * torch.randn_like(x)).clamp(0, 1).requires_grad_(True)
    four = MSSSIMLoss(levels=4)(y, x)
    assert four.item() == pytest.approx(MSSSIMLoss()(y, x).item()) and 0 < four.item() < 0.5
    four.backward()
    assert torch.isfinite(y.grad).all() and y.grad.abs().sum() > 0
    with pytest.raises(InputError, match="5 scales needs images of at least 176 px"):
        MSSSIMLoss(levels=5)(y, x)


def test_gan_losses_eq11_12():
    fake, real = torch.tensor([0.5, -1.0]), torch.tensor([2.0, 0.0])
    g = GANLoss("vanilla")
    # -log sigmoid(x) = softplus(-x); -log(1 - sigmoid(x)) = softplus(x)
    assert g.generator(fake).item() == pytest.approx((sp(-0.5) + sp(1.0)) / 2)
    assert g.discriminator(real, fake).item() == pytest.approx((sp(-2) + sp(0)) / 2 + (sp(0.5) + sp(-1)) / 2)
    ls = GANLoss("lsgan")
    assert ls.generator(fake).item() == pytest.approx((0.25 + 4) / 2)
    assert ls.discriminator(real, fake).item() == pytest.approx((1 + 1) / 2 + (0.25 + 1) / 2)
    w = GANLoss("wgan")
    assert w.generator(fake).item() == pytest.approx(0.25)
    assert w.discriminator(real, fake).item() == pytest.approx(-0.25 - 1.0)
    h = GANLoss("hinge")
    assert h.discriminator(real, fake).item() == pytest.approx((0 + 1) / 2 + (1.5 + 0) / 2)
    assert h.generator(fake).item() == pytest.approx(0.25)
    with pytest.raises(ConfigError, match="unknown GAN mode"):
        GANLoss("wgangp")


def test_gan_probabilities_finite_in_bf16():
    """A sigmoid critic (URDGN's, MTDN's) that saturates at 1 in bf16 still gives finite losses: the clamp
    works in float32 (in bf16 1 - 1e-7 rounds to 1 and log(1 - p) was -inf: MTDN's first short run)."""
    g = GANLoss("vanilla", probabilities=True)
    one, zero = torch.ones(4, dtype=torch.bfloat16), torch.zeros(4, dtype=torch.bfloat16)
    for value in (g.discriminator(one, one), g.discriminator(zero, zero), g.generator(zero)):
        assert torch.isfinite(value) and 15.0 < value.item() < 16.2  # -log(1e-7) = 16.1


def test_gradient_penalty_matches_autograd_on_toy_critic():
    torch.manual_seed(1)
    nn = torch.nn
    critic = nn.Sequential(nn.Flatten(), nn.Linear(12, 5), nn.Tanh(), nn.Linear(5, 1))
    real, fake = torch.randn(3, 3, 2, 2), torch.randn(3, 3, 2, 2)
    eps = torch.tensor([0.1, 0.5, 0.9])
    gp = gradient_penalty(critic, real, fake, eps=eps)
    # by hand: per-sample input gradient via autograd.functional.jacobian on each mixed sample
    want = 0.0
    for i in range(3):
        x = eps[i] * real[i : i + 1] + (1 - eps[i]) * fake[i : i + 1]
        jac = torch.autograd.functional.jacobian(lambda t: critic(t).sum(), x)
        want += (jac.norm() - 1.0) ** 2
    assert gp.item() == pytest.approx(want.item() / 3, rel=1e-5)
    # linear critic: the gradient is the weight vector w everywhere -> (||w|| - 1)^2
    lin = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 1))
    wn = lin[1].weight.norm().item()
    assert gradient_penalty(lin, real, fake).item() == pytest.approx((wn - 1) ** 2, rel=1e-5)
    gp.backward()  # differentiable w.r.t. the critic
    assert critic[1].weight.grad is not None


def test_spgan_pixelwise_and_attention_identity():
    d_real = torch.tensor([[[[1.0, 0.0]]]])
    d_fake = torch.tensor([[[[0.5, 0.5]]]])
    hr = torch.zeros(1, 3, 1, 2)
    sr = torch.zeros(1, 3, 1, 2)
    sr[0, :, 0, 0] = torch.tensor([0.3, 0.4, 0.0])  # pixel distances 0.5 and 0
    e, m_d, m_g = spgan_maps(d_real, d_fake, hr, sr)
    assert e.flatten().tolist() == pytest.approx([0.5, -0.5])
    assert m_d.flatten().tolist() == pytest.approx([0.0, 0.5])  # -min(0, E - dist)
    assert m_g.flatten().tolist() == pytest.approx([1.5, 1.0])  # alpha E + 1
    loss = SupervisedPixelGANLoss()
    assert loss.discriminator(d_real, d_fake, hr, sr).item() == pytest.approx((0.0 + 0.5) / 2)
    assert loss.generator(d_real, d_fake).item() == pytest.approx(0.0)
    per_sample = torch.tensor([2.0])
    assert AttentionIdentityLoss.weighted(per_sample, m_g, m_d).item() == pytest.approx(2.0 * (1.5 + 1.5) / 2)


class _Emb(torch.nn.Module):
    """Toy recognition network: the per-channel means as a 3-d embedding."""

    def forward(self, x):
        return x.mean(dim=(2, 3))


def test_identity_loss_eq18_variants():
    sr = torch.zeros(2, 3, 2, 2)
    hr = torch.zeros(2, 3, 2, 2)
    hr[0, 0] = 3.0
    hr[0, 1] = 4.0
    sr[1, 2] = 1.0
    hr[1, 2] = 2.0
    # embeddings: sr = (0,0,0), (0,0,1); hr = (3,4,0), (0,0,2)
    assert IdentityLoss(_Emb(), "l1")(sr, hr).item() == pytest.approx((7 / 3 + 1 / 3) / 2)
    assert IdentityLoss(_Emb(), "l2")(sr, hr).item() == pytest.approx((5 + 1) / 2)
    assert IdentityLoss(_Emb(), "mse")(sr, hr).item() == pytest.approx((25 / 3 + 1 / 3) / 2)
    # normalized: sample 0's sr is zero -> normalize gives 0, distance ||hr/|hr| ||^2 = 1; sample 1 equal -> 0
    assert IdentityLoss(_Emb(), "normalized")(sr, hr).item() == pytest.approx(0.5)
    x = torch.rand(2, 3, 4, 4, requires_grad=True)
    IdentityLoss(_Emb(), "l1")(x, hr).backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_asoftmax():
    loss = ASoftmaxLoss(2, 2, margin=2)
    with torch.no_grad():
        loss.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    feat = torch.tensor([[math.cos(0.3), math.sin(0.3)]]) * 2.0  # ||x|| = 2, theta_0 = 0.3
    label = torch.tensor([0])
    # psi(0.3) with m = 2: k = floor(0.6 / pi) = 0 -> cos(0.6); other logit 2 cos(pi/2 - 0.3)
    logits = torch.tensor([2 * math.cos(0.6), 2 * math.sin(0.3)])
    want = -torch.log_softmax(logits, 0)[0]
    assert loss(feat, label).item() == pytest.approx(want.item(), rel=1e-5)
    feat2 = torch.tensor([[math.cos(2.0), math.sin(2.0)]])  # theta = 2.0 -> k = floor(4/pi) = 1
    psi = -math.cos(4.0) - 2.0
    logits2 = torch.tensor([psi, math.cos(math.pi / 2 - 2.0)])
    assert loss(feat2, label).item() == pytest.approx(-torch.log_softmax(logits2, 0)[0].item(), rel=1e-5)


def test_asoftmax_leaves_out_unknown_identities_and_checks_the_classes():
    torch.manual_seed(0)
    loss = ASoftmaxLoss(4, 3, margin=4, lambda_=5.0)
    feat, labels = torch.randn(3, 4), torch.tensor([2, -1, 0])
    assert loss(feat, labels).item() == pytest.approx(loss(feat[[0, 2]], labels[[0, 2]]).item())
    nothing = loss(feat, torch.tensor([-1, -1, -1]))
    assert nothing.item() == 0.0
    with pytest.raises(ConfigError, match="3 classes but got identity label 3"):
        loss(feat, torch.tensor([3, 0, 1]))


def test_asoftmax_as_a_recognizer_loss_learns_hr_and_sr_identities():
    """critic_loss (SICNN's domain-integrated step): A-Softmax of HR and SR embeddings as one batch of 2N."""
    from facesr.losses.adversarial import Critic

    torch.manual_seed(0)
    loss = ASoftmaxLoss(3, 4, margin=4)
    net = torch.nn.Linear(3 * 2 * 2, 3)
    hr, sr, ident = torch.rand(2, 3, 2, 2), torch.rand(2, 3, 2, 2), torch.tensor([1, 3])

    def run(x, cond):
        return net(x.flatten(1))

    critic = Critic(run, hr, sr, {"identity": ident})
    want = loss(torch.cat([net(hr.flatten(1)), net(sr.flatten(1))]), torch.tensor([1, 3, 1, 3]))
    got = loss.critic_loss(critic)
    assert got.item() == pytest.approx(want.item())
    got.backward()
    assert loss.weight.grad.abs().sum() > 0 and net.weight.grad.abs().sum() > 0
    with pytest.raises(ConfigError, match="identity labels"):
        loss.critic_loss(Critic(run, hr, sr, {}))


def test_identity_loss_on_given_embeddings():
    """network None: the inputs are embeddings (a recognition network's outputs), the HR side detached."""
    f_sr = torch.tensor([[3.0, 4.0], [1.0, 0.0]], requires_grad=True)
    f_hr = torch.tensor([[0.0, 1.0], [2.0, 0.0]], requires_grad=True)
    loss = IdentityLoss(None, "normalized")
    # normalised: (0.6, 0.8) vs (0, 1) -> 0.36 + 0.04 = 0.4; (1, 0) vs (1, 0) -> 0
    assert loss(f_sr, f_hr).item() == pytest.approx(0.2)
    loss(f_sr, f_hr).backward()
    assert f_sr.grad.abs().sum() > 0 and f_hr.grad is None
    assert build_loss("identity", network=None, variant="l1")(f_sr, f_hr).item() == pytest.approx((3 + 0.5) / 2)

def test_contrastive_eq23_24():
    f1 = torch.tensor([[0.1, 0.2], [0.0, 0.0]])
    f2 = torch.tensor([[0.0, 0.0], [0.1, 0.1]])
    same = torch.tensor([1, 0])
    # E_w (L1) = 0.3 and 0.2; same: 0.5 * 0.09; different: 0.5 * (0.5 - 0.2)^2
    want = (0.5 * 0.09 + 0.5 * 0.09) / 2
    assert ContrastiveLoss(margin=0.5)(f1, f2, same).item() == pytest.approx(want)
    assert ContrastiveLoss(margin=0.1)(f1, f2, torch.tensor([0, 0])).item() == pytest.approx(0.0)


def test_afvl_eq25_26():
    z = torch.zeros(1, 3)
    # uniform logits: each NLL = log 3
    assert AFVLoss().discriminator(z, z, z, z).item() == pytest.approx(4 * math.log(3))
    p1 = torch.tensor([[0.0, 2.0, 0.0]])
    want = -torch.log_softmax(p1[0], 0)[1] + math.log(3)
    assert AFVLoss().generator(p1, z).item() == pytest.approx(want.item())


def test_cycle_prior_attribute():
    lr, lr2 = torch.zeros(1, 1, 1, 2), torch.tensor([[[[1.0, 0.0]]]])
    hr, hr2 = torch.zeros(1, 1, 2, 2), torch.full((1, 1, 2, 2), 0.5)
    assert CycleLoss()(lr, lr2, hr, hr2).item() == pytest.approx(0.5 + 0.25)
    assert CycleLoss("l1")(lr, lr2).item() == pytest.approx(0.5)
    hm, hm_t = torch.zeros(1, 2, 2, 2), torch.ones(1, 2, 2, 2)
    assert PriorLoss()(hm, hm_t).item() == pytest.approx(1.0)
    assert PriorLoss("fro")(hm, hm_t).item() == pytest.approx(math.sqrt(8))
    logits = torch.tensor([[[[2.0]], [[0.0]]]])  # N=1, C=2, 1x1
    lab = torch.tensor([[[0]]])
    assert PriorLoss("ce")(logits, lab).item() == pytest.approx(sp(-2.0))
    t = torch.tensor
    assert AttributeLoss("l1")(t([[0.2, 0.9]]), t([[0.0, 1.0]])).item() == pytest.approx(0.15)
    assert AttributeLoss("bce")(t([[0.0]]), t([[1.0]])).item() == pytest.approx(math.log(2))
    nan = float("nan")  # unknown attributes (unlabelled images) do not count
    assert AttributeLoss("l1")(t([[0.2, 0.9]]), t([[0.0, nan]])).item() == pytest.approx(0.2)
    assert AttributeLoss("fro")(t([[0.3, 0.9], [0.0, 0.0]]), t([[0.0, nan], [nan, nan]])).item() == pytest.approx(0.15)
    pred = torch.tensor([[0.3, 0.4]], requires_grad=True)
    none_known = AttributeLoss("bce")(pred, t([[nan, nan]]))
    none_known.backward()
    assert none_known.item() == 0.0 and torch.equal(pred.grad, torch.zeros_like(pred))


def test_attribute_discriminator_eq16():
    r, f, m = torch.tensor([1.0]), torch.tensor([-1.0]), torch.tensor([0.5])
    want = sp(-1.0) + sp(-1.0) + sp(0.5)
    assert AttributeDiscriminatorLoss().discriminator(r, f, m).item() == pytest.approx(want)
    assert AttributeDiscriminatorLoss().generator(f).item() == pytest.approx(sp(1.0))
    a = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    mm = mismatched_attributes(a)
    assert mm.tolist() == [[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]]  # row 2 rolled onto an equal row -> flipped
    assert mismatched_attributes(torch.tensor([[1.0, 0.0]])).tolist() == [[0.0, 1.0]]


def test_style_and_feature_matching():
    f = torch.tensor([[[[1.0, 2.0]], [[0.0, 1.0]]]])  # N=1, C=2, 1x2
    g = gram_matrix(f)
    assert g[0].flatten().tolist() == pytest.approx([5 / 4, 2 / 4, 2 / 4, 1 / 4])
    fm = FeatureMatchingLoss()([torch.ones(1, 2), torch.zeros(1, 1)], [torch.zeros(1, 2), torch.ones(1, 1)])
    assert fm.item() == pytest.approx(1.0)


def test_feature_matching_of_several_discriminators():
    """PSFR-GAN's form: per discriminator the layers' MSE summed (layers: sum), discriminators averaged."""
    fake = [[torch.full((1, 2), 2.0), torch.zeros(1, 1)], [torch.ones(1, 3)]]
    real = [[torch.zeros(1, 2), torch.full((1, 1), 3.0)], [torch.zeros(1, 3)]]
    # D1: 4 + 9 = 13 (sum) or 6.5 (mean); D2: 1
    assert FeatureMatchingLoss("mse", "sum")(fake, real).item() == pytest.approx((13 + 1) / 2)
    assert FeatureMatchingLoss("mse")(fake, real).item() == pytest.approx((6.5 + 1) / 2)
    assert FeatureMatchingLoss("l1", "sum")(fake[0], real[0]).item() == pytest.approx(2 + 3)
    x = torch.zeros(1, 2, requires_grad=True)
    FeatureMatchingLoss("mse", "sum")([[x]], [[torch.ones(1, 2, requires_grad=True)]]).backward()
    assert x.grad.tolist() == [[-1.0, -1.0]]
    with pytest.raises(ConfigError, match="'mean' or 'sum'"):
        FeatureMatchingLoss(layers="max")
    with pytest.raises(ConfigError, match="same discriminators"):
        FeatureMatchingLoss()(fake, real[:1])


def test_registry_names_equations():
    eqs = {e.name: e.meta["eq"] for e in LOSSES}
    assert eqs["ssim"] == "9" and eqs["perceptual"] == "10" and eqs["gan"] == "11-12" and eqs["cycle"] == "13"
    assert eqs["prior"] == "15" and eqs["attribute_gan"] == "16" and eqs["attribute"] == "17"
    assert eqs["identity"] == "18" and eqs["identity_sp"] == "19-22" and eqs["contrastive"] == "23-24"
    assert eqs["afvl"] == "25-26"
    for e in LOSSES:
        doc = e.load().__doc__ or ""
        assert e.meta["eq"].split("-")[0] in doc or e.meta["eq"].startswith("§"), e.name


def test_perceptual_and_style_on_backbone_features():
    from facesr.losses import PerceptualLoss, StyleLoss

    torch.manual_seed(0)
    sr = torch.rand(1, 3, 16, 16, requires_grad=True)
    hr = torch.rand(1, 3, 16, 16)
    loss = PerceptualLoss("vgg16", layers={"relu1_2": 0.5, "relu2_2": 2.0}, pretrained=False)
    f_s, f_h = loss.extractor(sr), loss.extractor(hr)
    want = sum(w * ((f_s[k] - f_h[k]) ** 2).mean() for k, w in (("relu1_2", 0.5), ("relu2_2", 2.0)))
    got = loss(sr, hr)
    assert got.item() == pytest.approx(want.item(), rel=1e-5)
    assert loss(hr, hr).item() == 0.0
    got.backward()
    assert sr.grad is not None and not any(p.grad is not None for p in loss.extractor.parameters())
    style = StyleLoss("vgg16", layers=("relu1_2",), pretrained=False)
    g_s, g_h = gram_matrix(style.extractor(sr)["relu1_2"]), gram_matrix(style.extractor(hr)["relu1_2"])
    assert style(sr, hr).item() == pytest.approx((g_s - g_h).abs().mean().item(), rel=1e-5)


def test_wavelet_loss_level1_by_hand():
    from facesr.losses import WaveletLoss

    hr = torch.zeros(1, 3, 2, 2)
    hr[0, :, 0, 0] = 1.0  # Haar level 1 of [[1,0],[0,0]]: every band = 1/2 (orthonormal)
    sr = torch.zeros(1, 3, 2, 2)
    loss = WaveletLoss(scale=2, w_low=0.1, w_high=1.0, w_texture=2.0, alpha=1.0)
    # LL diff 0.5 -> MSE 0.25; high bands diff 0.5 -> MSE 0.25; texture relu(0.25 - 0) = 0.25
    assert loss(sr, hr).item() == pytest.approx(0.1 * 0.25 + 0.25 + 2.0 * 0.25)
    assert loss(hr, hr).item() == pytest.approx(0.0, abs=1e-7)  # alpha 1, margin 0: texture 0 at equality
