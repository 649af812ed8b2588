"""Benchmark test sets: the named ones under the data root, or any folder of HR faces, and their degraded
LR tracks (``facesr bench --degradation``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..degradation.pipeline import DEBLUR_BLUR, deblur_steps  # noqa: F401  (the deblurring track's chain)
from ..errors import InputError
from ..paths import DATA_ENV, data_root

#: name -> (folder of HR images relative to the data root, description)
NAMED = {
    "celeba1000": ("celeba1000/HR", "FSRNet's CelebA test set, 1,000 faces, 128x128"),
    "helen50": ("helen50/HR", "FSRNet's Helen test set, 50 faces, 128x128"),
}


def resolve_dataset(name: str) -> tuple[str, Path]:
    """``(label, folder)`` for a named test set or a folder path."""
    if name in NAMED:
        folder = data_root() / NAMED[name][0]
        if not folder.is_dir():
            raise InputError(f"{folder}: test set {name!r} not found (set {DATA_ENV} to the data root)")
        return name, folder
    folder = Path(name)
    if not folder.is_dir():
        known = ", ".join(NAMED)
        raise InputError(f"{name}: neither a known test set ({known}) nor a folder")
    return folder.name, folder


# -- degraded tracks -----------------------------------------------------------------------------------------
#
# ``facesr bench --degradation NAME --seed N``: the LR faces of each scale are made by a degradation instead
# of the protocol's bicubic downscaling. Each face gets its own seed, ``image_seed(N, file name)``, the same
# one ``facesr degrade HR OUT --preset NAME --scale S --seed N`` gives it, so the two make the same LR
# (``blind``, ``realworld``). The sampled parameters of every face (its record) go in the bench JSON and
# regenerate the set bit for bit (``--replay``).

#: metrics of a degraded track when none are asked for: fidelity, perception, identity, geometry
DEGRADED_METRICS = ("psnr", "ssim", "lpips", "dists", "identity_cos", "nme")

def _preset_track(preset: str):
    def make(scale: int, kernel: str):
        from ..degradation import build_degradation

        return build_degradation(preset, scale, kernel=kernel)

    return make


def _deblur_track(blur: str, name: str):
    def make(scale: int, kernel: str):
        from ..degradation import Degradation

        return Degradation(deblur_steps(scale, kernel, blur), name, scale)

    return make


#: track name -> (description, default scales, degradation(scale, resize kernel))
TRACKS: dict[str, tuple[str, tuple[int, ...], Any]] = {
    "blind": ("blind preset (Eq. 5, Table 8 ranges): Gaussian/motion blur, bicubic down by the scale, "
              "Gaussian noise 0..15, JPEG q 10..60", (4, 8), _preset_track("blind")),
    "realworld": ("realworld preset: second-order chain, 2 x [blur (Gaussian/aniso/motion/sinc), random resize, "
                  "Gaussian/Poisson noise, JPEG], film grain; overall factor = the scale", (4, 8),
                  _preset_track("realworld")),
    "deblur": ("deblurring (survey 4.7.2): Gaussian sigma 1..3 or motion blur 5..15 px (one per face), then "
               "bicubic down by the scale", (4,), _deblur_track("both", "deblur")),
    "deblur-gaussian": ("deblurring: Gaussian blur sigma 1..3, then bicubic down by the scale", (4,),
                        _deblur_track("gaussian", "deblur-gaussian")),
    "deblur-motion": ("deblurring: linear motion blur 5..15 px at 0..345 degrees, then bicubic down by the scale",
                      (4,), _deblur_track("motion", "deblur-motion")),
    "occlusion": ("completion (survey 4.7.1): one occluder per face (block, stroke, sunglasses or mask, placed on a "
                  "template face), then bicubic down by the scale; scored on the whole face and, as psnr_occ, on the "
                  "occluded pixels", (4, 8),
                  _preset_track("occlusion")),
    "illumination": ("illumination (survey 4.7.3): gamma, low light, directional shading or a colour cast, then "
                     "bicubic down by the scale", (4, 8), _preset_track("illumination")),
    "misalign": ("alignment (survey 4.7.4): a random similarity transform (rotation, zoom, shift) before bicubic "
                 "down by the scale; scored against the aligned HR face", (4, 8), _preset_track("misalign")),
}


def check_track(name: str) -> str:
    """``name`` if it is a known track, else :class:`~facesr.errors.UnknownNameError` with suggestions."""
    if name not in TRACKS:
        import difflib

        from ..errors import UnknownNameError

        close = difflib.get_close_matches(name, list(TRACKS), n=2)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownNameError(f"unknown degradation track {name!r}{hint} (known: {', '.join(TRACKS)})")
    return name


@dataclass
class Track:
    """A degraded benchmark track: the degradation ``name``, the run ``seed`` (per face:
    :func:`~facesr.degradation.image_seed` of it and the face's file name), the resize ``kernel`` (the
    protocol's LR kernel), and, when replaying, the recorded parameters ``replay[scale][image name]``."""

    name: str
    seed: int | None = 0
    kernel: str = "matlab"
    replay: dict[int, dict[str, dict[str, Any]]] | None = None
    source: str | None = None  # the file replayed

    def __post_init__(self) -> None:
        if self.replay is None:
            check_track(self.name)

    def degradation(self, scale: int):
        from ..degradation import Degradation

        if self.name in TRACKS:
            return TRACKS[self.name][2](scale, self.kernel)
        return Degradation([{"type": "resize", "scale": scale}], self.name, scale)  # replay only uses replay()

    def make_lr(self, hr: np.ndarray, names: Sequence[str], files: Sequence[str], scale: int
                ) -> tuple[np.ndarray, dict[str, dict[str, Any]]]:
        """``(uint8 N x H/s x W/s x 3 LR, {image name: record})`` of the HR faces at ``scale``; ``files``: the
        faces' file names (relative to the test folder), which seed them."""
        deg = self.degradation(scale)
        h, w = hr.shape[1:3]
        want = (-(-h // scale), -(-w // scale))
        out = np.empty((len(hr), *want, 3), np.uint8)
        records: dict[str, dict[str, Any]] = {}
        for i, (name, key) in enumerate(zip(names, files)):
            if self.replay is not None:
                rec = self.replay.get(scale, {}).get(name)
                if rec is None:
                    raise InputError(f"{self.source}: no x{scale} record of image {name!r}")
                try:
                    lr = deg.replay(hr[i], rec)
                except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as exc:
                    raise InputError(f"{self.source}: the x{scale} record of {name!r} is not valid "
                                     f"({type(exc).__name__}: {exc})") from None
            else:
                from ..degradation import image_seed

                s = image_seed(int(self.seed or 0), key)
                lr, rec = deg(hr[i], s)
                rec = {"seed": s, "key": key, **rec}
            if lr.shape[:2] != want:
                raise InputError(f"{name}: the {self.name} degradation made a {lr.shape[1]}x{lr.shape[0]} LR face "
                                 f"at x{scale}; the benchmark needs {want[1]}x{want[0]}")
            out[i] = lr
            records[name] = rec
        return out, records

    def cache_folder(self, lr: np.ndarray) -> str:
        """Cache sub-folder of the SR outputs of this track: named by track and seed, keyed by the LR faces'
        bytes (so a replayed set shares the outputs of the run it came from, and two degradations never mix)."""
        import hashlib

        digest = hashlib.sha256(np.ascontiguousarray(lr).tobytes()).hexdigest()[:16]
        seed = "replay" if self.seed is None else f"seed{self.seed}"
        return f"{self.name}-{seed}-{digest}"

    def describe(self) -> str:
        text = TRACKS[self.name][0] if self.name in TRACKS else f"{self.name} (replayed)"
        seed = f"seed {self.seed}" if self.seed is not None else "seed not recorded"
        how = f"replayed from {self.source}" if self.replay is not None else seed
        return f"degradation {self.name}: {text}; {how}; resize kernel {self.kernel}"


def read_replay(path: str | Path) -> Track:
    """The track recorded in a ``facesr bench --degradation ... --json`` file (``degradation.records``) or a
    ``facesr degrade`` sidecar (``degradation.json``, one scale, records keyed by file name). Checked for
    shape: records are objects with a list of ``steps`` that each have a ``type``; a resize has a finite
    scale of at least 0.5 (a crafted record could otherwise ask for an enormous image)."""
    import json

    from ..degradation.pipeline import check_record

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: replay file not found") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a facesr bench JSON or degradation sidecar")
    deg = data.get("degradation")
    if isinstance(deg, dict) and isinstance(deg.get("records"), dict):  # facesr bench --json
        name, seed, kernel = deg.get("name"), deg.get("seed"), deg.get("kernel", "matlab")
        raw = deg["records"]
    elif isinstance(data.get("images"), dict) and "preset" in data:  # facesr degrade sidecar
        if data.get("back"):
            raise InputError(f"{path}: the LR faces were resized back to the HR size (--back); the benchmark needs LR")
        scale = data.get("scale")
        if not (isinstance(scale, int) and not isinstance(scale, bool) and scale >= 1):
            raise InputError(f"{path}: the sidecar's scale {scale!r} is not a whole number >= 1 (the benchmark "
                             "needs one fixed integer scale)")
        name, seed, kernel = data.get("preset"), data.get("seed"), data.get("kernel", "matlab")
        raw = {str(scale): {_stem(k): v for k, v in data["images"].items()}}
    else:
        raise InputError(f"{path}: neither a facesr bench JSON with degradation records nor a facesr degrade "
                         "sidecar")
    if not isinstance(name, str) or not name:
        raise InputError(f"{path}: the degradation has no name")
    replay: dict[int, dict[str, dict[str, Any]]] = {}
    for key, recs in raw.items():
        if not (isinstance(key, str) and key.isdigit() and int(key) >= 1 and isinstance(recs, dict)):
            raise InputError(f"{path}: records of scale {str(key)[:20]!r} are not a map of image names")
        for img, rec in recs.items():
            check_record(rec, f"{path}: the record of {str(img)[:100]!r}")
        replay[int(key)] = recs
    if not replay:
        raise InputError(f"{path}: no records")
    seed = seed if isinstance(seed, int) and not isinstance(seed, bool) else None
    return Track(name, seed, kernel if isinstance(kernel, str) else "matlab", replay, str(path))


def _stem(key: str) -> str:
    """``a/b.png`` -> ``a/b`` (benchmark image names are relative paths without suffix)."""
    p = Path(key)
    return p.with_suffix("").as_posix()
