"""Small datasets written in the real on-disk formats, for reader tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from facesr.priors.attributes import CELEBA_ATTRIBUTES


def image(path: Path, size=(32, 32), value: int = 128) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    arr = np.full((size[1], size[0], 3), value, np.uint8)
    arr[::4] = 255 - value
    Image.fromarray(arr).save(path)
    return path


def celeba(root: Path, n: int = 4, attrs: bool = True, landmarks: bool = True, partition: bool = True,
           extra_lines: int = 2) -> Path:
    names = [f"{i:06d}.jpg" for i in range(1, n + 1)]
    for name in names:
        image(root / "img_align_celeba" / name, (178, 218))
    listed = names + [f"{900000 + i:06d}.jpg" for i in range(extra_lines)]  # images not in this copy
    (root / "identity_CelebA.txt").write_text("".join(f"{f} {10 + i % 2}\n" for i, f in enumerate(listed)))
    if attrs:
        rows = [f"{f}  " + " ".join("1" if (i + j) % 3 == 0 else "-1" for j in range(40))
                for i, f in enumerate(listed)]
        (root / "list_attr_celeba.txt").write_text(f"{len(listed)}\n" + " ".join(CELEBA_ATTRIBUTES) + "\n"
                                                   + "\n".join(rows) + "\n")
    if landmarks:
        head = ("lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y "
                "leftmouth_x leftmouth_y rightmouth_x rightmouth_y")
        rows = [f"{f}    69  109  106  113   77  142   73  152  108  154" for f in listed]
        text = f"{len(listed)}\n{head}\n" + "\n".join(rows) + "\n"
        (root / "list_landmarks_align_celeba.txt").write_text(text)
    if partition:
        (root / "list_eval_partition.txt").write_text("".join(f"{f} {i % 3}\n" for i, f in enumerate(listed)))
    return root


def pts_text(points: np.ndarray) -> str:
    body = "\n".join(f"{x:.3f} {y:.3f}" for x, y in points)
    return f"version: 1\nn_points: {len(points)}\n{{\n{body}\n}}\n"
