"""The loss registry: names -> lazily imported loss classes, with the survey equation each implements
and the context keys a training step feeds them (``inputs``)."""

from __future__ import annotations

from ..registry import Registry

LOSSES: Registry = Registry("loss")

_M = "facesr.losses"
_IMG = ("sr", "hr")


def _add(name: str, target: str, *, eq: str, inputs: tuple[str, ...], kind: str, description: str,
         aliases: tuple[str, ...] = ()) -> None:
    LOSSES.add(name, f"{_M}.{target}", aliases=aliases, eq=eq, inputs=inputs, kind=kind,
               description=description)


_add("l1", "pixel:L1Loss", eq="§2.2.2", inputs=_IMG, kind="pixel", description="mean absolute error")
_add("mse", "pixel:MSELoss", aliases=("l2",), eq="§2.2.2", inputs=_IMG, kind="pixel",
     description="mean squared error (L2)")
_add("huber", "pixel:HuberLoss", eq="§2.2.2", inputs=_IMG, kind="pixel",
     description="Huber loss, delta in [0,1] units")
_add("charbonnier", "pixel:CharbonnierLoss", eq="§2.2.2", inputs=_IMG, kind="pixel",
     description="Charbonnier penalty sqrt(d^2 + eps^2)")
_add("psnr", "pixel:PSNRLoss", eq="§2.2.2", inputs=_IMG, kind="pixel",
     description="mean per-image 10 log10(MSE): minus PSNR in dB, on Y (BT.601) or RGB, border shaved")
_add("wavelet", "wavelet:WaveletLoss", eq="§4.1", inputs=_IMG, kind="pixel",
     description="WaSRNet wavelet-packet MSE (low/high bands) + texture loss")
_add("ssim", "ssim:SSIMLoss", eq="9", inputs=_IMG, kind="pixel", description="(1 - SSIM) / 2")
_add("ms_ssim", "ssim:MSSSIMLoss", aliases=("msssim",), eq="9", inputs=_IMG, kind="pixel",
     description="(1 - MS-SSIM) / 2")
_add("perceptual", "perceptual:PerceptualLoss", eq="10", inputs=_IMG, kind="feature",
     description="distance of backbone (VGG) features")
_add("lpips", "lpips:LPIPSLoss", eq="§2.2.1", inputs=_IMG, kind="feature",
     description="LPIPS v0.1 distance (AlexNet or VGG16 taps, learned linear weights) as a loss")
_add("style", "perceptual:StyleLoss", eq="§2.2.2", inputs=_IMG, kind="feature",
     description="distance of Gram matrices of backbone features")
_add("feature_matching", "perceptual:FeatureMatchingLoss", eq="§2.2.2",
     inputs=("d_feats_fake", "d_feats_real"), kind="feature",
     description="distance of discriminator features of SR and HR")
_add("gan", "adversarial:GANLoss", aliases=("adversarial",), eq="11-12", inputs=("d_fake",),
     kind="adversarial", description="adversarial loss: vanilla (cross entropy), lsgan, wgan, wgan_gp, hinge")
_add("spgan", "adversarial:SupervisedPixelGANLoss", eq="19-20", inputs=("d_real", "d_fake"),
     kind="adversarial", description="SPGAN supervised pixel-wise adversarial loss")
_add("cycle", "structure:CycleLoss", eq="13", inputs=("lr", "lr_cycle", "hr", "hr_cycle"), kind="structure",
     description="cycle consistency of LR and HR")
_add("prior", "structure:PriorLoss", eq="15", inputs=("prior_pred", "heatmaps"), kind="structure",
     description="distance of estimated and true heatmaps / landmarks / parsing")
_add("landmark_heatmap", "landmark:LandmarkHeatmapLoss", eq="15", inputs=("heatmaps_pred", "landmarks"),
     kind="structure", description="estimated heatmaps vs Gaussians drawn from the true landmarks at their size")
_add("parsing_maps", "landmark:ParsingMapLoss", eq="15", inputs=("parsing_pred", "parsing"), kind="structure",
     description="estimated parsing maps vs the true label map (per-class maps, MSE; or cross entropy)")
_add("fan_heatmap", "landmark:FANHeatmapLoss", eq="15", inputs=_IMG, kind="structure",
     description="Super-FAN heatmap loss: frozen landmark-network heatmaps of SR vs HR")
_add("attribute", "structure:AttributeLoss", eq="17", inputs=("attr_pred", "attributes"), kind="structure",
     description="distance of predicted and true attributes")
_add("attribute_gan", "structure:AttributeDiscriminatorLoss", eq="16", inputs=("d_fake",), kind="adversarial",
     description="attribute-conditional discriminator loss with mismatched attributes")
_add("identity", "identity:IdentityLoss", eq="18", inputs=_IMG, kind="identity",
     description="distance of face-recognition embeddings (l1, l2, mse, normalized, cosine)")
_add("identity_sp", "identity:AttentionIdentityLoss", eq="19-22", inputs=("sr", "hr", "d_real", "d_fake"),
     kind="identity", description="SPGAN attention-weighted identity loss")
_add("asoftmax", "identity:ASoftmaxLoss", eq="§4.4.1", inputs=("id_features", "identity"), kind="identity",
     description="A-Softmax (SphereFace) loss on identity embeddings")
_add("contrastive", "identity:ContrastiveLoss", eq="23-24", inputs=("feat1", "feat2", "same"),
     kind="identity",     description="SiGAN pair contrastive loss")
_add("afvl", "identity:AFVLoss", eq="25-26", inputs=("d_fake", "identity"), kind="adversarial",
     description="IADFH adversarial face verification loss (3-way pair discriminator)")
_add("pyramid", "multiscale:PyramidLoss", eq="§2.2.2", inputs=("sr", "hr"), kind="pixel",
     description="pixel loss of intermediate outputs vs the HR face area-averaged to their sizes")
_add("chamfer", "point_cloud:ChamferLoss", eq="§4.8.4", inputs=_IMG, kind="structure",
     description="symmetric Chamfer distance of SR and HR point clouds (N x P x 3; FSR3D)")
_add("edge", "multiscale:EdgeLoss", eq="§2.2.2", inputs=_IMG, kind="pixel",
     description="Charbonnier (or l1/mse) distance of 3x3 Laplacian responses (ATMFN)")
