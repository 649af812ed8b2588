"""Facial parsing maps (survey §3.2) drawn from landmarks, with CelebAMask-HQ class ids.

No face-parsing network is obtainable offline, so maps are rasterised from the 68-point (dlib /
300-W) or 478-point (MediaPipe) landmarks. Classes produced (ids shared with CelebAMask-HQ):

====  ==========  ==========================================================
id    name        region
====  ==========  ==========================================================
0     background  everything outside the face
1     skin        face outline: jaw line closed over the brows, raised by 30 % of the
                  chin-to-nasion distance for the forehead (68 points); face oval (478)
2     nose        convex hull of the nose points
4     l_eye       eye outline, image-left eye
5     r_eye       eye outline, image-right eye
6     l_brow      brow band, image-left brow
7     r_brow      brow band, image-right brow
10    mouth       inside of the inner lip outline (teeth, tongue, dark inner mouth)
11    u_lip       between outer and inner lip outlines, above the mouth corners
12    l_lip       between outer and inner lip outlines, below the mouth corners
====  ==========  ==========================================================

Classes 3, 8, 9, 13-18 (glasses, ears, earring, hair, hat, neck, necklace, cloth) cannot be
derived from landmarks and never appear. "l"/"r" are the image's sides; a horizontal flip swaps
them (:func:`flip_parsing`).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ..errors import InputError
from ..faces.schemes import IBUG68_REGIONS, scheme_of

#: CelebAMask-HQ class names; the index is the class id.
CELEBAMASK_CLASSES: tuple[str, ...] = (
    "background", "skin", "nose", "eye_g", "l_eye", "r_eye", "l_brow", "r_brow", "l_ear", "r_ear",
    "mouth", "u_lip", "l_lip", "hair", "hat", "ear_r", "neck_l", "neck", "cloth",
)
CLASS_ID = {name: i for i, name in enumerate(CELEBAMASK_CLASSES)}

#: The classes :func:`parsing_from_landmarks` can produce, by id.
LANDMARK_CLASSES: dict[int, str] = {CLASS_ID[n]: n for n in (
    "background", "skin", "nose", "l_eye", "r_eye", "l_brow", "r_brow", "mouth", "u_lip", "l_lip")}

#: Class-id permutation applied by a horizontal flip (left/right classes swap).
FLIP_CLASSES = np.arange(len(CELEBAMASK_CLASSES), dtype=np.uint8)
for _a, _b in (("l_eye", "r_eye"), ("l_brow", "r_brow"), ("l_ear", "r_ear")):
    FLIP_CLASSES[CLASS_ID[_a]], FLIP_CLASSES[CLASS_ID[_b]] = CLASS_ID[_b], CLASS_ID[_a]


def flip_parsing(parsing: np.ndarray) -> np.ndarray:
    """Mirror a label map horizontally and swap left/right classes."""
    arr = np.asarray(parsing)
    return FLIP_CLASSES[arr[..., ::-1]]


def convex_hull(points: np.ndarray) -> np.ndarray:
    """Convex hull (counter-clockwise, Andrew's monotone chain) of ``(n, 2)`` points."""
    pts = sorted(set(map(tuple, np.asarray(points, dtype=np.float64))))
    if len(pts) <= 2:
        return np.asarray(pts)

    def half(seq):
        out: list[tuple[float, float]] = []
        for p in seq:
            while len(out) >= 2 and ((out[-1][0] - out[-2][0]) * (p[1] - out[-2][1])
                                     - (out[-1][1] - out[-2][1]) * (p[0] - out[-2][0])) <= 0:
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(reversed(pts))
    return np.asarray(lower[:-1] + upper[:-1])


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.hypot(*v))
    return v / n if n > 0 else np.array([0.0, -1.0])


def _band(line: np.ndarray, up: np.ndarray, above: float, below: float) -> np.ndarray:
    """A polygon around a polyline: shifted ``above`` along ``up`` and ``below`` against it."""
    return np.concatenate([line + above * up, (line - below * up)[::-1]])


def _polygons_68(lm: np.ndarray) -> list[tuple[int, np.ndarray]]:
    r = IBUG68_REGIONS
    up = _unit(lm[27] - lm[8])  # chin -> nasion
    iod = float(np.hypot(*(lm[42:48].mean(0) - lm[36:42].mean(0))))
    forehead = 0.3 * float(np.hypot(*(lm[27] - lm[8])))
    brows = lm[17:27][::-1] + forehead * up
    polys = [
        (CLASS_ID["skin"], np.concatenate([lm[r["jaw"]], brows])),
        (CLASS_ID["nose"], convex_hull(lm[r["nose"]])),
        (CLASS_ID["l_brow"], _band(lm[r["l_brow"]], up, 0.04 * iod, 0.07 * iod)),
        (CLASS_ID["r_brow"], _band(lm[r["r_brow"]], up, 0.04 * iod, 0.07 * iod)),
        (CLASS_ID["l_eye"], lm[r["l_eye"]]),
        (CLASS_ID["r_eye"], lm[r["r_eye"]]),
        (CLASS_ID["u_lip"], lm[r["u_lip"]]),
        (CLASS_ID["l_lip"], lm[r["l_lip"]]),
        (CLASS_ID["mouth"], lm[r["inner_lips"]]),
    ]
    return polys


def _split_lip_ring(outer: np.ndarray, inner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Upper and lower lip polygons from closed outer/inner lip outlines (mouth corners split them)."""
    def halves(loop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = int(np.argmin(loop[:, 0])), int(np.argmax(loop[:, 0]))
        if a > b:
            a, b = b, a
        one = loop[a:b + 1]
        two = np.concatenate([loop[b:], loop[:a + 1]])
        return (one, two) if one[:, 1].mean() < two[:, 1].mean() else (two, one)

    def left_to_right(path: np.ndarray) -> np.ndarray:
        return path if path[0, 0] <= path[-1, 0] else path[::-1]

    ou, ol = (left_to_right(p) for p in halves(outer))
    iu, il = (left_to_right(p) for p in halves(inner))
    return np.concatenate([ou, iu[::-1]]), np.concatenate([ol, il[::-1]])


def _polygons_478(lm: np.ndarray) -> list[tuple[int, np.ndarray]]:
    from ..faces.mediapipe_mesh import mesh_regions

    r = mesh_regions()
    upper, lower = _split_lip_ring(lm[r["outer_lips"]], lm[r["inner_lips"]])
    polys = [(CLASS_ID["skin"], lm[r["face_oval"]])]
    if "nose" in r:
        polys.append((CLASS_ID["nose"], convex_hull(lm[r["nose"]])))
    polys += [
        (CLASS_ID["l_brow"], convex_hull(lm[r["l_brow"]])),
        (CLASS_ID["r_brow"], convex_hull(lm[r["r_brow"]])),
        (CLASS_ID["l_eye"], lm[r["l_eye"]]),
        (CLASS_ID["r_eye"], lm[r["r_eye"]]),
        (CLASS_ID["u_lip"], upper),
        (CLASS_ID["l_lip"], lower),
        (CLASS_ID["mouth"], lm[r["inner_lips"]]),
    ]
    return polys


def parsing_from_landmarks(landmarks: np.ndarray, size: tuple[int, int] | int, scheme: str | None = None,
                           supersample: int = 4) -> np.ndarray:
    """``uint8 (H, W)`` label map (ids of :data:`LANDMARK_CLASSES`) drawn from 68 or 478 landmarks.

    ``size``: ``(H, W)`` or one int; landmarks in pixels of that size. Regions are painted in the
    order skin, nose, brows, eyes, lips, inner mouth (later over earlier), at ``supersample`` times
    the resolution and reduced by majority vote, so boundaries are accurate to a fraction of a pixel.
    """
    h, w = (size, size) if isinstance(size, int) else size
    lm = np.asarray(landmarks, dtype=np.float64)
    if lm.ndim != 2 or lm.shape[1] != 2:
        raise InputError(f"landmarks must be an (n, 2) array, got shape {lm.shape}")
    name = scheme_of(len(lm), scheme)
    if name == "ibug68":
        polys = _polygons_68(lm)
    elif name == "mediapipe478":
        polys = _polygons_478(lm)
    else:
        raise InputError(f"parsing maps need 68 (ibug68) or 478 (mediapipe478) landmarks, got scheme {name}")
    s = max(1, int(supersample))
    canvas = Image.new("L", (w * s, h * s), 0)
    draw = ImageDraw.Draw(canvas)
    for class_id, poly in polys:
        # pixel centres are at integer coordinates; at scale s, centre (x, y) -> s*x + (s-1)/2
        pts = [(float(x) * s + (s - 1) / 2, float(y) * s + (s - 1) / 2) for x, y in poly]
        if len(pts) >= 3:
            draw.polygon(pts, fill=class_id)
    big = np.asarray(canvas)
    if s == 1:
        return big.copy()
    blocks = big.reshape(h, s, w, s).transpose(0, 2, 1, 3).reshape(h, w, s * s)
    counts = np.stack([(blocks == c).sum(-1) for c in LANDMARK_CLASSES], axis=-1)
    ids = np.asarray(list(LANDMARK_CLASSES), dtype=np.uint8)
    return ids[np.argmax(counts, axis=-1)]


def parsing_onehot(parsing: np.ndarray, classes: int = len(CELEBAMASK_CLASSES)) -> np.ndarray:
    """``uint8 (H, W)`` label map -> ``float32 (classes, H, W)`` one-hot maps."""
    arr = np.asarray(parsing)
    if arr.size and int(arr.max()) >= classes:
        raise InputError(f"parsing map has class id {int(arr.max())} >= {classes}")
    return (np.arange(classes, dtype=arr.dtype)[:, None, None] == arr[None]).astype(np.float32)
