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

from ..errors import FacesrError, InputError
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

    def network(self):
        """The network with the weights for the current fidelity (built once per fidelity):
        ``W = f W_fidelity + (1 - f) W_quality`` (network interpolation)."""
        if self._net is None or self._net_fidelity != self.fidelity:
            from ..models.base import for_inference
            from ..models.weights import load_model, load_state

            net = load_model(self.model, 4, weights=self.paths["fidelity"])
            if self.has_knob and self.fidelity < 1.0:
                a, b = net.state_dict(), load_state(self.paths["quality"])
                if set(a) != set(b) or any(a[k].shape != b[k].shape for k in a):
                    raise InputError(f"{self.paths['quality']}: not the same network as {self.paths['fidelity']}")
                f = self.fidelity
                net.load_state_dict({k: (f * a[k] + (1 - f) * b[k]) if a[k].is_floating_point() else a[k]
                                     for k in a})
            self._net = for_inference(net, self.device)
            self._net_fidelity = self.fidelity
        return self._net

    def restore_full(self, faces: np.ndarray) -> np.ndarray:
        """uint8 ``N x 128 x 128 x 3`` aligned faces (any damage) -> restored uint8, same size."""
        from ..models.weights import super_resolve_batched

        faces = np.asarray(faces)
        if faces.ndim != 4 or faces.shape[1:] != (WORKING_SIZE, WORKING_SIZE, 3) or faces.dtype != np.uint8:
            raise InputError(f"{self.name} restores uint8 N x {WORKING_SIZE} x {WORKING_SIZE} x 3 faces, got "
                             f"{faces.dtype} {faces.shape}")
        return super_resolve_batched(self.network(), faces, batch_size=self.batch_size, device=self.device,
                                     input_mode="lr", scale=1, flip=self.flip)

    def restore(self, faces: np.ndarray, scale: int) -> np.ndarray:
        """LR faces (``128 / scale`` px) -> restored 128 px faces (bicubic-upsampled first)."""
        from ..ops import imresize

        faces = np.asarray(faces)
        if faces.shape[1:3] != (WORKING_SIZE, WORKING_SIZE):
            faces = np.stack([imresize(f, size=(WORKING_SIZE, WORKING_SIZE)) for f in faces])
        return self.restore_full(faces)


DEFAULT_FIDELITY = 0.75  # measured: PSNR as at 1.0, LPIPS 12 % lower (docs/bundled.md)


def is_full_size(model: object) -> bool:
    """Whether ``model`` (a tag, ``NAME:CHECKPOINT`` or a restorer) runs a full-size zoo network."""
    from ..models import model_info
    from ..models.weights import get_pretrained, is_pretrained, split_flip

    if isinstance(model, Restorer):
        return bool(getattr(model, "full_size", False))
    text = split_flip(str(model))[0]
    if is_pretrained(text):
        zoo = get_pretrained(text).model
    elif ":" in text:
        zoo = text.split(":", 1)[0]
    else:
        return False
    try:
        return bool(model_info(zoo).get("full_size"))
    except FacesrError:  # an unknown name is reported by the regular loader
        return False


def full_size_restorer(model: str, *, fidelity: float = DEFAULT_FIDELITY, device: str = "cpu",
                       batch_size: int = 16, flip: bool = False) -> FullSizeRestorer:
    """A bundled full-size restorer (``bfr-lite``, with its quality end when installed) or
    ``NAME:CHECKPOINT`` of a full-size zoo network; a ``+flip`` suffix, or ``flip``, makes it a flip
    self-ensemble (:attr:`Restorer.flip`)."""
    from ..models.weights import get_pretrained, is_pretrained, pretrained_weights, split_flip

    model, suffixed = split_flip(str(model))
    flip = flip or suffixed
    if is_pretrained(model):
        entry = get_pretrained(model)
        r = FullSizeRestorer(entry.model, pretrained_weights(entry.name, 1), quality=entry.quality_path(),
                             name=entry.name, fidelity=fidelity, device=device, batch_size=batch_size)
    else:
        zoo, path = model.split(":", 1)
        r = FullSizeRestorer(zoo.strip(), path, name=zoo.strip(), fidelity=fidelity, device=device,
                             batch_size=batch_size)
    r.flip = bool(flip)
    return r


def check_fidelity(fidelity: float) -> float:
    try:
        f = float(fidelity)
    except (TypeError, ValueError):
        raise InputError(f"fidelity must be a number in [0, 1], got {fidelity!r}") from None
    if not 0.0 <= f <= 1.0:  # also refuses NaN
        raise InputError(f"fidelity must be in [0, 1], got {fidelity!r}")
    return f
