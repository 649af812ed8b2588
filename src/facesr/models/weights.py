"""One place that loads models: names, pretrained tags, weights files, networks, and the batched SR loop.

* **Name rule** (:func:`canonical_name`, the same as every registry's): case-insensitive, ``-`` and ``_``
  equivalent, surrounding spaces ignored. ``rcan-lite``, ``RCAN_Lite`` and ``rcan_lite`` are one name.
* **Pretrained tags** (:data:`PRETRAINED`): weights shipped inside the package under ``facesr/weights/``,
  each a tag of a zoo registry entry (``rcan-lite`` is ``rcan`` with its bundled weights), like timm's
  ``create_model("resnet50.a1_in1k", pretrained=True)``. A tag maps every scale it serves to a file; one
  file may serve several scales (``bfr-lite``: one blind restorer for x1..x16, the network built at the
  asked scale, which only says which LR size is bicubic-upsampled to 128 px). ``ref-lite`` is a tag of a
  reference-family network: it restores with photos of the same person (``facesr enhance --reference``).
* **Method specs** (:func:`parse_method`): ``bicubic``, a tag (``rcan-lite``) or ``NAME:CHECKPOINT``, as
  ``facesr bench --methods`` and ``facesr enhance --model`` take them.
* **Weights files** (:func:`load_weights`, :func:`weights_description`): ``.safetensors`` (with the metadata
  :func:`facesr.training.export.export_weights` writes) or facesr training checkpoints and common foreign
  layouts; :func:`build_network` rebuilds the network a file describes and loads it.
* :func:`load_model` (``facesr.load_model``): a network in eval mode with its weights, from a tag or a file;
  :func:`list_pretrained` (``facesr.list_pretrained``): the catalogue with what is installed.
* :func:`super_resolve_batched`: the one batched inference loop (uint8 faces or float tensors in, batches,
  inference mode, device) that ``facesr bench``, ``facesr enhance`` and the web app share.

This module imports nothing above :mod:`facesr.models` (no benchmark, pipeline or training code).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FacesrError, InputError, UnknownNameError
from ..registry import Registry


def canonical_name(name: str) -> str:
    """The one name rule of facesr (registries, tags, method specs): ``" RCAN-Lite "`` -> ``"rcan_lite"``."""
    return Registry._norm(str(name))


# -- pretrained tags ---------------------------------------------------------------------------------------


class MissingWeightsError(FacesrError):
    """A catalogued weights file is not in this installation."""


def weights_dir() -> Path:
    """The package folder that holds the bundled ``.safetensors`` files and their model cards."""
    return Path(__file__).resolve().parents[1] / "weights"


@dataclass(frozen=True)
class Pretrained:
    """A pretrained tag: ``name`` (what users type), the zoo ``model`` it is a tag of, and the weights
    file (stem under ``facesr/weights/``) serving each scale (``files``). Several scales may share a file."""

    name: str
    model: str
    files: Mapping[int, str]
    summary: str
    #: optional second weight set of the same network (stem): the quality end of a fidelity knob
    quality: str | None = None

    def quality_path(self) -> Path | None:
        """The quality-end weights file when the tag has one and it is installed, else ``None``."""
        p = weights_dir() / f"{self.quality}.safetensors" if self.quality else None
        return p if p is not None and p.is_file() else None

    @property
    def scales(self) -> tuple[int, ...]:
        return tuple(sorted(self.files))

    def path(self, scale: int) -> Path:
        """The file serving ``scale`` (whether or not it is installed); unknown scale: :class:`InputError`."""
        if int(scale) not in self.files:
            raise InputError(f"bundled model {self.name} has no x{scale} weights "
                             f"(scales: {format_scales(self.scales)})")
        return weights_dir() / f"{self.files[int(scale)]}.safetensors"

    def shares_file(self, scale: int) -> bool:
        """True when the file of ``scale`` serves other scales too (its recorded scale is not checked)."""
        stem = self.files[int(scale)]
        return sum(f == stem for f in self.files.values()) > 1

    def paths(self) -> list[Path]:
        """Every distinct weights file of the tag, in scale order."""
        return list(dict.fromkeys(self.path(s) for s in self.scales))

    @property
    def installed(self) -> bool:
        return all(p.is_file() for p in self.paths())

    def missing(self) -> MissingWeightsError:
        absent = next(p for p in self.paths() if not p.is_file())
        return MissingWeightsError(
            f"{absent}: weights of bundled model {self.name} are not in this installation (install a facesr "
            f"that ships them, or give your own as {self.model}:CHECKPOINT)"
        )


def format_scales(scales) -> str:
    """``[4, 8, 16]`` -> ``"x4, x8, x16"``; a run of more than three -> ``"x1..x16"``."""
    s = sorted(scales)
    if len(s) > 3 and s == list(range(s[0], s[-1] + 1)):
        return f"x{s[0]}..x{s[-1]}"
    return ", ".join(f"x{v}" for v in s)


#: the pretrained tags shipped in the package, by name (look up with :func:`get_pretrained`)
PRETRAINED: dict[str, Pretrained] = {}
DEFAULT = "rcan-lite"


def register_pretrained(entry: Pretrained) -> Pretrained:
    """Add a tag to :data:`PRETRAINED`; its name must not be a zoo name or another tag (by the name rule)."""
    from .registry import MODELS

    key = canonical_name(entry.name)
    if key in MODELS or key == "bicubic" or any(canonical_name(n) == key for n in PRETRAINED):
        raise ValueError(f"pretrained tag {entry.name!r} clashes with a known name")
    PRETRAINED[entry.name] = entry
    return entry


register_pretrained(Pretrained(
    name="rcan-lite", model="rcan",
    files={4: "rcan_lite_x4", 8: "rcan_lite_x8", 16: "rcan_lite_x16"},
    summary="RCAN 6 groups x 8 RCABs x 32 features (1.0-1.1M params), L1, CelebA 5,130 faces",
))
register_pretrained(Pretrained(
    name="bfr-lite", model="bfr",
    files={s: "bfr_lite" for s in range(1, 17)}, quality="bfr_lite_quality",
    summary="blind face restorer (RCAN 6x8x32 trunk on the pixel-unshuffled 128 px face), one file for x1..x16, "
            "real-world degradations, CelebA + UTKFace",
))
register_pretrained(Pretrained(
    name="ref-lite", model="mefsr", files={8: "ref_lite_x8"},
    summary="MEFSR x8 over the frozen bfr-lite restorer, K<=3 same-identity references (Table 8 blind LR), "
            "CelebA reference groups",
))


def is_pretrained(name: str) -> bool:
    key = canonical_name(name)
    return any(canonical_name(n) == key for n in PRETRAINED)


def get_pretrained(name: str = DEFAULT) -> Pretrained:
    """The tag ``name`` (by the name rule); an unknown name raises with the closest tags."""
    key = canonical_name(name)
    for n, entry in PRETRAINED.items():
        if canonical_name(n) == key:
            return entry
    close = difflib.get_close_matches(str(name).strip().lower(), list(PRETRAINED), n=2, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownNameError(f"no bundled model {name!r}{hint} (bundled: {', '.join(PRETRAINED)})")


def pretrained_weights(name: str = DEFAULT, scale: int = 8) -> Path:
    """Path of the ``.safetensors`` file of tag ``name`` at ``scale``; absent: :class:`MissingWeightsError`."""
    entry = get_pretrained(name)
    path = entry.path(scale)
    if not path.is_file():
        raise entry.missing()
    return path


def model_card(name: str = DEFAULT, scale: int = 8) -> Path:
    """Path of the model card (Markdown) of ``name`` at ``scale``."""
    return pretrained_weights(name, scale).with_suffix(".md")


def list_pretrained(model: str | None = None) -> list[dict[str, Any]]:
    """One row per pretrained tag (of zoo ``model`` only, when given): ``name``, ``model``, ``scales``,
    ``summary``, ``files`` and ``cards`` (paths by scale), ``installed`` (every file present)."""
    want = None if model is None else canonical_name(_registry_name(model))
    rows = []
    for entry in PRETRAINED.values():
        if want is not None and canonical_name(entry.model) != want:
            continue
        files = {s: entry.path(s) for s in entry.scales}
        rows.append({"name": entry.name, "model": entry.model, "scales": list(entry.scales),
                     "summary": entry.summary, "files": {s: str(p) for s, p in files.items()},
                     "cards": {s: str(p.with_suffix(".md")) for s, p in files.items()},
                     "installed": entry.installed})
    return rows


# -- method specs ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodSpec:
    """A model as a user names it: ``name`` (``bicubic`` or a zoo registry name), optional ``checkpoint``
    (one file for every scale), or ``bundled`` (a pretrained tag: its catalogued file per scale)."""

    name: str
    checkpoint: Path | None = None
    bundled: str | None = None
    #: run as a flip self-ensemble (``NAME+flip``: the mean of the outputs for the face and its mirror image)
    flip: bool = False

    @property
    def label(self) -> str:
        if self.bundled:
            base = self.bundled
        else:
            base = self.name if self.checkpoint is None else f"{self.name}:{self.checkpoint.stem}"
        return base + FLIP_SUFFIX if self.flip else base

    def weights_for(self, scale: int) -> Path | None:
        """The weights file used at ``scale`` (``None`` for bicubic / untrained)."""
        if self.bundled:
            return pretrained_weights(self.bundled, scale)
        return self.checkpoint

    def cache_key(self, scale: int | None = None) -> str:
        """Changes whenever the weights change (file digest), so cached outputs stay valid."""
        path = self.weights_for(scale) if (self.bundled and scale is not None) else self.checkpoint
        tail = FLIP_SUFFIX if self.flip else ""
        if path is None:
            return self.name + tail
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return f"{self.name}-{h.hexdigest()[:16]}{tail}"


#: method-name suffix of a flip self-ensemble (``bfr-lite+flip``)
FLIP_SUFFIX = "+flip"


def split_flip(name: str) -> tuple[str, bool]:
    """``"bfr-lite+flip"`` -> ``("bfr-lite", True)``; a name without the suffix -> ``(name, False)``."""
    text = str(name).strip()
    return (text[: -len(FLIP_SUFFIX)], True) if text.endswith(FLIP_SUFFIX) else (text, False)


def _registry_name(name: str) -> str:
    from .registry import model_info

    return model_info(name)["name"]  # unknown names raise with suggestions


def parse_method(item: str) -> MethodSpec:
    """One method: ``bicubic``, a pretrained tag (``rcan-lite``: its own weights at each scale) or
    ``NAME:CHECKPOINT`` (a zoo network with one weights file). Names follow :func:`canonical_name`; zoo
    names become their registry name. A ``+flip`` suffix (``bfr-lite+flip``) runs the method as a flip
    self-ensemble: each face and its mirror image, outputs mirrored back and averaged (twice the cost)."""
    text, flip = split_flip(item)
    if flip:
        spec = parse_method(text)
        if spec.name == "bicubic":
            raise InputError(f"method {item!r}: bicubic is mirror-symmetric, a flip ensemble changes nothing")
        return replace(spec, flip=True)
    name, _, ckpt = text.partition(":")
    name, ckpt = name.strip(), ckpt.strip()
    if is_pretrained(name) and not ckpt:
        entry = get_pretrained(name)
        if not entry.installed:
            raise entry.missing()
        return MethodSpec(entry.model, bundled=entry.name)
    if canonical_name(name) == "bicubic" and not ckpt:
        return MethodSpec("bicubic")
    model = _registry_name(name)
    if not ckpt:
        tags = [e.name for e in PRETRAINED.values() if e.model == model]
        have = f"{', '.join(tags)} (bundled weights of {model})" if tags else f"bundled: {', '.join(PRETRAINED)}"
        raise InputError(f"method {name!r} needs trained weights: give {model}:CHECKPOINT "
                         f"(.safetensors state dict or a facesr training checkpoint), or a bundled model ({have})")
    path = Path(ckpt).expanduser()
    if not path.is_file():
        raise InputError(f"{path}: checkpoint for method {name!r} not found")
    return MethodSpec(model, path)


# -- weights files -----------------------------------------------------------------------------------------


def weights_description(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``description`` of :func:`load_weights` without loading the tensors when the file is a
    ``.safetensors`` (its metadata only)."""
    path = Path(path)
    if path.suffix != ".safetensors":
        return load_weights(path)[1]
    try:
        from safetensors import safe_open

        with safe_open(str(path), "pt") as fh:
            meta = fh.metadata() or {}
    except Exception as exc:  # corrupt or foreign files
        raise InputError(f"{path}: cannot read checkpoint ({type(exc).__name__}: {exc})") from None
    if not meta.get("model"):
        return {}
    desc = {"model": meta["model"], "scale": int(meta["scale"]) if meta.get("scale") else None,
            "options": json.loads(meta.get("options") or "{}")}
    if meta.get("attributes"):
        desc["attributes"] = json.loads(meta["attributes"])
    return desc


def load_weights(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(state_dict, description)`` from ``.safetensors`` or a torch checkpoint. ``description``
    has ``model``, ``scale`` and ``options`` (network constructor overrides), and ``attributes`` (the
    given attributes' names, in input order) when the file says them (files from
    :func:`facesr.training.export.export_weights`, facesr training checkpoints), else it is empty.
    Foreign checkpoints: the first of ``ema``, ``params_ema``, ``generator``, ``params``, ``state_dict``,
    ``model`` that is a state dict, ``networks.generator``, or the file itself."""
    import torch

    path = Path(path)
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(path)), weights_description(path)
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except FacesrError:
        raise
    except Exception as exc:  # corrupt or foreign files
        raise InputError(f"{path}: cannot read checkpoint ({type(exc).__name__}: {exc})") from None
    if not isinstance(obj, dict):
        raise InputError(f"{path}: not a state dict or training checkpoint")
    desc: dict[str, Any] = {}
    model = obj.get("model")
    if isinstance(model, dict) and "name" in model:  # a facesr training checkpoint
        desc = {"model": model["name"], "scale": model.get("scale"), "options": dict(model.get("options", {}))}
        if model.get("attributes"):
            desc["attributes"] = list(model["attributes"])
        ema = obj.get("ema", {}).get("generator")
        if isinstance(ema, dict) and ema:
            return ema, desc
        return obj["nets"]["generator"], desc
    for key in ("ema", "params_ema", "generator", "params", "state_dict", "model"):
        inner = obj.get(key)
        if isinstance(inner, dict) and inner and all(isinstance(v, torch.Tensor) for v in inner.values()):
            return inner, desc
    nets = obj.get("networks")
    if isinstance(nets, dict) and isinstance(nets.get("generator"), dict):
        return nets["generator"], desc
    if obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return obj, desc
    raise InputError(f"{path}: no network weights found (keys: {', '.join(list(obj)[:8])})")


def load_state(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A state dict from ``.safetensors`` or a torch checkpoint (:func:`load_weights` without description)."""
    return load_weights(path)[0]


def _same_model(recorded: str, name: str) -> bool:
    try:
        return _registry_name(recorded) == _registry_name(name)
    except UnknownNameError:
        return canonical_name(recorded) == canonical_name(name)


def build_network(spec: MethodSpec, scale: int, **options: Any):
    """The zoo network of ``spec`` for ``scale``, with its weights loaded (eval mode). A file that records
    its network (model, scale, options) is rebuilt with those options (``options`` override them); its
    recorded scale must be ``scale`` unless a pretrained tag serves several scales with that file. A method
    whose zoo entry names ``prior_weights`` (PULSE) takes a file of that network instead (its prior), at any
    scale."""
    from .registry import create

    path = spec.weights_for(scale)
    if path is None:
        return create(spec.name, scale=scale, **options).eval()
    state, desc = load_weights(path)
    from .registry import model_info

    prior = model_info(spec.name).get("prior_weights")
    if prior:  # a method run over another network's weights (PULSE: a latent search over a trained prior)
        if desc.get("model") and not _same_model(desc["model"], prior):
            raise InputError(f"{path}: weights of {desc['model']!r}; {spec.name} runs over a {prior} network")
        net = build_network(MethodSpec(prior, path), int(desc.get("scale") or 1))
        return create(spec.name, scale=scale, prior=net, **options).eval()
    if desc.get("model") and not _same_model(desc["model"], spec.name):
        raise InputError(f"{path}: weights of {desc['model']!r}, not {spec.name!r}")

    # one file serves several scales: a tag that says so, or a full-size network (any scale, same weights)
    shared = (bool(spec.bundled) and get_pretrained(spec.bundled).shares_file(scale)) or \
        bool(model_info(spec.name).get("full_size"))
    if desc.get("scale") and int(desc["scale"]) != scale and not shared:
        raise InputError(f"{path}: weights for x{desc['scale']}, asked for x{scale}")
    model = create(spec.name, scale=scale, **{**desc.get("options", {}), **options})
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # shapes differ (a network built with other options)
        first = next((ln.strip() for ln in str(exc).splitlines() if "size mismatch" in ln), str(exc).splitlines()[0])
        raise InputError(f"{path}: weights do not fit {spec.name} x{scale} ({first}); give the network's "
                         "options (load_model(..., **options)) or a file that records them") from None
    if missing or unexpected:
        raise InputError(
            f"{path}: weights do not fit {spec.name} x{scale} "
            f"({len(missing)} missing, {len(unexpected)} unexpected keys, e.g. "
            f"{(missing or unexpected)[0]})"
        )
    return model.eval()


def load_model(name: str, scale: int | None = None, *, weights: str | os.PathLike[str] | None = None,
               device: Any = "cpu", **options: Any):
    """A zoo network with its weights, in eval mode on ``device`` (``facesr.load_model``).

    ``name``: a pretrained tag (``"rcan-lite"``: the bundled weights for ``scale``), a zoo name with
    ``weights=PATH`` (``.safetensors`` or a training checkpoint; ``scale`` defaults to the one the file
    records), or ``"NAME:CHECKPOINT"``. ``options``: constructor overrides for files that do not record
    them. Run it on LR faces with :func:`facesr.models.super_resolve` or :func:`super_resolve_batched`.
    """
    if weights is not None:
        if ":" in str(name) or is_pretrained(name):
            raise InputError(f"load_model({name!r}, weights=...): give a zoo name (e.g. 'rcan') with weights=, "
                             "or a bundled model / NAME:CHECKPOINT without it")
        spec = parse_method(f"{name}:{os.fspath(weights)}")
    else:
        spec = parse_method(name)
    if spec.name == "bicubic":
        raise InputError("bicubic is not a network: use facesr.ops.imresize, or a bundled model "
                         f"({', '.join(PRETRAINED)}) / NAME:CHECKPOINT")
    if scale is None:
        if spec.bundled:
            entry = get_pretrained(spec.bundled)
            raise InputError(f"load_model({name!r}): give scale= ({format_scales(entry.scales)})")
        scale = weights_description(spec.checkpoint).get("scale")
        if not scale:
            raise InputError(f"{spec.checkpoint}: the file does not say its scale; give scale=")
    return build_network(spec, int(scale), **options).to(device)


# -- the batched inference loop ----------------------------------------------------------------------------


def super_resolve_batched(model, faces, *, kernel: str = "matlab", batch_size: int = 16, device: Any = None,
                          conditions: Mapping[str, Any] | None = None, progress: str | None = None,
                          input_mode: str | None = None, scale: int | None = None, inference: bool = True,
                          flip: bool = False):
    """Run ``model`` over LR ``faces`` in batches and return the HR-size results.

    ``faces``: uint8 ``N x h x w x 3`` (array or list) -> uint8 ``N x H x W x 3``, rounded; or a float
    ``[0,1]`` tensor ``N x 3 x h x w`` -> float32 tensor ``N x 3 x H x W`` clamped to ``[0,1]`` on the CPU.
    ``kernel``: pre-upsampling kernel of networks with HR-size input. ``device``: where batches go (default:
    the model's). ``conditions``: extra per-face inputs (``N x ...`` arrays or tensors, e.g. ``attributes``),
    sliced with the faces. ``progress``: a label shows a progress bar. ``input_mode`` / ``scale``: for a
    wrapped network without them (DDP). ``inference``: ``torch.inference_mode`` (else ``no_grad``).
    ``flip``: flip self-ensemble, the mean of the outputs for each face and for its mirror image (mirrored
    back); twice the cost. Per-face image conditions (references) are refused with it.
    The model is run in eval mode and left in the mode it was in.
    """
    import torch

    from ..io import tensor_to_uint8, uint8_to_tensor
    from .base import model_input, super_resolve

    as_uint8 = not isinstance(faces, torch.Tensor)
    if as_uint8:
        faces = np.stack(faces) if isinstance(faces, list) else np.asarray(faces)
        if faces.dtype != np.uint8 or faces.ndim != 4:
            raise InputError(f"expected uint8 N x h x w x 3 faces, got {faces.dtype} {faces.shape}")
    if device is None:
        device = next((p.device for p in model.parameters()), torch.device("cpu"))
    conds = {k: torch.as_tensor(v) for k, v in (conditions or {}).items()}
    if flip and any(v.dim() > 2 for v in conds.values()):
        raise InputError("a flip self-ensemble runs single-image networks: per-face image inputs "
                         f"({', '.join(k for k, v in conds.items() if v.dim() > 2)}) would need mirroring too")

    def run(x: torch.Tensor, extra: dict[str, torch.Tensor]) -> torch.Tensor:
        if input_mode is None:
            return super_resolve(model, x, kernel=kernel, **extra)
        return model(model_input(x, input_mode, scale or model.scale, kernel=kernel), **extra)

    steps = range(0, len(faces), batch_size)
    if progress:
        from tqdm import tqdm

        steps = tqdm(steps, desc=progress, unit="batch", leave=False)
    was = model.training
    model.eval()
    out = []
    try:
        with torch.inference_mode() if inference else torch.no_grad():
            for i in steps:
                chunk = faces[i : i + batch_size]
                x = (uint8_to_tensor(chunk) if as_uint8 else chunk).to(device)
                extra = {k: v[i : i + batch_size].to(device) for k, v in conds.items()}
                y = run(x, extra)
                if flip:
                    y = (y.float() + run(x.flip(-1), extra).float().flip(-1)) / 2
                out.append(tensor_to_uint8(y.clamp(0, 1)) if as_uint8 else y.float().clamp(0, 1).cpu())
    finally:
        model.train(was)
    if not out:
        return faces[:0] if as_uint8 else torch.empty(0)
    return np.concatenate(out) if as_uint8 else torch.cat(out)
