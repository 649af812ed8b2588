"""Reading and writing images.

Every reader returns ``uint8`` RGB ``H x W x 3`` arrays, converted in one documented way:

* EXIF orientation is applied (the pixels are rotated/flipped as a viewer would show them).
* Greyscale (``L``, ``1``) and 16/32-bit greyscale (``I;16``, ``I``, ``F``) are replicated to three
  channels; 16-bit values are scaled to 8 bits by ``round(v / 257)``.
* Palette (``P``) images are expanded through their palette; ``CMYK``/``YCbCr``/``LAB`` are
  converted to RGB by Pillow.
* An alpha channel (``RGBA``, ``LA``, ``PA``) is dropped from the returned pixels (the colour
  values are kept as stored); :func:`read_image_info` returns it separately for callers that
  must put it back (``facesr enhance``).
* 16-bit RGB files (PNG/TIFF ``RGB;16``) are scaled to 8 bits the same way.

Errors name the file and the problem (:class:`~facesr.errors.ImageReadError`).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from ..errors import ImageReadError, InputError
from .atomic import atomic_write

ImageFile.LOAD_TRUNCATED_IMAGES = False

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif")
_WRITE_FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".bmp": "BMP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".webp": "WEBP",
}
#: Images with more pixels than this are refused unless the caller raises the limit.
DEFAULT_MAX_PIXELS = 100_000_000


@dataclass
class ImageInfo:
    """An image as read, plus what was removed to make it plain RGB.

    ``rgb``: ``uint8`` ``H x W x 3``; ``alpha``: ``uint8`` ``H x W`` or ``None``;
    ``grayscale``: the file had one colour channel; ``bit_depth``: 8 or 16; ``mode``: Pillow mode.
    """

    rgb: np.ndarray
    alpha: np.ndarray | None
    grayscale: bool
    bit_depth: int
    mode: str
    path: Path | None = None


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype == bool:
        return arr.astype(np.uint8) * 255
    if arr.dtype in (np.uint16, np.int32, np.uint32, np.int64) or np.issubdtype(arr.dtype, np.integer):
        return np.clip(np.rint(arr.astype(np.float64) / 257.0), 0, 255).astype(np.uint8)
    # float images (mode F): assume 0..255 when values exceed 1, else 0..1
    arr = arr.astype(np.float64)
    scale = 255.0 if arr.size and np.nanmax(arr) <= 1.0 else 1.0
    return np.clip(np.rint(arr * scale), 0, 255).astype(np.uint8)


def _decode(img: Image.Image, name: str) -> ImageInfo:
    img = ImageOps.exif_transpose(img)
    mode = img.mode
    bit_depth = 16 if mode.startswith("I;16") or mode in ("I", "RGB;16", "RGBA;16") else 8
    alpha: np.ndarray | None = None
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif mode == "PA":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "La", "RGBa"):
        alpha = np.asarray(img.getchannel("A"), dtype=np.uint8).copy()
        img = img.convert("RGB") if img.mode in ("RGBA", "RGBa") else img.convert("L")
    grayscale = img.mode in ("L", "1", "I", "I;16", "I;16B", "I;16L", "I;16N", "F")
    if grayscale:
        gray = _to_uint8(np.asarray(img))
        rgb = np.repeat(gray[:, :, None], 3, axis=2)
    elif img.mode == "RGB":
        rgb = np.array(img, dtype=np.uint8)
    else:
        arr = np.asarray(img)
        if arr.ndim == 3 and arr.shape[2] >= 3 and arr.dtype != np.uint8:
            rgb = _to_uint8(arr[:, :, :3])
        else:
            rgb = np.asarray(img.convert("RGB"), dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ImageReadError(f"{name}: cannot convert image of mode {mode} to RGB")
    return ImageInfo(np.ascontiguousarray(rgb), alpha, grayscale, bit_depth, mode)


def read_image_info(path: str | os.PathLike[str], *, max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageInfo:
    """Read ``path`` fully (EXIF applied) and return an :class:`ImageInfo`.

    Raises :class:`ImageReadError` for missing, corrupt, truncated, empty or oversized files.
    """
    p = Path(path)
    if not p.exists():
        raise ImageReadError(f"{p}: file not found")
    if p.is_dir():
        raise ImageReadError(f"{p}: is a folder, not an image")
    if p.stat().st_size == 0:
        raise ImageReadError(f"{p}: empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(p) as img:
                w, h = img.size
                if w * h > max_pixels:
                    raise ImageReadError(
                        f"{p}: image is {w}x{h} ({w * h / 1e6:.0f} MP), above the limit of "
                        f"{max_pixels / 1e6:.0f} MP"
                    )
                if w == 0 or h == 0:
                    raise ImageReadError(f"{p}: image has zero size")
                img.load()
                info = _decode(img, str(p))
    except ImageReadError:
        raise
    except UnidentifiedImageError:
        raise ImageReadError(f"{p}: not a recognised image file (corrupt or unsupported format)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageReadError(f"{p}: image too large ({exc})") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        msg = str(exc) or type(exc).__name__
        if "truncated" in msg.lower() or isinstance(exc, EOFError):
            raise ImageReadError(f"{p}: truncated image file ({msg})") from None
        raise ImageReadError(f"{p}: cannot decode image ({msg})") from None
    info.path = p
    return info


def read_image(path: str | os.PathLike[str], *, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read an image as ``uint8`` RGB ``H x W x 3`` (see the module docstring for conversions)."""
    return read_image_info(path, max_pixels=max_pixels).rgb


def write_image(
    path: str | os.PathLike[str],
    image: np.ndarray,
    *,
    quality: int = 95,
    alpha: np.ndarray | None = None,
    grayscale: bool = False,
) -> Path:
    """Write a ``uint8`` ``H x W x 3`` (or ``H x W``) array atomically; the format follows the suffix.

    ``alpha`` (``H x W`` uint8) is stored where the format allows it (PNG, TIFF, WebP);
    ``grayscale`` stores one channel (the mean of the three). JPEG uses ``quality`` with 4:2:0
    chroma subsampling.
    """
    p = Path(path)
    fmt = _WRITE_FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{p}: unsupported output format {p.suffix!r} (use one of {', '.join(sorted(_WRITE_FORMATS))})"
        )
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        raise InputError(f"{p}: write_image expects uint8 pixels, got {arr.dtype}")
    if arr.ndim == 3 and grayscale:
        arr = np.rint(arr.astype(np.float32).mean(axis=2)).astype(np.uint8)
    if arr.ndim == 2:
        img = Image.fromarray(arr, "L")
        if alpha is not None and fmt in ("PNG", "TIFF", "WEBP"):
            img = Image.fromarray(np.stack([arr, alpha], axis=2), "LA")
    elif arr.ndim == 3 and arr.shape[2] == 3:
        img = Image.fromarray(arr, "RGB")
        if alpha is not None and fmt in ("PNG", "TIFF", "WEBP"):
            img = Image.fromarray(np.concatenate([arr, alpha[:, :, None]], axis=2), "RGBA")
    else:
        raise InputError(f"{p}: cannot write array of shape {arr.shape}")
    if fmt == "JPEG" and img.mode == "LA":
        img = img.convert("L")
    kwargs: dict = {}
    if fmt == "JPEG":
        kwargs = {"quality": int(quality), "subsampling": 2 if img.mode != "L" else 0}
    elif fmt == "WEBP":
        kwargs = {"quality": int(quality)}
    with atomic_write(p) as tmp:
        img.save(tmp, format=fmt, **kwargs)
    return p


def list_images(folder: str | os.PathLike[str], *, recursive: bool = False) -> list[Path]:
    """Image files in ``folder`` (by suffix, case-insensitive), sorted by relative path.

    Raises :class:`InputError` when the folder is missing or holds no image.
    """
    root = Path(folder)
    if not root.exists():
        raise InputError(f"{root}: folder not found")
    if not root.is_dir():
        raise InputError(f"{root}: not a folder")
    it = root.rglob("*") if recursive else root.iterdir()
    files = sorted(
        (p for p in it if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")),
        key=lambda q: q.relative_to(root).as_posix(),
    )
    if not files:
        raise InputError(f"{root}: no image files found ({', '.join(IMAGE_SUFFIXES)})")
    return files


def uint8_to_tensor(images: np.ndarray | list[np.ndarray]):
    """``uint8`` ``H x W x 3`` (or a list / ``N x H x W x 3`` stack) -> ``[0,1] float32 NCHW RGB`` tensor."""
    import torch

    arr = np.stack(images) if isinstance(images, list) else np.asarray(images)
    if arr.ndim == 3:
        arr = arr[None]
    if not arr.flags.writeable or not arr.flags.c_contiguous:
        arr = np.array(arr, order="C")  # torch needs a writable buffer (read-only cache arrays, views)
    t = torch.from_numpy(arr).permute(0, 3, 1, 2)
    return t.to(torch.float32).div_(255.0)


def tensor_to_uint8(x) -> np.ndarray:
    """``[0,1] float NCHW`` (or ``CHW``) tensor -> ``uint8`` ``N x H x W x C`` (or ``H x W x C``), rounded."""
    import torch

    t = x.detach().to("cpu")
    squeeze = t.dim() == 3
    if squeeze:
        t = t[None]
    arr = (t.double().clamp(0, 1) * 255.0).round().to(torch.uint8)
    out = arr.permute(0, 2, 3, 1).contiguous().numpy()
    return out[0] if squeeze else out
