"""Offline component dictionaries for DFDNet (survey §4.5.3): K-means over backbone features of the
training faces' eyes (with brows), nose and mouth, at four layers.

``facesr data dictionary --dataset celeba --out DIR [--atoms 512]`` (or :func:`build_dictionary`) runs
three resumable stages in ``DIR``:

1. **features**: faces in chunks: landmarks (the dataset's 68 points, or the package's hourglass
   network's), VGG-19 features at conv2_2, conv3_4, conv4_4, conv5_4 (the layers DFDNet's code taps;
   the project's ImageNet VGG-19 stands in for VGGFace, which is not available offline), each
   component cropped by its box and resampled to the atom size
   (:func:`facesr.models.reference.dfdnet.component_features`); one ``features/chunk_NNNNN.npz`` per chunk
   (float16);
2. **k-means**: per component and layer, ``atoms`` centres (k-means++ seeding, Lloyd iterations, empty
   clusters re-seeded from the farthest points) -> ``atoms/<part>.<layer>.npy``;
3. **dictionary**: every centre set in one ``dictionary.safetensors`` with its metadata (format, face
   size, layers, backbone, atoms, faces, dataset), read by ``create("dfdnet", dictionary=...)``.

Each file is written atomically and a stage skips what exists, so an interrupted run is finished by
running the same command again; ``state.json`` holds the options and a re-run with other options is
refused. Progress bars show every stage.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...errors import InputError


@dataclass(frozen=True)
class DictionaryOptions:
    """What a dictionary is built from (recorded in ``state.json``; a resume must match)."""

    dataset: str
    atoms: int = 512
    size: int = 128
    limit: int | None = None
    chunk: int = 64
    iterations: int = 25
    seed: int = 0
    landmarks: str = "auto"


def _atomic_save(path: Path, write) -> None:
    from ...io import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as tmp, open(tmp, "wb") as fh:
        write(fh)


def _check_state(out: Path, options: DictionaryOptions) -> None:
    state = out / "state.json"
    record = asdict(options)
    if state.is_file():
        try:
            old = json.loads(state.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            raise InputError(f"{state}: not a dictionary build state (invalid JSON)") from None
        if old != record:
            diff = ", ".join(f"{k} {old.get(k)!r} -> {v!r}" for k, v in record.items() if old.get(k) != v)
            raise InputError(f"{out} holds a dictionary build with other options ({diff}); use another --out")
        return
    from ...io import atomic_write

    out.mkdir(parents=True, exist_ok=True)
    with atomic_write(state) as tmp:
        tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")


def extract_features(source: Any, out: Path, options: DictionaryOptions, progress: bool = True,
                     device: str = "cpu") -> int:
    """Stage 1: component features of the first ``options.limit`` faces of ``source`` (a
    :class:`~facesr.data.source.FaceSource`) in chunk files; returns how many chunks were written now."""
    from tqdm.auto import tqdm

    from .common import estimate_landmarks
    from .dfdnet import component_features, vgg_extractor

    n = len(source) if options.limit is None else min(options.limit, len(source))
    if n < 1:
        raise InputError("the dataset holds no faces to build a dictionary from")
    chunks = [(s, min(s + options.chunk, n)) for s in range(0, n, options.chunk)]
    todo = [(i, c) for i, c in enumerate(chunks) if not (out / "features" / f"chunk_{i:05d}.npz").is_file()]
    if not todo:
        return 0
    vgg = vgg_extractor().to(device)
    for i, (start, stop) in tqdm(todo, desc="dictionary features", unit="chunk", disable=not progress):
        samples = [source.sample(j) for j in range(start, stop)]
        faces = torch.from_numpy(np.stack([s.hr for s in samples]).transpose(0, 3, 1, 2).astype(np.float32) / 255)
        faces = faces.to(device)
        have = [s.landmarks is not None and len(s.landmarks) == 68 for s in samples]
        if options.landmarks == "data" and not all(have):
            bad = samples[have.index(False)].key
            raise InputError(f"{bad}: no 68 landmarks (run 'facesr data prepare --landmarks', or --landmarks estimate)")
        if options.landmarks == "estimate" or not all(have):
            lms = estimate_landmarks(faces)
        else:
            lms = torch.from_numpy(np.stack([s.landmarks for s in samples]).astype(np.float32)).to(device)
        with torch.no_grad():
            feats = component_features(vgg(faces), lms, options.size)
        arrays = {k: v.cpu().numpy().astype(np.float16) for k, v in feats.items()}
        keys = np.array([s.key for s in samples])
        _atomic_save(out / "features" / f"chunk_{i:05d}.npz", lambda fh, k=keys, a=arrays: np.savez(fh, keys=k, **a))
    return len(todo)


def kmeans(x: torch.Tensor, k: int, iterations: int = 25, seed: int = 0, progress: Any = None) -> torch.Tensor:
    """``k`` centres of the rows of ``x`` (N x D): k-means++ seeding from a generator seeded by ``seed``,
    then Lloyd iterations; a cluster that empties is re-seeded with the point farthest from its centre."""
    g = torch.Generator(device="cpu").manual_seed(int(seed))
    n = x.shape[0]
    k = min(k, n)
    sq = x.square().sum(1)

    def dist(c: torch.Tensor) -> torch.Tensor:
        return (sq[:, None] - 2 * x @ c.t() + c.square().sum(1)[None]).clamp(min=0)

    first = int(torch.randint(n, (1,), generator=g))
    centres = [x[first]]
    d = dist(x[first:first + 1])[:, 0]
    for _ in range(1, k):
        probs = d / d.sum() if d.sum() > 0 else torch.full_like(d, 1.0 / n)
        j = int(torch.multinomial(probs, 1, generator=g))
        centres.append(x[j])
        d = torch.minimum(d, dist(x[j:j + 1])[:, 0])
    c = torch.stack(centres)
    for _ in range(iterations):
        dd = dist(c)
        assign = dd.argmin(1)
        counts = torch.bincount(assign, minlength=k).to(x.dtype)
        sums = torch.zeros_like(c).index_add_(0, assign, x)
        new = sums / counts.clamp(min=1)[:, None]
        empty = counts == 0
        if empty.any():
            far = dd.gather(1, assign[:, None])[:, 0].topk(int(empty.sum())).indices
            new[empty] = x[far]
        moved = (new - c).abs().max()
        c = new
        if progress is not None:
            progress.update(1)
        if moved == 0:
            if progress is not None:
                progress.update(iterations - _ - 1)
            break
    return c


def cluster(out: Path, options: DictionaryOptions, progress: bool = True) -> int:
    """Stage 2: K-means per dictionary key over the chunk files; returns how many keys were clustered now."""
    from tqdm.auto import tqdm

    from .components import PARTS
    from .dfdnet import VGG_LAYERS, dictionary_key

    files = sorted((out / "features").glob("chunk_*.npz"))
    keys = [dictionary_key(p, lv) for lv in range(len(VGG_LAYERS)) for p in PARTS]
    todo = [k for k in keys if not (out / "atoms" / f"{k}.npy").is_file()]
    for key in todo:
        parts = []
        for f in files:
            with np.load(f) as z:
                parts.append(z[key].astype(np.float32))
        data = np.concatenate(parts)
        shape = data.shape[1:]
        x = torch.from_numpy(data.reshape(len(data), -1))
        with tqdm(total=options.iterations, desc=f"k-means {key}", unit="it", disable=not progress) as bar:
            centres = kmeans(x, options.atoms, options.iterations, options.seed, bar)
        atoms = centres.numpy().reshape(-1, *shape).astype(np.float32)
        _atomic_save(out / "atoms" / f"{key}.npy", lambda fh, a=atoms: np.save(fh, a))
    return len(todo)


def assemble(out: Path, options: DictionaryOptions, faces: int) -> Path:
    """Stage 3: ``dictionary.safetensors`` from the centre files, with metadata."""
    from safetensors.numpy import save_file

    from .components import PARTS
    from .dfdnet import DICTIONARY_FORMAT, VGG_LAYERS, dictionary_key, feature_scale_tag

    tensors = {}
    for lv in range(len(VGG_LAYERS)):
        for part in PARTS:
            key = dictionary_key(part, lv)
            tensors[key] = np.load(out / "atoms" / f"{key}.npy")
    meta = {"format": DICTIONARY_FORMAT, "face_size": str(options.size), "layers": ",".join(VGG_LAYERS),
            "backbone": "vgg19 (ImageNet, Caffe weights; VGGFace is not available offline)",
            "feature_std": feature_scale_tag(),
            "atoms": str(min(len(v) for v in tensors.values())), "faces": str(faces), "dataset": options.dataset,
            "iterations": str(options.iterations), "seed": str(options.seed)}
    path = out / "dictionary.safetensors"
    from ...io import atomic_write

    with atomic_write(path) as tmp:
        save_file(tensors, str(tmp), metadata=meta)
    return path


def build_dictionary(source: Any, out: str | os.PathLike[str], options: DictionaryOptions, progress: bool = True,
                     device: str = "cpu") -> dict[str, Any]:
    """All three stages (module doc) for the faces of ``source``; resumable. Returns a summary."""
    out = Path(out)
    if options.atoms < 1 or options.chunk < 1 or options.iterations < 0:
        raise InputError("atoms and chunk must be >= 1 and iterations >= 0")
    if options.landmarks not in ("auto", "data", "estimate"):
        raise InputError(f"landmarks must be auto, data or estimate, got {options.landmarks!r}")
    _check_state(out, options)
    written = extract_features(source, out, options, progress, device)
    clustered = cluster(out, options, progress)
    n = len(source) if options.limit is None else min(options.limit, len(source))
    path = assemble(out, options, n)
    return {"dictionary": str(path), "faces": n, "chunks_written": written, "keys_clustered": clustered}
