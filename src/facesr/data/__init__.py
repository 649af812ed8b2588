"""Face datasets: readers of the survey's datasets, paired LR/HR data, augmentation, prepared caches.

Readers are light (numpy, Pillow); :mod:`facesr.data.paired` imports torch.
"""

from .annotations import AnnotationError
from .records import FaceDataset, FaceRecord
from .registry import DATASETS, dataset_root, open_dataset

__all__ = ["DATASETS", "AnnotationError", "FaceDataset", "FaceRecord", "dataset_root", "open_dataset"]
