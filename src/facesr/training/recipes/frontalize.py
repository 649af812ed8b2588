"""Joint frontalization and super-resolution (``recipe: {type: frontalize, ...}``; survey §4.7.5, TANN): the ``sr``
recipe on pose pairs (:class:`facesr.data.pose_pairs.PosePairDataset`) - a non-frontal LR face in, the near-frontal
HR face of the same person as the target, and the frontal face's LR (``lr_frontal``) for networks that take it.

``data.train``: ``dataset`` (a reader with identities, or ``prepared`` with ``root``), ``size``, ``degradation``,
``kernel``, ``flip`` as usual; ``limit`` counts identities here (the first ones by label, all their faces), since
pairs need several faces per person. Options: ``frontal_max`` / ``profile_min`` (yaw proxy, degrees) and
``landmarks`` (``auto``, ``data``, ``estimate``). Validation scores plain SR of ``data.val`` (frontal faces):
the pose track needs pose pairs of a test set (not built here).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ...errors import ConfigError, FacesrError
from .sr import SRRecipe


@dataclass
class FrontalizeOptions:
    """Pose-pair thresholds (degrees of the yaw proxy) and the landmark source of the yaw."""

    frontal_max: float = 10.0
    profile_min: float = 15.0
    landmarks: str = "auto"


class FrontalizeRecipe(SRRecipe):
    name = "frontalize"
    batch_keys = ("lr", "hr", "lr_frontal")
    Options = FrontalizeOptions

    def train_set(self) -> torch.utils.data.Dataset:
        from ...data import open_dataset
        from ...data.pose_pairs import PosePairDataset
        from ..data import resolve_box

        d, o = self.cfg.data.train, self.options
        if d.dataset == "prepared" and not d.root:
            raise ConfigError("data.train.dataset 'prepared' needs data.train.root: the folder written by "
                              "'facesr data prepare --out ... --identity'")
        try:
            source = d.root if d.dataset == "prepared" else open_dataset(d.dataset, d.root)
            return PosePairDataset(source, scale=self.cfg.scale, size=d.size, degradation=d.degradation,
                                   kernel=d.kernel, seed=self.cfg.seed, flip=d.flip, frontal_max=o.frontal_max,
                                   profile_min=o.profile_min, landmarks=o.landmarks,
                                   crop_box=resolve_box(d.crop_box), max_identities=d.limit)
        except FacesrError as exc:
            raise type(exc)(f"data.train (pose pairs): {exc}") from None

    def check_data(self, given: bool) -> None:
        super().check_data(True)  # the pose-pair keys are not priors: read them off the first item


RECIPE = FrontalizeRecipe
