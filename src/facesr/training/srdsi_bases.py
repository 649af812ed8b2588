"""Fit SRDSI's PCA basis and coupled dictionaries (:mod:`facesr.models.general.srdsi_fit`) from the faces
of a dataset and write them as safetensors.

    python -m facesr.training.srdsi_bases --dataset celeba --limit 2000 --scale 8 -o srdsi_x8.safetensors

then ``generator.options.bases: srdsi_x8.safetensors`` in an SRDSI config.
"""

from __future__ import annotations

import argparse

import torch


def main(argv: list[str] | None = None) -> int:
    from ..models.general.srdsi_fit import fit_bases, save_bases
    from .config import ValConfig
    from .data import load_val_faces

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", default="celeba")
    ap.add_argument("--root", default=None)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--limit", type=int, default=2000)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--scale", type=int, default=8)
    ap.add_argument("--components", type=int, default=64)
    ap.add_argument("--atoms", type=int, default=256)
    ap.add_argument("--patches", type=int, default=20000)
    ap.add_argument("--kernel", default="matlab")
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args(argv)
    _, faces = load_val_faces(ValConfig(dataset=a.dataset, root=a.root, start=a.start, limit=a.limit), a.size)
    hr = torch.from_numpy(faces).permute(0, 3, 1, 2).float() / 255.0
    bases = fit_bases(hr, a.scale, a.components, atoms=a.atoms, patches=a.patches, kernel=a.kernel)
    out = save_bases(bases, a.out, dataset=a.dataset, faces=int(hr.shape[0]), scale=a.scale, size=a.size,
                     components=a.components, atoms=a.atoms, kernel=a.kernel)
    print(f"wrote {out}: PCA {tuple(bases['pca_basis'].shape)}, dictionaries {tuple(bases['dict_lr'].shape)} "
          f"from {hr.shape[0]} faces of {a.dataset}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
