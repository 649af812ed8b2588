"""The pretrained models shipped inside the package, one file per scale.

``rcan-lite`` is RCAN (residual groups of channel-attention blocks, sub-pixel upsampler) at 6 groups
x 8 blocks x 32 features, trained with this project's engine on CelebA faces (configs/bundled/,
scripts/train_bundled.py). Weights live in ``facesr/weights/<file>.safetensors`` with the network's
name, scale and options in their metadata; the model card of each file is ``<file>.md`` beside it.

``bundled_weights(name, scale)`` -> path, ``list_bundled()`` -> catalogue rows,
``bundled_restorer(name)`` -> a :class:`facesr.pipeline.ModelRestorer` over every scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import FacesrError, InputError, UnknownNameError


@dataclass(frozen=True)
class BundledModel:
    """A bundled model: zoo ``model`` name and one weights file per scale (``files``)."""

    name: str
    model: str
    files: dict[int, str]
    summary: str

    @property
    def scales(self) -> tuple[int, ...]:
        return tuple(sorted(self.files))


BUNDLED: dict[str, BundledModel] = {
    "rcan-lite": BundledModel(
        name="rcan-lite", model="rcan",
        files={4: "rcan_lite_x4", 8: "rcan_lite_x8", 16: "rcan_lite_x16"},
        summary="RCAN 6 groups x 8 RCABs x 32 features (1.0-1.1M params), L1, CelebA 5,130 faces",
    ),
}
DEFAULT = "rcan-lite"


class MissingWeightsError(FacesrError):
    """A bundled weights file is not in the installed package."""


def weights_dir() -> Path:
    """The package folder that holds the bundled ``.safetensors`` files and model cards."""
    return Path(__file__).resolve().parents[1] / "weights"


def get_bundled(name: str = DEFAULT) -> BundledModel:
    """The catalogue entry ``name`` (``rcan-lite``; underscores and case are ignored)."""
    key = str(name).strip().lower().replace("_", "-")
    if key not in BUNDLED:
        raise UnknownNameError(f"no bundled model {name!r} (bundled: {', '.join(BUNDLED)})")
    return BUNDLED[key]


def is_bundled(name: str) -> bool:
    return str(name).strip().lower().replace("_", "-") in BUNDLED


def bundled_weights(name: str = DEFAULT, scale: int = 8) -> Path:
    """Path of the ``.safetensors`` weights of bundled model ``name`` at ``scale``."""
    entry = get_bundled(name)
    if int(scale) not in entry.files:
        raise InputError(f"bundled model {entry.name} has no x{scale} weights (scales: "
                         f"{', '.join(f'x{s}' for s in entry.scales)})")
    path = weights_dir() / f"{entry.files[int(scale)]}.safetensors"
    if not path.is_file():
        raise MissingWeightsError(f"{path}: bundled weights missing from this installation (reinstall facesr)")
    return path


def model_card(name: str = DEFAULT, scale: int = 8) -> Path:
    """Path of the model card (Markdown) of ``name`` at ``scale``."""
    return bundled_weights(name, scale).with_suffix(".md")


def list_bundled() -> list[dict[str, Any]]:
    """One row per bundled model: name, model, scales, summary, files (paths), cards (paths)."""
    rows = []
    for entry in BUNDLED.values():
        files = {s: weights_dir() / f"{f}.safetensors" for s, f in entry.files.items()}
        rows.append({"name": entry.name, "model": entry.model, "scales": list(entry.scales),
                     "summary": entry.summary, "files": {s: str(p) for s, p in files.items()},
                     "cards": {s: str(p.with_suffix(".md")) for s, p in files.items()},
                     "installed": all(p.is_file() for p in files.values())})
    return rows


def bundled_restorer(name: str = DEFAULT, *, device: str = "cpu", batch_size: int = 16):
    """A :class:`facesr.pipeline.ModelRestorer` with every scale of bundled model ``name``."""
    from ..pipeline.restorers import ModelRestorer

    entry = get_bundled(name)
    weights = {s: (entry.model, bundled_weights(entry.name, s)) for s in entry.scales}
    return ModelRestorer(weights, name=entry.name, device=device, batch_size=batch_size)
