"""MediaPipe face-mesh topology (478 points): facial regions and the left/right correspondence.

The region edge lists (``FACEMESH_LIPS``, ``FACEMESH_LEFT_EYE``, ...) are read from the installed
``mediapipe`` package's ``face_mesh_connections.py`` by parsing the file (no import of mediapipe,
which would load its native runtime). MediaPipe names sides from the subject's point of view
(``LEFT_EYE`` is the subject's left eye, on the image's right); :func:`mesh_regions` returns
image sides like every scheme in :mod:`facesr.faces.schemes`.
"""

from __future__ import annotations

import ast
import functools

import numpy as np

from ..errors import InputError
from ..paths import package_file

MEDIAPIPE_PIP = ("pip install --no-deps mediapipe==0.10.21 && pip install absl-py flatbuffers "
                 "'protobuf>=4.25.3,<5' matplotlib opencv-contrib-python-headless")

_CONNECTIONS = "python/solutions/face_mesh_connections.py"


@functools.cache
def mesh_connections() -> dict[str, frozenset[tuple[int, int]]]:
    """``FACEMESH_*`` edge sets of the installed mediapipe, parsed from its source file."""
    path = package_file("mediapipe", _CONNECTIONS, MEDIAPIPE_PIP)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: dict[str, frozenset[tuple[int, int]]] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            continue
        call = node.value
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "frozenset"
                and len(call.args) == 1 and isinstance(call.args[0], ast.List)):
            try:
                edges = ast.literal_eval(call.args[0])
            except ValueError:
                continue
            out[node.targets[0].id] = frozenset((int(a), int(b)) for a, b in edges)
    if "FACEMESH_LIPS" not in out:
        raise InputError(f"{path}: no FACEMESH_* edge lists found (unsupported mediapipe version)")
    return out


def edge_loops(edges: frozenset[tuple[int, int]]) -> list[list[int]]:
    """Split an edge set into its connected chains, each as an ordered vertex list (closed loops
    do not repeat their first vertex); longest first."""
    adj: dict[int, list[int]] = {}
    for a, b in edges:
        adj.setdefault(a, []).append(b)
        adj.setdefault(b, []).append(a)
    seen: set[int] = set()
    chains = []
    # start open chains at their ends (degree 1), then the remaining closed loops anywhere
    starts = sorted(v for v, n in adj.items() if len(n) == 1) + sorted(adj)
    for start in starts:
        if start in seen:
            continue
        chain = [start]
        seen.add(start)
        while True:
            nxt = [v for v in adj[chain[-1]] if v not in seen]
            if not nxt:
                break
            chain.append(min(nxt))
            seen.add(chain[-1])
        chains.append(chain)
    return sorted(chains, key=len, reverse=True)


@functools.cache
def mesh_regions() -> dict[str, list[int]]:
    """Region -> ordered mesh indices (polygon outlines), image sides.

    ``face_oval``, ``l_eye``/``r_eye`` (closed outlines), ``l_brow``/``r_brow`` (all brow points),
    ``outer_lips``/``inner_lips`` (closed outlines), ``nose`` (all nose points), ``l_iris``/``r_iris``.
    """
    c = mesh_connections()
    lips = edge_loops(c["FACEMESH_LIPS"])
    if len(lips) != 2:
        raise InputError(f"unexpected FACEMESH_LIPS topology ({len(lips)} chains)")

    def points(name: str) -> list[int]:
        return sorted({v for e in c[name] for v in e})

    regions = {
        "face_oval": edge_loops(c["FACEMESH_FACE_OVAL"])[0],
        # subject's right eye is on the image's left
        "l_eye": edge_loops(c["FACEMESH_RIGHT_EYE"])[0],
        "r_eye": edge_loops(c["FACEMESH_LEFT_EYE"])[0],
        "l_brow": points("FACEMESH_RIGHT_EYEBROW"),
        "r_brow": points("FACEMESH_LEFT_EYEBROW"),
        "outer_lips": lips[0],
        "inner_lips": lips[1],
        "l_iris": points("FACEMESH_RIGHT_IRIS"),
        "r_iris": points("FACEMESH_LEFT_IRIS"),
    }
    if "FACEMESH_NOSE" in c:
        regions["nose"] = points("FACEMESH_NOSE")
    return regions


# Mirror correspondence of the 478-point mesh (with irises): point i of a mirrored face is point
# MESH_FLIP[i] of the original. Measured by matching the mesh of 60 face images with the mirrored
# mesh of their mirror images (optimal assignment), and checked against the mesh topology: it maps
# every region onto its partner, is its own inverse, and maps 1,316 of the 1,322
# FACEMESH_TESSELATION edges onto edges (the edge list itself is not exactly symmetric).
MESH_FLIP = np.array([
    0, 1, 2, 248, 4, 5, 6, 249, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 250, 251, 252, 253, 254, 255,
    256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276,
    277, 278, 279, 280, 281, 282, 283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297,
    298, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318,
    319, 320, 321, 322, 323, 94, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334, 335, 336, 337, 338,
    339, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359,
    360, 361, 362, 363, 364, 365, 366, 367, 368, 369, 370, 371, 372, 373, 374, 375, 376, 377, 378, 379, 151,
    152, 380, 381, 382, 383, 384, 385, 386, 387, 388, 389, 390, 164, 391, 392, 393, 168, 394, 395, 396, 397,
    398, 399, 175, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417,
    418, 195, 419, 197, 420, 199, 200, 421, 422, 423, 424, 425, 426, 427, 428, 429, 430, 431, 432, 433, 434,
    435, 436, 437, 438, 439, 440, 441, 442, 443, 444, 445, 446, 447, 448, 449, 450, 451, 452, 453, 454, 455,
    456, 457, 458, 459, 460, 461, 462, 463, 464, 465, 466, 467, 3, 7, 20, 21, 22, 23, 24, 25, 26, 27, 28,
    29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54,
    55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80,
    81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105,
    106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126,
    127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147,
    148, 149, 150, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 165, 166, 167, 169, 170, 171, 172,
    173, 174, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194,
    196, 198, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219,
    220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240,
    241, 242, 243, 244, 245, 246, 247, 473, 476, 475, 474, 477, 468, 471, 470, 469, 472
], dtype=np.int64)
MESH_FLIP.flags.writeable = False


def mesh_flip_permutation() -> np.ndarray:
    """``(478,)`` index array: the mirror partner of each mesh point (an involution)."""
    return MESH_FLIP.copy()
