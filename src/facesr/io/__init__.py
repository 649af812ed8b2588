"""Image files in and out, with one documented conversion for every input kind."""

from .atomic import atomic_write
from .image import (
    IMAGE_SUFFIXES,
    ImageInfo,
    list_images,
    read_image,
    read_image_info,
    tensor_to_uint8,
    uint8_to_tensor,
    write_image,
)

__all__ = [
    "IMAGE_SUFFIXES",
    "ImageInfo",
    "atomic_write",
    "list_images",
    "read_image",
    "read_image_info",
    "tensor_to_uint8",
    "uint8_to_tensor",
    "write_image",
]
