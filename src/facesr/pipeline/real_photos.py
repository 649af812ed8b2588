"""Real photos without ground truth (survey §4.1.2, §4.8): restore every face with the ``facesr enhance``
machinery, score the restored faces without a reference, and lay them out for people to judge.

For every image of the chosen folders (``$FACESR_DATA/realworld``: ``wild_photos``, ``old_photos``,
``surveillance_whu_scf``, ``cmu_mit_lowres_gray``) and every method (``bicubic``, ``rcan-lite``,
``bfr-lite``, or any ``facesr enhance --model``), the image is enhanced at ``scale`` by
:class:`facesr.pipeline.Enhancer`, exactly as ``facesr enhance`` does it. Faces are detected once per image
(the same faces for every method). Each face is then cut out of every *output* in the aligned 128 px
framing of the benchmark's faces (DIC/CelebA template), so a method is judged on what a user gets, faces
left bicubic by a model included. An image with no detected face that ``enhance`` treats as an aligned crop
(both sides <= 128 px) is one face: the whole output resized to 128 x 128. ``input`` is the face as it is in
the photo, in the same framing (no restoration).

Scores, per method over all faces: FID of the restored crops against a folder of real HR faces
(``celeba1000/HR`` by default; FID of a few hundred faces is biased upwards, so compare methods on the same
faces only) and pooled NIQE (one model over the 96 x 96 blocks of all crops; lower is more natural); pooled
NIQE per folder as well. No ratings are made up: a ``facesr mos create --from OUT/mos`` folder holds the
crops for a MOS study.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FacesrError, InputError

FOLDERS = ("wild_photos", "old_photos", "surveillance_whu_scf", "cmu_mit_lowres_gray")
METHODS = ("bicubic", "rcan-lite", "bfr-lite")
CROP = 128  # the benchmark faces' size and the aligned framing of enhance


@dataclass
class Face:
    """One face: ``name`` (``folder/file#k``), where it came from, how it was found, and the 128 px crops
    (``crops["input"]`` and one per method)."""

    name: str
    folder: str
    source: str
    mode: str  # "photo" (detected) or "crop" (the whole small image)
    crop_px: float  # the face's width in the aligned framing of the input, px
    crops: dict[str, np.ndarray] = field(default_factory=dict, repr=False)


class _Memo:
    """A face backend that detects once per image (the same faces for every method)."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.last: tuple[np.ndarray, list] | None = None

    def detect(self, image: np.ndarray):
        if self.last is None or self.last[0] is not image:
            self.last = (image, list(self.backend.detect(image)))
        return self.last[1]


def list_inputs(root: str | os.PathLike[str], folders: Sequence[str]) -> list[tuple[str, Path]]:
    """``[(folder, image path)]`` of every image under ``root/folder`` (sub-folders included), sorted."""
    from ..io import list_images

    root = Path(root)
    out = []
    for folder in folders:
        where = root / folder
        if not where.is_dir():
            raise InputError(f"{where}: folder not found (set FACESR_DATA, or give --root)")
        out += [(folder, p) for p in list_images(where, recursive=True)]
    return out


def restore_faces(inputs: Sequence[tuple[str, Path]], methods: Sequence[str], *, scale: int = 4,
                  limit: int | None = None, detector: str = "dlib-hog", device: str = "cpu",
                  fidelity: float | None = None, root: str | os.PathLike[str] | None = None,
                  progress: bool = True) -> tuple[list[Face], list[str]]:
    """Enhance every input image with every method and cut out the faces; returns ``(faces, notes)``.

    ``limit``: at most this many faces per folder (images are taken in order until it is reached).
    ``notes``: one line per image skipped (unreadable, no face) or per face count.
    """
    from ..faces import create_backend
    from ..faces.align import alignment_matrix, invert, scale_matrix
    from ..io import read_image
    from ..ops import imresize
    from .enhance import ALIGNED_SIZE, Enhancer, aligned_view, build_restorer

    if scale < 1 or scale > 16:
        raise InputError(f"scale must be 1..16, got {scale}")
    if limit is not None and limit < 1:
        raise InputError(f"limit must be at least 1, got {limit}")
    opts = {"upsample": 1} if detector.startswith("dlib") else {}
    shared = _Memo(create_backend(detector, **opts))
    enhancers = {}
    for m in methods:
        e = Enhancer(build_restorer(m, scale=scale, device=device, fidelity=fidelity), detector=detector)
        e._backend = shared  # one detection per image for every method (Enhancer's lazily made backend)
        enhancers[m] = e
    faces: list[Face] = []
    notes: list[str] = []
    count: dict[str, int] = {}
    iterator: Any = inputs
    if progress:
        from tqdm import tqdm

        iterator = tqdm(inputs, desc="photos", unit="img")
    base = Path(root) if root is not None else None
    for folder, path in iterator:
        if limit is not None and count.get(folder, 0) >= limit:
            continue
        rel = path.relative_to(base).as_posix() if base is not None else f"{folder}/{path.name}"
        try:
            image = read_image(path)
        except FacesrError as exc:
            notes.append(f"{rel}: skipped ({exc})")
            continue
        found = [f for f in shared.detect(image) if f.landmarks is not None]
        h, w = image.shape[:2]
        if not found and max(h, w) > enhancers[methods[0]].crop_max:
            notes.append(f"{rel}: no face found; skipped")
            continue
        outputs = {m: e.enhance_array(image, scale)[0] for m, e in enhancers.items()}
        take = found if limit is None else found[: limit - count.get(folder, 0)]
        if found:
            up = scale_matrix(np.array([[1.0, 0, 0], [0, 1.0, 0]]), scale)  # source -> output pixel centres
            for k, f in enumerate(take):
                m = alignment_matrix(f.landmarks, "dic", ALIGNED_SIZE, f.scheme)
                m_out = m @ np.vstack([invert(up), [0, 0, 1]])  # output -> aligned
                crop_px = ALIGNED_SIZE / math.sqrt(abs(np.linalg.det(m[:, :2])))
                face = Face(f"{rel}#{k}", folder, rel, "photo", crop_px)
                face.crops["input"] = aligned_view(image, m, CROP)
                for name, out in outputs.items():
                    face.crops[name] = aligned_view(out, m_out, CROP)
                faces.append(face)
        else:  # enhance treats a small image without a detected face as an aligned crop
            face = Face(f"{rel}#0", folder, rel, "crop", float(max(h, w)))
            face.crops["input"] = imresize(image, size=(CROP, CROP))
            for name, out in outputs.items():
                face.crops[name] = imresize(out, size=(CROP, CROP))
            faces.append(face)
            take = [None]
        count[folder] = count.get(folder, 0) + len(take)
        if len(take) < len(found):
            notes.append(f"{rel}: {len(found)} faces, {len(take)} taken (limit {limit} per folder)")
    return faces, notes


def score_faces(faces: Sequence[Face], methods: Sequence[str], *, fid_ref: str | os.PathLike[str] | None,
                device: str = "cpu") -> dict[str, Any]:
    """FID against ``fid_ref`` (skipped when ``None``) and pooled NIQE of every method's crops (and of the
    input faces), overall and pooled NIQE per folder (``None`` for a folder with too few blocks)."""
    from ..evaluation.runner import evaluate_arrays

    if len(faces) < 2:
        raise InputError(f"{len(faces)} face(s) to score; pooled NIQE and FID need at least 2")
    rows = ["input", *methods]
    metrics = (["fid"] if fid_ref is not None else []) + ["niqe_pooled"]
    options = {"fid": {"ref": str(fid_ref)}} if fid_ref is not None else {}
    names = [f.name for f in faces]
    overall: dict[str, dict[str, float]] = {}
    for m in rows:
        r = evaluate_arrays([f.crops[m] for f in faces], None, names, scale=1, metrics=metrics, options=options,
                            device=device)
        overall[m] = {k: float(v) for k, v in r.metrics.items()}
    folders: dict[str, dict[str, Any]] = {}
    for folder in dict.fromkeys(f.folder for f in faces):
        sub = [f for f in faces if f.folder == folder]
        folders[folder] = {"faces": len(sub)}
        for m in rows:
            try:
                r = evaluate_arrays([f.crops[m] for f in sub], None, [f.name for f in sub], scale=1,
                                    metrics=["niqe_pooled"], device=device)
                folders[folder][m] = float(r.metrics["niqe_pooled"])
            except InputError:  # too few blocks for a model (one face)
                folders[folder][m] = None
    return {"faces": len(faces), "metrics": metrics, "fid_ref": None if fid_ref is None else str(fid_ref),
            "overall": overall, "folders": folders}


def contact_sheet(faces: Sequence[Face], columns: Sequence[str], *, cell: int = 96) -> np.ndarray:
    """One row per face, one column per crop (``input`` and the methods), ``cell`` px each, labelled."""
    from ..benchmark.figures import comparison_grid
    from ..ops.resize import pil_resize_uint8

    if not faces:
        raise InputError("a contact sheet needs at least one face")

    def fit(img: np.ndarray) -> np.ndarray:
        return img if img.shape[0] == cell else pil_resize_uint8(img, (cell, cell))

    return comparison_grid([[fit(f.crops[c]) for c in columns] for f in faces], list(columns))


def write_outputs(faces: Sequence[Face], methods: Sequence[str], scores: dict[str, Any] | None,
                  out: str | os.PathLike[str], *, scale: int, notes: Sequence[str] = (), sheet_faces: int = 4,
                  summary_faces: int = 2, cell: int = 96, command: str = "") -> list[Path]:
    """Write ``out/real_photos.json`` and ``.md`` (scores, faces, notes), ``out/sheets/<folder>.png`` contact
    sheets (the first ``sheet_faces`` faces of each folder), ``out/sheets/summary.png`` (the
    ``summary_faces`` smallest faces of each folder: chosen by size, not by result) and ``out/mos/`` (a
    folder that ``facesr mos create --from OUT/mos`` takes: the crops as PNG with its ``bench.json``).
    Returns the written files."""
    from ..benchmark.images import BENCH_JSON, safe_name
    from ..io import atomic_write, write_image
    from ..io.atomic import write_json

    root = Path(out)
    written: list[Path] = []
    columns = ["input", *methods]
    summary = []
    for folder in dict.fromkeys(f.folder for f in faces):
        mine = [f for f in faces if f.folder == folder]
        written.append(write_image(root / "sheets" / f"{folder}.png",
                                   contact_sheet(mine[:sheet_faces], columns, cell=cell)))
        summary += sorted(mine, key=lambda f: f.crop_px)[:summary_faces]
    if summary_faces:  # the smallest faces of each folder, where restoration matters most
        written.append(write_image(root / "sheets" / "summary.png", contact_sheet(summary, columns, cell=cell)))
    # the MOS folder: the layout facesr.benchmark.images writes; no ground truth, so no reference images
    # ("hr" names a folder that does not exist: facesr mos create --reference stops on it)
    mos = root / "mos"
    files: dict[str, str] = {}
    for f in faces:
        stem = safe_name(f.name.replace("#", "_"))
        while stem + ".png" in files.values():
            stem += "_"
        files[f.name] = stem + ".png"
    subs = {m: safe_name(m) for m in methods}
    for f in faces:
        write_image(mos / f"x{scale}" / "input" / files[f.name], f.crops["input"])
        for m in methods:
            write_image(mos / f"x{scale}" / subs[m] / files[f.name], f.crops[m])
    index = {"files": files, "hr": "no-ground-truth",
             "scales": {str(scale): {"lr": f"x{scale}/input", "methods": {m: f"x{scale}/{subs[m]}" for m in methods}}}}
    bench = {"dataset": "realworld", "protocol": "none (real photos, no ground truth)", "convention": "",
             "scales": [scale], "metrics": [], "n": len(faces), "rows": [{"method": m} for m in methods],
             "per_image": {m: {str(scale): {f.name: {} for f in faces}} for m in methods},
             "names": [f.name for f in faces], "images": index, "report_html": None, "scores": scores}
    written.append(write_json(mos / BENCH_JSON, bench))
    data = {"command": command, "scale": scale, "methods": list(methods), "scores": scores, "notes": list(notes),
            "faces": [{"name": f.name, "folder": f.folder, "source": f.source, "mode": f.mode,
                       "crop_px": round(f.crop_px, 1)} for f in faces]}
    written.append(write_json(root / "real_photos.json", data))
    md = root / "real_photos.md"
    with atomic_write(md) as tmp:
        tmp.write_text(to_markdown(scores, methods, scale, faces, notes, command), encoding="utf-8")
    written.append(md)
    return written


def to_markdown(scores: dict[str, Any] | None, methods: Sequence[str], scale: int, faces: Sequence[Face],
                notes: Sequence[str] = (), command: str = "") -> str:
    rows = ["input", *methods]
    out = [f"# Real photos, x{scale}: {len(faces)} faces", ""]
    if command:
        out += ["```", command, "```", ""]
    if scores:
        head = ["method", *(["FID"] if "fid" in scores["metrics"] else []), "NIQE (pooled)"]
        out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for m in rows:
            v = scores["overall"][m]
            cells = ([f"{v['fid']:.2f}"] if "fid" in v else []) + [f"{v['niqe_pooled']:.3f}"]
            out.append(f"| {m} | " + " | ".join(cells) + " |")
        fid = f"FID against {scores['fid_ref']} (lower is closer to real HR faces), " if scores["fid_ref"] else ""
        out += ["", f"{fid}pooled NIQE (lower is more natural); crops 128 px in the DIC/CelebA framing, cut from "
                "each method's enhanced output; `input` = the face as in the photo.", ""]
        folders = list(scores["folders"])
        out += ["| pooled NIQE | " + " | ".join(f"{f} ({scores['folders'][f]['faces']})" for f in folders) + " |",
                "|" + "---|" * (len(folders) + 1)]
        for m in rows:
            out.append(f"| {m} | " + " | ".join("-" if scores["folders"][f][m] is None
                                                 else f"{scores['folders'][f][m]:.3f}" for f in folders) + " |")
        out.append("")
    if notes:
        out += ["Notes:", "", *(f"- {n}" for n in notes), ""]
    return "\n".join(out)
