"""Named evaluation protocols: every convention that changes a PSNR/SSIM/LPIPS number, as data.

A protocol pins how LR is made from HR, how SR is quantised, the colour plane, rounding of that
plane, the border crop, the SSIM window and constants, the data range and the LPIPS variant.
Every result facesr reports names the protocol and prints :meth:`Protocol.convention`.
See ``docs/protocols.md`` and ``metric_conventions.md`` in the project's reference notes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np

from ..errors import InputError
from ..registry import Registry


@dataclass(frozen=True)
class Protocol:
    """One evaluation convention. All pixel values are on the 0..255 scale.

    Fields:
        lr_kernel: resize kernel that makes LR from uint8 HR (``matlab``, ``pil``, ``cv2``);
            the LR is stored as uint8.
        up_kernel: kernel of the bicubic baseline that upsamples LR back to HR size.
        color: plane scored by PSNR/SSIM: ``y601`` (BT.601 limited, MATLAB ``rgb2ycbcr``),
            ``yfull`` (full-range luma, 0..255) or ``rgb`` (mean over the three channels).
        sr_quantize: round SR to uint8 before scoring (as when SR is saved as PNG).
        y_quantize / ssim_y_quantize: ``round``, ``trunc`` (``astype(uint8)``) or ``none`` for
            the luma used by PSNR / by SSIM.
        crop: pixels removed from each border; ``None`` means "equal to the scale factor".
        ssim_window: ``gauss11`` (11x11 Gaussian, sigma 1.5) or ``uniform7`` (7x7 box), both
            evaluated on the valid region only.
        ssim_sample_cov: divide (co)variances by N-1 instead of N (scikit-image default).
        ssim_relu_cs: clamp the contrast-structure term at 0 (pyiqa).
        ssim_inverted_y: score SSIM on ``256 - Y`` (DIC's released code wraps uint8 ``Y*255``).
        data_range: peak value for PSNR and SSIM constants (K1=0.01, K2=0.03).
        lpips: ``alex`` / ``vgg`` on RGB in [-1,1], or ``alex-y-raw`` (the survey's script: the
            border-cropped Y plane in [16,235], replicated to 3 channels, never normalised).
    """

    name: str
    description: str
    lr_kernel: str
    up_kernel: str
    color: str
    sr_quantize: bool
    y_quantize: str
    ssim_y_quantize: str
    crop: int | None
    ssim_window: str
    ssim_sample_cov: bool = False
    ssim_relu_cs: bool = False
    ssim_inverted_y: bool = False
    data_range: float = 255.0
    lpips: str = "alex"
    metrics: tuple[str, ...] = ("psnr", "ssim")
    source: str = ""

    def crop_for(self, scale: float) -> int:
        """Border crop in pixels for ``scale`` (the scale itself when ``crop`` is None)."""
        return int(round(scale)) if self.crop is None else int(self.crop)

    def convention(self, scale: float | None = None) -> str:
        """A one-line, human-readable statement of every convention (printed under each table)."""
        plane = {"y601": "Y (BT.601 limited, MATLAB rgb2ycbcr)", "yfull": "Y (full-range luma)",
                 "rgb": "RGB"}[self.color]
        q = {"round": "rounded", "trunc": "truncated", "none": "float"}
        crop = (f"crop {self.crop_for(scale)} px" if scale is not None else
                ("crop = scale" if self.crop is None else f"crop {self.crop} px"))
        win = "Gaussian 11x11 sigma 1.5" if self.ssim_window == "gauss11" else "uniform 7x7"
        extras = []
        if self.ssim_sample_cov:
            extras.append("sample covariance")
        if self.ssim_relu_cs:
            extras.append("relu(cs)")
        if self.ssim_inverted_y:
            extras.append("on 256-Y as DIC's code")
        ssim = win + (" (" + ", ".join(extras) + ")" if extras else "") + " valid"
        return (
            f"protocol {self.name}: LR = {self.lr_kernel} bicubic downscale of uint8 HR; "
            f"SR {'rounded to uint8' if self.sr_quantize else 'float'}; {plane}"
            + (f" {q[self.y_quantize]}" if self.color != "rgb" else "")
            + f"; {crop}; SSIM {ssim}; range {self.data_range:g}; LPIPS {self.lpips}"
        )

    def as_dict(self) -> dict:
        return asdict(self)

    # -- pixel preparation shared by PSNR, SSIM and MS-SSIM -------------------------------------
    def plane(self, x, scale: float, *, for_ssim: bool = False):
        """``[0,1] float NCHW RGB`` -> the float64 plane (0..255 scale) that PSNR/SSIM score.

        Applies the border crop, SR quantisation, colour conversion and luma rounding.
        Returns ``N x C x h x w`` with C = 1 (luma) or 3 (RGB). The last few results are memoised
        per input tensor, so PSNR, SSIM and MS-SSIM of one batch share the work.
        """
        same = (not for_ssim) or (self.ssim_y_quantize == self.y_quantize and not self.ssim_inverted_y)
        key = (self, scale, False if same else for_ssim)
        for entry in _PLANE_MEMO:
            if entry[0] is x and entry[1] == key and entry[2] == x._version:
                return entry[3]
        out = self._plane(x, scale, for_ssim)
        _PLANE_MEMO.insert(0, (x, key, x._version, out))
        del _PLANE_MEMO[4:]
        return out

    def _plane(self, x, scale: float, for_ssim: bool):
        import torch


        if x.dim() != 4 or x.shape[1] != 3:
            raise InputError(f"expected N x 3 x H x W RGB tensors, got shape {tuple(x.shape)}")
        c = self.crop_for(scale)
        if c:
            h, w = x.shape[-2:]
            if 2 * c >= min(h, w):
                raise InputError(f"border crop of {c} px leaves nothing of a {h}x{w} image")
            x = x[..., c:-c, c:-c]
        v = x.detach().to(torch.float64).mul_(255.0)
        if self.sr_quantize:
            v.round_().clamp_(0, 255)
        if self.color in ("y601", "yfull"):
            v = _luma(v, self.color)
            mode = self.ssim_y_quantize if for_ssim else self.y_quantize
            if mode == "round":
                v.round_()
            elif mode == "trunc":
                v.clamp_(0, 255).floor_()
        if for_ssim and self.ssim_inverted_y:
            v = torch.remainder(256.0 - v, 256.0)
        return v

    # -- LR making and the bicubic baseline ----------------------------------------------------
    def make_lr(self, hr: np.ndarray, scale: int) -> np.ndarray:
        """uint8 ``N x H x W x 3`` (or one ``H x W x 3``) HR -> uint8 LR of size ``H/scale``.

        Raises :class:`InputError` when the HR size is not a multiple of ``scale``.
        """
        return _resample_uint8(hr, scale, self.lr_kernel, down=True)

    def upsample(self, lr: np.ndarray, scale: int) -> np.ndarray:
        """The bicubic baseline: uint8 LR -> uint8 image ``scale`` times larger."""
        return _resample_uint8(lr, scale, self.up_kernel, down=False)


def _resample_uint8(images: np.ndarray, scale: int, kernel: str, *, down: bool) -> np.ndarray:
    from ..ops.resize import imresize, pil_resize_uint8

    arr = np.asarray(images)
    single = arr.ndim == 3
    if single:
        arr = arr[None]
    if arr.dtype != np.uint8 or arr.ndim != 4:
        raise InputError(f"expected uint8 N x H x W x 3 images, got {arr.dtype} {arr.shape}")
    n, h, w, _ = arr.shape
    if scale != int(scale) or scale < 1:
        raise InputError(f"scale must be a positive integer here, got {scale}")
    scale = int(scale)
    if down:
        if h % scale or w % scale:
            raise InputError(f"a {h}x{w} image cannot be downscaled by x{scale} (size not divisible)")
        size = (h // scale, w // scale)
    else:
        size = (h * scale, w * scale)
    if kernel == "pil":
        out = np.stack([pil_resize_uint8(a, size) for a in arr])
    else:
        import torch

        # integer input: imresize keeps MATLAB's uint8 image between its two passes
        t = torch.from_numpy(np.ascontiguousarray(arr)).permute(0, 3, 1, 2)
        factor = 1.0 / scale if down else float(scale)
        r = imresize(t, (factor, factor), kernel=kernel)
        out = r.permute(0, 2, 3, 1).contiguous().numpy()
    return out[0] if single else out


def _luma(v, color: str):
    """Y from float64 RGB on 0..255 (``N x 3 x H x W``), computed in place on one new plane."""
    from ..ops.color import luma_weights

    wr, wg, wb, off = luma_weights("y601" if color == "y601" else "full")
    # same operation order (and so the same float64 rounding) as facesr.ops.color.rgb_to_y; no
    # fused multiply-add, which would move truncated luma values that sit exactly on an integer
    y = v[:, 0:1] * wr
    y += v[:, 1:2] * wg
    y += v[:, 2:3] * wb
    if off:
        y += off
    return y


#: (input tensor, key, tensor version, plane) of recent :meth:`Protocol.plane` calls; holding the
#: input keeps its identity unique while it is cached.
_PLANE_MEMO: list[tuple] = []

PROTOCOLS: Registry[Protocol] = Registry("protocol")
_TABLE: dict[str, Protocol] = {}


def _add(p: Protocol) -> None:
    _TABLE[p.name] = p
    PROTOCOLS.add(p.name, f"{__name__}:_TABLE", description=p.description)


_add(Protocol(
    name="facesr",
    description="facesr default: MATLAB-bicubic LR, uint8 SR, Y601 rounded, 8 px crop, Gaussian-11 SSIM",
    lr_kernel="matlab", up_kernel="matlab", color="y601", sr_quantize=True, y_quantize="round",
    ssim_y_quantize="round", crop=8, ssim_window="gauss11", lpips="alex",
    metrics=("psnr", "ssim"), source="MATLAB reference SSIM; survey's 8 px crop",
))
_add(Protocol(
    name="survey",
    description="the survey's Face-Hallucination-Benchmark scripts: PIL LR, Y601 rounded, crop 8, "
    "skimage 7x7 uniform SSIM, LPIPS-alex on the raw Y plane",
    lr_kernel="pil", up_kernel="pil", color="y601", sr_quantize=True, y_quantize="round",
    ssim_y_quantize="round", crop=8, ssim_window="uniform7", ssim_sample_cov=True, lpips="alex-y-raw",
    metrics=("psnr", "ssim"), source="junjun-jiang/Face-Hallucination-Benchmark eval_psnr_ssim.py, calc_lpips.py",
))
_add(Protocol(
    name="dic",
    description="DIC's released calc_metrics: PIL LR, Y601 rounded, crop = scale, Gaussian-11 SSIM on 256-Y",
    lr_kernel="pil", up_kernel="pil", color="y601", sr_quantize=True, y_quantize="round",
    ssim_y_quantize="round", crop=None, ssim_window="gauss11", ssim_inverted_y=True, lpips="alex",
    metrics=("psnr", "ssim"), source="Maclory/Deep-Iterative-Collaboration code/utils/util.py",
))
_add(Protocol(
    name="basicsr",
    description="BasicSR calculate_psnr/ssim(test_y_channel=True): MATLAB LR, uint8 SR, Y601 float, crop = scale",
    lr_kernel="matlab", up_kernel="matlab", color="y601", sr_quantize=True, y_quantize="none",
    ssim_y_quantize="none", crop=None, ssim_window="gauss11", lpips="vgg",
    metrics=("psnr", "ssim"), source="XPixelGroup/BasicSR basicsr/metrics/psnr_ssim.py",
))
_add(Protocol(
    name="sparnet",
    description="Face-SPARNet psnr_ssim.py: PIL LR (PIL pre-upsampling), Y601 truncated, no crop, "
    "skimage Gaussian SSIM",
    lr_kernel="pil", up_kernel="pil", color="y601", sr_quantize=True, y_quantize="trunc",
    ssim_y_quantize="trunc", crop=0, ssim_window="gauss11", lpips="alex",
    metrics=("psnr", "ssim"), source="chaofengc/Face-SPARNet psnr_ssim.py",
))
_add(Protocol(
    name="pyiqa",
    description="pyiqa defaults psnry/ssim: full-range Y (YIQ), float SR, no crop; SSIM on rounded Y with relu(cs)",
    lr_kernel="matlab", up_kernel="matlab", color="yfull", sr_quantize=False, y_quantize="none",
    ssim_y_quantize="round", crop=0, ssim_window="gauss11", ssim_relu_cs=True, lpips="alex",
    metrics=("psnr", "ssim"), source="chaofengc/IQA-PyTorch psnr_arch.py, ssim_arch.py (conventions only)",
))

DEFAULT_PROTOCOL = "facesr"


def get_protocol(name: str | Protocol) -> Protocol:
    """The protocol called ``name`` (a :class:`Protocol` passes through)."""
    if isinstance(name, Protocol):
        return name
    entry = PROTOCOLS.entry(name)
    return _TABLE[entry.name]


def list_protocols() -> list[Protocol]:
    return list(_TABLE.values())


def protocol_fields() -> list[str]:
    return [f.name for f in fields(Protocol)]
