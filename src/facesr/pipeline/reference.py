"""``facesr enhance IN --reference DIR``: restore each face of a photo with the help of clear photos of the
same person (the reference family, survey §4.5), as GFPGAN-style tools do with a single image.

1. **References** (:func:`load_references`): every image of the folder (walked recursively); each face is
   detected and aligned exactly as ``enhance`` aligns input faces (DIC framing at the 128 px working size,
   :func:`facesr.pipeline.enhance.aligned_view`); a small image (both sides <= 128 px) in which no face is
   found counts as an aligned crop, as ``enhance`` treats it. Faces narrower than 64 px in the aligned
   framing are too blurry to guide (ours: the identity network's own minimum, ``MIN_FACE``) and skipped.
   Each face gets its 68 landmarks (the package's hourglass network on the aligned face, the estimator
   the reference networks use at test time) and its dlib identity embedding (:mod:`facesr.metrics.identity`).
2. **Selection** per input face (:func:`select_references`): identity first, the references of the same
   person by dlib's verification rule (distance <= 0.6); when none passes, the single closest one. Then
   landmark alignment as :func:`facesr.data.reference.guide_first` measures it (similarity-aligned
   least-squares residual of the 68 points, equal weights): best aligned first, ``K`` kept, ``K`` as the
   model takes (1 for single-face methods, up to :data:`MAX_REFERENCES` for multi-face ones).
   A chosen reference above the threshold is logged as a warning naming the input and the reference file.
3. **Restoration** (:class:`ReferenceRestorer`): a reference-family network with weights, run on the
   aligned face with the chosen references as its ``conditions`` declare. Networks that take the
   bicubic-upsampled face (GFRNet, ASFFNet: registry ``input: upsampled``) work at the 128 px working size
   like the bundled blind restorer (any face size and scale); those that enlarge an LR face (GWAInet, MEFSR,
   JSRFC) given as ``NAME:WEIGHTS`` get it at ``128 / s`` px for the scale ``s`` their weights were trained
   for, and ``--scale`` must be ``s``.
4. **The bundled reference model** ``ref-lite`` (the default without ``--model``; MEFSR x8 on a 16 px face,
   its global residual the frozen ``bfr-lite``): any ``--scale`` 1..16, the network chosen per face by the
   face's own size, not by the whole-image scale. ``--scale`` only sets the output size: every face is
   restored at the 128 px working size and pasted back as ``bfr-lite``'s faces are
   (:class:`ReferenceEnhancer`). A face at most 16 px wide in the aligned framing (the network's LR size:
   a face is never shrunk for it) is aligned straight from the photo at 16 px (antialiased, as enhance
   aligns LR faces) and restored by ``ref-lite`` with its references. A larger face would have to be
   shrunk to 16 px first, which loses more than the exemplars can be expected to give back, so it is
   restored by the default single-image restorer, ``bfr-lite`` at ``--fidelity`` (default 0.75), exactly as
   ``facesr enhance`` without ``--reference`` restores it (an info log says so). Measured (ours, PSNR on
   the first 20 celeba1000 faces made W px wide by MATLAB bicubic; ``ref-lite``'s untrained start, which is
   ``bfr-lite``'s fidelity end on the 16 px face): W = 16: 23.94 dB against 23.88 dB for ``bfr-lite`` on
   the face at its own size; W = 18: 23.64 against 24.63; W = 20: 23.77 against 25.23; W = 24: 23.90
   against 26.28 (at W = 16 the start is softer than ``bfr-lite``'s default 0.75 blend: LPIPS 0.306 against
   0.259 on 8 faces; the trained weights are to close that). Each face's record
   (:class:`FaceReferences`, the JSON report's ``faces``) says which network restored it (``restored_by``),
   its width (``face_px``), the references used (none for ``bfr-lite``'s faces) and identity warnings.
   Background tiles (``--background restore``) are always ``bfr-lite``'s, never the reference network's.

Identity distances of very small input faces (a 16 px face) are high even for the same person (about 0.65
on celeba1000 at x8, measured), so the warning is a hint to check the folder, not a verdict.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FacesrError, InputError
from ..log import get_logger
from .enhance import ALIGNED_SIZE, Enhancer, EnhanceReport, aligned_view
from .restorers import Restorer

log = get_logger("enhance")

#: most references a multi-face method gets (the issue's 3-10 per group; ours)
MAX_REFERENCES = 10
#: dlib's face-verification threshold on the Euclidean distance of its 128-d embeddings
VERIFICATION_THRESHOLD = 0.6
#: the smallest face (px in the aligned framing) used as a reference (ours: the identity network's minimum)
MIN_REFERENCE_PX = 64
#: the single-image restorer of the faces too large for ``ref-lite`` and of background tiles
SINGLE_IMAGE_RESTORER = "bfr-lite"


@dataclass
class ReferenceFace:
    """One face of the reference folder: ``file``, ``index`` (face number in the file), ``face`` (uint8
    128 x 128 x 3, aligned), ``landmarks`` (float64 68 x 2, pixels of ``face``), ``embedding`` (float64 128)."""

    file: Path
    index: int
    face: np.ndarray
    landmarks: np.ndarray
    embedding: np.ndarray

    @property
    def label(self) -> str:
        return str(self.file) if self.index == 0 else f"{self.file}#{self.index}"


@dataclass
class FaceReferences:
    """The references chosen for one input face: labels, cosine similarity and Euclidean distance of the
    identity embeddings (dlib; same person: distance <= ``threshold``); ``restored_by``: the network that
    restored the face (the reference model, or the single-image restorer with no references for a face too
    large for it); ``face_px``: the face's width in the aligned framing (``None``: not known)."""

    files: list[str]
    similarity: list[float]
    distance: list[float]
    restored_by: str = ""
    face_px: float | None = None
    threshold: float = VERIFICATION_THRESHOLD

    def warnings(self) -> list[str]:
        """One line per chosen reference that dlib's rule says is another person."""
        return [f"reference {f} looks like another person (identity distance {d:.2f} > {self.threshold:.2f}, "
                "dlib's verification threshold)" for f, d in zip(self.files, self.distance) if d > self.threshold]

    def to_dict(self) -> dict[str, Any]:
        return {"restored_by": self.restored_by,
                "face_px": None if self.face_px is None else round(float(self.face_px), 1),
                "references": [{"file": f, "identity_similarity": round(s, 4), "identity_distance": round(d, 4)}
                               for f, s, d in zip(self.files, self.similarity, self.distance)],
                "warnings": self.warnings()}


# -- faces: identity and landmarks ---------------------------------------------------------------------


def identity_embeddings(faces: np.ndarray) -> np.ndarray:
    """dlib embeddings ``float64 N x 128`` of aligned uint8 ``N x 128 x 128 x 3`` faces."""
    from ..metrics import identity as idm

    return idm.embed(faces, idm.landmarks5(faces))


def face_landmarks(faces: np.ndarray) -> np.ndarray:
    """iBUG-68 landmarks ``float64 N x 68 x 2`` (pixels) of aligned uint8 ``N x S x S x 3`` faces, by the
    package's hourglass network."""
    from ..io import uint8_to_tensor
    from ..models.reference.common import estimate_landmarks

    return estimate_landmarks(uint8_to_tensor(faces)).numpy().astype(np.float64)


def _crop_px(matrix: np.ndarray) -> float:
    """Width in source pixels of the ``ALIGNED_SIZE`` aligned face that ``matrix`` (source -> aligned) makes."""
    return ALIGNED_SIZE / float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))


def _aligned_faces(image: np.ndarray, enhancer: Enhancer) -> tuple[list[np.ndarray], int]:
    """The faces of ``image`` aligned at 128 px as ``enhance`` aligns them, and how many were too small."""
    from ..faces.align import alignment_matrix
    from ..ops import imresize

    faces = enhancer.detect(image)
    if not faces:
        h, w = image.shape[:2]
        if max(h, w) > enhancer.crop_max or min(h, w) < MIN_REFERENCE_PX:
            return [], 0
        return [image if (h, w) == (ALIGNED_SIZE,) * 2 else imresize(image, size=(ALIGNED_SIZE,) * 2)], 0
    out, small = [], 0
    for f in faces:
        m = alignment_matrix(f.landmarks, "dic", ALIGNED_SIZE, f.scheme)
        if _crop_px(m) < MIN_REFERENCE_PX:
            small += 1
            continue
        out.append(aligned_view(image, m, ALIGNED_SIZE))
    return out, small


def load_references(folder: str | os.PathLike[str], *, detector: str = "dlib-hog",
                    enhancer: Enhancer | None = None) -> list[ReferenceFace]:
    """Every usable face of the images in ``folder`` (recursive), aligned at 128 px with landmarks and
    identity embeddings. A missing folder, one without a readable image or without a usable face:
    one-line :class:`InputError` naming the folder."""
    from ..io import IMAGE_SUFFIXES, read_image

    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: reference folder not found" if not root.exists()
                         else f"{root}: the reference must be a folder of photos of the person")
    files = sorted((p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                    and not p.name.startswith(".")), key=lambda p: p.relative_to(root).as_posix())
    enhancer = enhancer or Enhancer(detector=detector)
    found: list[tuple[Path, int, np.ndarray]] = []
    readable, small = 0, 0
    for f in files:
        try:
            image = read_image(f)
        except FacesrError as exc:
            log.info("reference %s skipped: %s", f, str(exc).removeprefix(f"{f}: "))
            continue
        readable += 1
        faces, too_small = _aligned_faces(image, enhancer)
        small += too_small
        found.extend((f, i, face) for i, face in enumerate(faces))
        if not faces:
            log.info("reference %s skipped: no usable face", f)
    if not readable:
        raise InputError(f"{root}: no readable image in the reference folder ({', '.join(IMAGE_SUFFIXES)})")
    if not found:
        hint = f"; {small} face(s) narrower than {MIN_REFERENCE_PX} px" if small else ""
        raise InputError(f"{root}: no usable face in the reference folder ({readable} image(s) read{hint}); "
                         f"give clear photos of the person, faces at least {MIN_REFERENCE_PX} px wide")
    faces = np.stack([face for _, _, face in found])
    embeddings, landmarks = identity_embeddings(faces), face_landmarks(faces)
    return [ReferenceFace(f, i, face, landmarks[j], embeddings[j]) for j, (f, i, face) in enumerate(found)]


# -- selection -------------------------------------------------------------------------------------------


def select_references(embedding: np.ndarray, landmarks: np.ndarray, references: Sequence[ReferenceFace], k: int,
                      threshold: float = VERIFICATION_THRESHOLD) -> tuple[list[int], np.ndarray]:
    """Indices of the references chosen for one face (best aligned first, at most ``k``) and the identity
    distances of all of them. ``embedding``: the face's dlib embedding (128); ``landmarks``: its 68 points
    (pixels of the 128 px aligned face). Identity first (those within ``threshold``, else the closest one),
    then the landmark residual of :func:`facesr.data.reference.guide_first`."""
    import torch

    from ..models.reference.geometry import wls_residual

    if not references:
        raise InputError("no reference faces to choose from")
    dist = np.linalg.norm(np.stack([r.embedding for r in references]) - embedding[None], axis=1)
    pool = np.flatnonzero(dist <= threshold)
    if pool.size == 0:
        pool = np.array([int(np.argmin(dist))])
    src = torch.from_numpy(np.stack([references[i].landmarks for i in pool]))
    dst = torch.from_numpy(np.asarray(landmarks, np.float64))[None].expand_as(src)
    residual = wls_residual(src, dst).numpy()
    order = pool[np.argsort(residual, kind="stable")]
    return [int(i) for i in order[: max(1, int(k))]], dist


# -- the restorer ----------------------------------------------------------------------------------------


class ReferenceRestorer(Restorer):
    """A reference-family network with weights and the faces of a reference folder.

    ``full_size``: the network takes the aligned face at 128 px (``restore_full``; any face size and
    scale); otherwise it enlarges ``128 / s`` px faces by its scale ``s`` (``restore``). ``fallback``: a
    full-size single-image restorer (``bfr-lite``) that makes a network of the second kind serve every face
    size and scale (the bundled ``ref-lite``): the restorer then takes 128 px faces (``full_size`` is true),
    gives the network those at most ``max_face_px`` wide (default ``128 / s``: a face is never shrunk for
    the network; it gets the face at ``128 / s`` px, the one given by :meth:`expect` or else the 128 px face
    resized) and the others to ``fallback``. Call :meth:`start` with the input's name before each
    image: ``selections`` then lists, per restored face in order, what restored it and the references used
    (:class:`FaceReferences`).
    """

    def __init__(self, net, name: str, references: Sequence[ReferenceFace], *, full_size: bool, scale: int,
                 device: str = "cpu", threshold: float = VERIFICATION_THRESHOLD, fallback: Restorer | None = None,
                 max_face_px: float | None = None) -> None:
        if not references:
            raise InputError(f"{name}: no reference faces given")
        self.net, self.name, self.references = net, name, list(references)
        self.net_full_size = bool(full_size)
        self.fallback = fallback if not self.net_full_size else None
        self.full_size = self.net_full_size or self.fallback is not None
        self.net_scale = int(scale)
        self.lr_size = ALIGNED_SIZE // max(1, self.net_scale)
        self.max_face_px = float(self.lr_size if max_face_px is None else max_face_px)
        self.scales = tuple(range(1, 17)) if self.full_size else (int(scale),)
        self.device, self.threshold = device, float(threshold)
        # the fidelity knob is the fallback's (the reference network has one weight set)
        self.has_knob = bool(getattr(self.fallback, "has_knob", False))
        self.fidelity = self.fallback.fidelity if self.has_knob else None
        limit = getattr(net, "max_references", None)
        self.k = min(int(limit), MAX_REFERENCES) if limit else MAX_REFERENCES
        self.keys = tuple(getattr(net, "conditions", ()))
        self.source = "input"
        self.selections: list[FaceReferences] = []
        self._next: tuple[float | None, np.ndarray | None] = (None, None)
        self._tiles: Restorer | None = None

    def start(self, source: str | os.PathLike[str]) -> None:
        """Begin a new input (named in warnings); clears :attr:`selections`."""
        self.source, self.selections = str(source), []

    def takes_lr(self, face_px: float) -> bool:
        """Whether the network (not the fallback) restores a face ``face_px`` wide, from its LR size."""
        return not self.net_full_size and (self.fallback is None or face_px <= self.max_face_px)

    def expect(self, face_px: float | None, lr: np.ndarray | None = None) -> None:
        """Say what the next single face given to :meth:`restore_full` is: its width in the aligned framing
        (``None``: unknown, the network restores it) and, optionally, the face already aligned at the
        network's LR size (uint8 ``128/s`` px, from the photo rather than shrunk from the 128 px face)."""
        self._next = (face_px, lr)

    def single_image_restorer(self) -> Restorer:
        """The full-size single-image restorer (``fallback``, else ``bfr-lite`` at its default fidelity): what
        restores background tiles, which are not faces."""
        if self.fallback is not None:
            return self.fallback
        if self._tiles is None:
            from .fullsize import full_size_restorer

            self._tiles = full_size_restorer(SINGLE_IMAGE_RESTORER, device=self.device)
        return self._tiles

    def _choose(self, face128: np.ndarray, landmarks: np.ndarray, face_px: float | None) -> list[ReferenceFace]:
        from ..metrics.identity import cosine

        emb = identity_embeddings(face128[None])[0]
        picks, dist = select_references(emb, landmarks, self.references, self.k, self.threshold)
        chosen = [self.references[i] for i in picks]
        sims = cosine(np.stack([r.embedding for r in chosen]), np.repeat(emb[None], len(chosen), 0))
        n = len(self.selections)
        record = FaceReferences([r.label for r in chosen], [float(s) for s in sims], [float(d) for d in dist[picks]],
                                restored_by=self.name, face_px=face_px, threshold=self.threshold)
        for line in record.warnings():
            log.warning("%s: face %d: %s; check the reference folder", self.source, n, line)
        self.selections.append(record)
        return chosen

    def _run(self, face: np.ndarray, face128: np.ndarray, face_px: float | None = None) -> np.ndarray:
        """The network on ``face`` (128 px for a full-size network, else its LR size) with the references
        chosen for ``face128`` (the same face aligned at 128 px)."""
        from ..io import uint8_to_tensor
        from ..models.weights import super_resolve_batched

        landmarks = face_landmarks(face128[None])[0]
        chosen = self._choose(face128, landmarks, face_px)
        k = len(chosen)
        values = {"reference": uint8_to_tensor(np.stack([r.face for r in chosen]))[None],
                  "reference_landmarks": np.stack([r.landmarks for r in chosen]).astype(np.float32)[None],
                  "reference_mask": np.ones((1, k), bool),
                  "landmarks": landmarks.astype(np.float32)[None]}
        conds = {key: values[key] for key in self.keys if key in values}
        mode = {"input_mode": "lr", "scale": 1} if self.net_full_size else {}
        return super_resolve_batched(self.net, face[None], conditions=conds, batch_size=1, device=self.device,
                                     **mode)[0]

    def _restore_one(self, face128: np.ndarray, face_px: float | None, lr: np.ndarray | None) -> np.ndarray:
        if self.net_full_size:
            return self._run(face128, face128, face_px)
        if face_px is not None and not self.takes_lr(face_px):
            assert self.fallback is not None
            log.info("%s: face %d is %.0f px wide in the aligned framing (%s enlarges faces up to %g px): restored "
                     "by %s, without references", self.source, len(self.selections), face_px, self.name,
                     self.max_face_px, self.fallback.name)
            self.selections.append(FaceReferences([], [], [], restored_by=self.fallback.name, face_px=face_px,
                                                  threshold=self.threshold))
            return self.fallback.restore_full(face128[None])[0]
        if lr is None or lr.shape[:2] != (self.lr_size, self.lr_size):
            from ..ops import imresize

            lr = imresize(face128, size=(self.lr_size, self.lr_size))
        return self._run(np.ascontiguousarray(lr), face128, face_px)

    def restore_full(self, faces: np.ndarray) -> np.ndarray:
        """uint8 ``N x 128 x 128 x 3`` aligned faces -> restored uint8, same size (a full-size network, or a
        network that enlarges LR faces with its ``fallback``; see :meth:`expect`)."""
        faces = np.asarray(faces)
        face_px, lr = self._next if len(faces) == 1 else (None, None)
        self._next = (None, None)
        if faces.ndim != 4 or faces.shape[1:] != (ALIGNED_SIZE, ALIGNED_SIZE, 3) or faces.dtype != np.uint8:
            raise InputError(f"{self.name} restores uint8 N x {ALIGNED_SIZE} x {ALIGNED_SIZE} x 3 faces, got "
                             f"{faces.dtype} {faces.shape}")
        return np.stack([self._restore_one(f, face_px, lr) for f in faces])

    def restore(self, faces: np.ndarray, scale: int) -> np.ndarray:
        """uint8 ``N x (128/s) x (128/s) x 3`` LR faces -> uint8 ``N x 128 x 128 x 3``."""
        from ..ops import imresize

        faces = np.asarray(faces)
        if self.full_size:
            if faces.shape[1:3] != (ALIGNED_SIZE, ALIGNED_SIZE):
                faces = np.stack([imresize(f, size=(ALIGNED_SIZE,) * 2) for f in faces])
            return self.restore_full(faces)
        self.check_scale(scale)
        return np.stack([self._run(f, imresize(f, size=(ALIGNED_SIZE,) * 2)) for f in faces])


class ReferenceEnhancer(Enhancer):
    """:class:`~facesr.pipeline.enhance.Enhancer` for a :class:`ReferenceRestorer`: before each face it tells
    the restorer the face's width in the aligned framing and, when the network restores it from its LR size,
    the face aligned at that size straight from the photo (antialiased, as enhance aligns LR faces); background
    tiles (``background="restore"``) go to the single-image restorer, never to the reference network."""

    def _tell(self, face_px: float, lr_of) -> None:
        r = self.restorer
        if isinstance(r, ReferenceRestorer):
            r.expect(face_px, lr_of(r.lr_size) if r.takes_lr(face_px) else None)

    def _forget(self) -> None:
        if isinstance(self.restorer, ReferenceRestorer):
            self.restorer.expect(None)

    def _paste_full(self, image: np.ndarray, out: np.ndarray, face, scale: int, report, alpha=None) -> None:
        from ..faces.align import alignment_matrix

        m = alignment_matrix(face.landmarks, "dic", ALIGNED_SIZE, face.scheme)
        self._tell(_crop_px(m), lambda size: aligned_view(
            image, alignment_matrix(face.landmarks, "dic", size, face.scheme), size))
        try:
            super()._paste_full(image, out, face, scale, report, alpha)
        finally:
            self._forget()

    def enhance_crop(self, image: np.ndarray, scale: int) -> np.ndarray:
        from ..ops import imresize

        if self.full_size:
            h, w = image.shape[:2]
            self._tell(float(max(h, w)), lambda size: image if (h, w) == (size, size)
                       else imresize(image, size=(size, size)))
        try:
            return super().enhance_crop(image, scale)
        finally:
            self._forget()

    def _restored_background(self, upscaled: np.ndarray) -> np.ndarray:
        from .tiles import restore_tiles

        r = self.restorer
        tiles = r.single_image_restorer() if isinstance(r, ReferenceRestorer) else r
        return restore_tiles(upscaled, tiles.restore_full, progress=self.progress)


# -- building it -----------------------------------------------------------------------------------------


def reference_models() -> list[str]:
    """The zoo's reference-family networks that restore with reference photos."""
    from ..models import list_models

    return [m["name"] for m in list_models(family="reference") if not str(m.get("references", "")).startswith("none")]


def default_reference_model() -> str | None:
    """The bundled reference model ``--reference`` uses without ``--model`` (the first installed pretrained
    tag of a reference-family network: ``ref-lite``), or ``None`` when none is installed."""
    from ..models import model_info
    from ..models.weights import PRETRAINED

    for entry in PRETRAINED.values():
        if model_info(entry.model).get("family") == "reference" and entry.installed:
            return entry.name
    return None


def resolve_reference_model(model: str | None) -> str:
    """``model``, or the bundled default; with neither, a one-line error that says how to pass weights."""
    if model is not None:
        return str(model)
    default = default_reference_model()
    if default is None:
        raise InputError("no bundled reference model is installed (ref-lite): pass the weights of a trained "
                         "reference network, "
                         f"--model NAME:WEIGHTS (model='NAME:WEIGHTS' in Python), NAME one of "
                         f"{', '.join(reference_models())}, e.g. --model asffnet:runs/asffnet/weights.safetensors")
    return default


def check_single_image_model(model: object) -> None:
    """A one-line :class:`InputError` when ``model`` (a tag or ``NAME:WEIGHTS``) restores with reference
    photos but none are given (names the loader does not know are left to it)."""
    from ..models import model_info
    from ..models.weights import get_pretrained, is_pretrained

    if not isinstance(model, str):
        return
    name = model.partition(":")[0].strip()
    try:
        zoo = get_pretrained(name).model if is_pretrained(name) else model_info(name)["name"]
    except FacesrError:
        return
    if zoo in reference_models():
        raise InputError(f"{model} restores faces with photos of the same person: add --reference DIR "
                         "(reference=DIR in Python), or use a single-image model (bfr-lite, the default)")


def check_reference_model(model: str) -> dict[str, Any]:
    """Registry metadata of ``model`` (a tag or ``NAME:WEIGHTS``) when it restores with reference photos;
    otherwise a one-line :class:`InputError` (checked before its weights file is opened)."""
    from ..models import model_info
    from ..models.weights import canonical_name, get_pretrained, is_pretrained

    name = str(model).partition(":")[0].strip()
    if is_pretrained(name):
        name = get_pretrained(name).model
    info = {"family": "baseline"} if canonical_name(name) == "bicubic" else model_info(name)
    usable = reference_models()
    if info.get("family") != "reference":
        raise InputError(f"--reference needs a reference-family model ({', '.join(usable)}); {model} is not one "
                         f"({info.get('family')} family)")
    if info["name"] not in usable:
        raise InputError(f"{info['name']} restores from its offline dictionaries, not from reference photos: run "
                         f"it without --reference, or use {', '.join(usable)}")
    return info


def reference_restorer(model: str | None, folder: str | os.PathLike[str], *, scale: int, detector: str = "dlib-hog",
                       device: str = "cpu", model_scale: int | None = None, enhancer: Enhancer | None = None,
                       fidelity: float | None = None,
                       max_face_px: float | None = None) -> ReferenceRestorer:
    """A :class:`ReferenceRestorer` for ``model`` (``NAME:WEIGHTS`` of a reference-family network or a bundled
    reference tag; ``None``: the bundled default) and the faces of ``folder``; ``scale``: the output scale
    (a ``NAME:WEIGHTS`` network that enlarges LR faces must have it; ``model_scale``: its scale when the file
    does not say). A bundled tag of such a network (``ref-lite``) serves every scale: faces wider than
    ``max_face_px`` (default: the network's LR size, 16 px) go to ``bfr-lite`` at ``fidelity`` (default
    0.75), the others to the network."""
    from ..models.base import for_inference
    from ..models.weights import build_network, get_pretrained, parse_method, weights_description

    root = Path(folder)
    if not root.exists():
        raise InputError(f"{root}: reference folder not found")
    name = resolve_reference_model(model)
    info = check_reference_model(name)
    spec = parse_method(name)
    full_size = info.get("input") == "upsampled" and 1 in tuple(info.get("scales", ()))
    auto = bool(spec.bundled) and not full_size  # every scale: small faces to the network, the rest to bfr-lite
    if spec.bundled:
        scales = get_pretrained(spec.bundled).scales
        s = scale if scale in scales else scales[0]
    else:
        s = int(weights_description(spec.checkpoint).get("scale") or model_scale or (8 if full_size else 0))
        if not s:
            raise InputError(f"{spec.checkpoint}: the file does not say its scale; give the scale it was trained "
                             "for (--model-scale)")
    if not full_size and not auto and int(scale) != s:  # before the references are loaded
        raise InputError(f"{spec.label} has no x{scale} model (scales: x{s}); choose --scale {s}, or a network "
                         "that takes the upsampled face (gfrnet, asffnet: any scale)")
    fallback = None
    if auto:
        from .fullsize import DEFAULT_FIDELITY, full_size_restorer

        f = DEFAULT_FIDELITY if fidelity is None else fidelity
        fallback = full_size_restorer(SINGLE_IMAGE_RESTORER, fidelity=f, device=device)
    net = for_inference(build_network(spec, s), device)
    return ReferenceRestorer(net, spec.label, load_references(root, detector=detector, enhancer=enhancer),
                             full_size=full_size, scale=s, device=device, fallback=fallback,
                             max_face_px=max_face_px)


def enhance_with_reference(image: np.ndarray, scale: int, reference: str | os.PathLike[str], *,
                           model: str | None = None, detector: str = "dlib-hog", aligned: bool | None = None,
                           device: str = "cpu", fidelity: float | None = None, background: str = "bicubic",
                           source: str = "input") -> tuple[np.ndarray, list[FaceReferences]]:
    """Restore and upscale by ``scale`` the faces of uint8 ``H x W x 3`` ``image`` with the photos in the
    folder ``reference``: the uint8 result and, per restored face, what restored it and the references used.
    ``model``: the bundled ``ref-lite`` (default; any scale 1..16, faces too large for it restored by
    ``bfr-lite`` at ``fidelity``) or ``NAME:WEIGHTS`` of a reference-family network (``fidelity`` then has
    no effect: one weight set). ``background``: ``bicubic`` or ``restore`` (tiles by ``bfr-lite``)."""
    out, _, faces = enhance_reference_report(image, scale, reference, model=model, detector=detector,
                                             aligned=aligned, device=device, fidelity=fidelity,
                                             background=background, source=source)
    return out, faces


def enhance_reference_report(image: np.ndarray, scale: int, reference: str | os.PathLike[str], *,
                             model: str | None = None, detector: str = "dlib-hog", aligned: bool | None = None,
                             device: str = "cpu", fidelity: float | None = None, background: str = "bicubic",
                             source: str = "input") -> tuple[np.ndarray, EnhanceReport, list[FaceReferences]]:
    """:func:`enhance_with_reference` that also returns the image's
    :class:`~facesr.pipeline.enhance.EnhanceReport` (faces found, boxes, notes): ``(out, report, faces)``."""
    finder = Enhancer(detector=detector)  # finds the reference faces; its face detector is then shared
    restorer = reference_restorer(model, reference, scale=scale, detector=detector, device=device,
                                  enhancer=finder, fidelity=fidelity)
    enhancer = ReferenceEnhancer(restorer, detector=detector, background=background)
    enhancer._backend = finder._backend
    restorer.start(source)
    out, report = enhancer.enhance_array(image, scale, aligned=aligned)
    return out, report, list(restorer.selections)
