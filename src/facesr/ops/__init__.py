"""Image operations that evaluation protocols depend on: resizing kernels and colour spaces."""

from .color import rgb2ycbcr, rgb_to_y, ycbcr2rgb
from .resize import KERNELS, imresize

__all__ = ["KERNELS", "imresize", "rgb2ycbcr", "rgb_to_y", "ycbcr2rgb"]
