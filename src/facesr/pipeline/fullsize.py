"""Full-size face restorers: a network that takes the aligned face at its working size (128 px) and
returns it restored at that size, whatever scale the face came from (``bfr-lite``: blind restoration,
x1..x16 with one set of weights).

``fidelity`` (0..1, as CodeFormer's ``w``) blends two weight sets of the same network by network
interpolation, ``W = f * W_fidelity + (1 - f) * W_quality``: 1 gives the pixel-loss weights (closest to
the input's identity and pixels), 0 the perceptual/adversarial fine-tune (most detail). A model with
one weight set ignores it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError
from .restorers import Restorer

WORKING_SIZE = 128


class FullSizeRestorer(Restorer):
    """Restore aligned ``uint8 N x 128 x 128 x 3`` faces at full size with zoo network ``model``.

    ``weights``: the fidelity-end weights file; ``quality``: optional quality-end file (same network).
    ``restore(faces, scale)`` also takes LR-size faces (``128 / scale`` px): they are bicubic-upsampled
    to 128 px first, as the network was trained.
    """

    full_size = True

    def __init__(self, model: str, weights: str | Path, *, quality: str | Path | None = None, name: str = "model",
                 fidelity: float = 1.0, device: str = "cpu", batch_size: int = 16,
                 scales: tuple[int, ...] = tuple(range(1, 17))) -> None:
        self.model, self.name = model, name
        self.paths = {"fidelity": Path(weights), **({"quality": Path(quality)} if quality else {})}
        for p in self.paths.values():
            if not p.is_file():
                raise InputError(f"{p}: weights of {name} not found (reinstall facesr, or train them: "
                                 "docs/bundled.md)")
        self.fidelity = check_fidelity(fidelity)
        self.device, self.batch_size = device, batch_size
        self.scales = tuple(scales)
        self._net = None
        self._net_fidelity: float | None = None

    @property
    def has_knob(self) -> bool:
        """Whether ``fidelity`` changes anything (two weight sets)."""
        return "quality" in self.paths

    def set_fidelity(self, fidelity: float) -> None:
        self.fidelity = check_fidelity(fidelity)

    def _state(self) -> dict:
        from safetensors.torch import load_file

        a = load_file(str(self.paths["fidelity"]))
        if not self.has_knob or self.fidelity >= 1.0:
            return a
        b = load_file(str(self.paths["quality"]))
        if set(a) != set(b) or any(a[k].shape != b[k].shape for k in a):
            raise InputError(f"{self.paths['quality']}: not the same network as {self.paths['fidelity']}")
        f = self.fidelity
        return {k: (f * a[k] + (1 - f) * b[k]) if a[k].is_floating_point() else a[k] for k in a}

    def network(self):
        """The network with the weights for the current fidelity (built once per fidelity)."""
        if self._net is None or self._net_fidelity != self.fidelity:
            from ..models import create
            from ..models.base import for_inference
            net = create(self.model, 4, **_options(self.paths["fidelity"]))
            net.load_state_dict(self._state())
            self._net = for_inference(net, self.device)
            self._net_fidelity = self.fidelity
        return self._net

    def restore_full(self, faces: np.ndarray) -> np.ndarray:
        """uint8 ``N x 128 x 128 x 3`` aligned faces (any damage) -> restored uint8, same size."""
        import torch

        from ..io import tensor_to_uint8, uint8_to_tensor

        faces = np.asarray(faces)
        if faces.ndim != 4 or faces.shape[1:] != (WORKING_SIZE, WORKING_SIZE, 3) or faces.dtype != np.uint8:
            raise InputError(f"{self.name} restores uint8 N x {WORKING_SIZE} x {WORKING_SIZE} x 3 faces, got "
                             f"{faces.dtype} {faces.shape}")
        net = self.network()
        out = []
        with torch.inference_mode():
            for i in range(0, len(faces), self.batch_size):
                x = uint8_to_tensor(faces[i : i + self.batch_size]).to(self.device)
                if getattr(net, "_facesr_channels_last", False):
                    x = x.contiguous(memory_format=torch.channels_last)
                out.append(tensor_to_uint8(net(x).float().clamp(0, 1)))
        return np.concatenate(out)

    def restore(self, faces: np.ndarray, scale: int) -> np.ndarray:
        """LR faces (``128 / scale`` px) -> restored 128 px faces (bicubic-upsampled first)."""
        from ..ops import imresize

        faces = np.asarray(faces)
        if faces.shape[1:3] != (WORKING_SIZE, WORKING_SIZE):
            faces = np.stack([imresize(f, size=(WORKING_SIZE, WORKING_SIZE)) for f in faces])
        return self.restore_full(faces)


#: bundled full-size restorers: tag -> (zoo model, fidelity-end file, quality-end file), in facesr/weights/
BUNDLED_FULL_SIZE: dict[str, tuple[str, str, str]] = {
    "bfr-lite": ("bfr", "bfr_lite", "bfr_lite_quality"),
}
DEFAULT_FIDELITY = 0.5


def is_full_size(model: object) -> bool:
    """Whether ``model`` (a name, ``NAME:CHECKPOINT`` or a restorer) is a full-size restorer."""
    if isinstance(model, Restorer):
        return bool(getattr(model, "full_size", False))
    name = str(model).split(":", 1)[0].strip().lower().replace("_", "-")
    if name in BUNDLED_FULL_SIZE:
        return True
    if ":" not in str(model):
        return False
    from ..models import model_info

    try:
        return bool(model_info(name.replace("-", "_")).get("full_size"))
    except Exception:  # noqa: BLE001 - an unknown name is reported by the regular loader
        return False


def full_size_restorer(model: str, *, fidelity: float = DEFAULT_FIDELITY, device: str = "cpu",
                       batch_size: int = 16) -> FullSizeRestorer:
    """A bundled full-size restorer (``bfr-lite``) or ``NAME:CHECKPOINT`` of a full-size zoo network."""
    from ..models.bundled import weights_dir

    name = str(model).split(":", 1)[0].strip().lower().replace("_", "-")
    if name in BUNDLED_FULL_SIZE and ":" not in str(model):
        zoo, fid, qual = BUNDLED_FULL_SIZE[name]
        quality = weights_dir() / f"{qual}.safetensors"
        return FullSizeRestorer(zoo, weights_dir() / f"{fid}.safetensors",
                                quality=quality if quality.is_file() else None, name=name, fidelity=fidelity,
                                device=device, batch_size=batch_size)
    zoo, path = str(model).split(":", 1)
    return FullSizeRestorer(zoo.strip().replace("-", "_"), path, name=zoo, fidelity=fidelity, device=device,
                            batch_size=batch_size)


def check_fidelity(fidelity: float) -> float:
    try:
        f = float(fidelity)
    except (TypeError, ValueError):
        raise InputError(f"fidelity must be a number in [0, 1], got {fidelity!r}") from None
    if not 0.0 <= f <= 1.0:  # also refuses NaN
        raise InputError(f"fidelity must be in [0, 1], got {fidelity!r}")
    return f


def _options(path: Path) -> dict:
    """The constructor options recorded in a weights file's metadata (``facesr train`` export)."""
    import json

    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as fh:
            meta = fh.metadata() or {}
        return json.loads(meta.get("options", "{}"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable weights file ({exc})") from None
