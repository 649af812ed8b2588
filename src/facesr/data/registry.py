"""The dataset registry: name -> reader class, with metadata readable without importing readers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..paths import DATA_ENV, data_root
from ..registry import Registry
from .records import FaceDataset

DATASETS: Registry[type[FaceDataset]] = Registry("dataset")

_NC = "non-commercial research use"
DATASETS.add("celeba", "facesr.data.celeba:CelebA", subdir="celeba", framing="celeba-dic", license=_NC,
             labels="identity; attributes, 5 landmarks, partition when their files are present",
             description="CelebA img_align_celeba (178x218); DIC/FSRNet 128 crop (20, 62, 154, 196)")
DATASETS.add("celeba1000", "facesr.data.testlist:TestList", subdir="celeba1000", framing="aligned",
             license=_NC,
             labels="identity (identity.txt, identity_groups.json); official LR_x8",
             description="FSRNet's CelebA-1000 test set, 128x128 HR + official x8 LR")
DATASETS.add("helen50", "facesr.data.testlist:TestList", subdir="helen50", framing="aligned", license=_NC,
             labels="official LR_x8", description="FSRNet's Helen-50 test set, 128x128 HR + official x8 LR")
DATASETS.add("helen", "facesr.data.landmark_files:Helen", subdir="helen", framing="wild", license=_NC,
             labels="194 landmarks (annotation/*.txt)", description="Helen photos with 194-point annotations")
DATASETS.add("ffhq", "facesr.data.ffhq:FFHQ", subdir="ffhq", framing="aligned",
             license="CC BY-NC-SA 4.0 (dataset); images keep their own licences",
             labels="68 landmarks and split from ffhq-dataset-v2.json when present",
             description="FFHQ images1024x1024 or thumbnails128x128 (FFHQ-aligned)")
DATASETS.add("lfw", "facesr.data.folders:LFW", aliases=("lfwa",), subdir="lfw", framing="wild", license=_NC,
             labels="identity = person name; 73 attributes (lfw_attributes.txt) when present",
             description="LFW / LFWA, one folder per person")
DATASETS.add("utkface", "facesr.data.utkface:UTKFace", subdir="utkface", framing="aligned", license=_NC,
             labels="age, gender, race from file names (labels.tsv when present)",
             description="UTKFace aligned 200x200 crops")
DATASETS.add("celebamask-hq", "facesr.data.celebamask:CelebAMaskHQ", aliases=("celebamaskhq",),
             subdir="CelebAMask-HQ", framing="aligned", license=_NC,
             labels="19-class parsing masks; 40 attributes when present",
             description="CelebAMask-HQ: CelebA-HQ 1024x1024 with 512x512 parsing masks")
for _name, _desc in (("300w", "iBUG 300-W"), ("menpo", "Menpo 2D"), ("aflw", "AFLW in 300-W .pts format")):
    DATASETS.add(_name, "facesr.data.landmark_files:PtsFolder", subdir=_name, framing="wild", license=_NC,
                 labels=".pts landmarks beside each image",
                 description=f"{_desc}: images with .pts landmark files")
DATASETS.add("vggface2", "facesr.data.folders:IdentityFolders", subdir="vggface2", framing="wild",
             license=_NC,
             labels="identity = folder name", description="VGGFace2, one folder per identity")
DATASETS.add("casia-webface", "facesr.data.folders:IdentityFolders", aliases=("casia",),
             subdir="casia-webface",
             framing="wild", license=_NC, labels="identity = folder name",
             description="CASIA-WebFace, one folder per identity")
DATASETS.add("folder", "facesr.data.folders:ImageFolder", subdir=None, framing="wild", license="(yours)",
             labels="none", description="any folder of images (recursive)")


def dataset_root(name: str, root: str | os.PathLike[str] | None = None) -> Path:
    """``root``, else ``<data root>/<the dataset's usual folder name>``."""
    entry = DATASETS.entry(name)
    if root is not None:
        return Path(root)
    sub = entry.meta.get("subdir")
    if sub is None:
        raise InputError(f"dataset {entry.name!r} needs an explicit root folder (--root)")
    path = data_root() / sub
    if not path.is_dir():
        raise InputError(f"{path}: {entry.name} not found (pass --root or set {DATA_ENV})")
    return path


def open_dataset(name: str, root: str | os.PathLike[str] | None = None, **options: Any) -> FaceDataset:
    """Open a registered dataset by name (root defaults to the data root's usual folder)."""
    cls = DATASETS.get(name)
    return cls(dataset_root(name, root), **options)
