"""The reference recipe (``recipe: {type: reference, k: K, ...}``): GFRNet, GWAInet, ASFFNet, MEFSR, JSRFC
and DFDNet (survey §4.5) with K references of the same person per face.

Data: :class:`facesr.data.reference.ReferenceGroupDataset` over ``data.train`` (a source with identity
labels: CelebA's ``identity_CelebA.txt``, or a cache prepared with identities), ``k`` references per face
drawn afresh each epoch, LR by ``data.train.degradation`` (``blind``: Table 8's Eq. 5) at the config's fixed
scale (``scale: 1``: the survey's sampled s in {1:0.1:8}, the LR brought back to the HR size). The 68
landmarks of every face are computed once before training (rank 0, then the others read the file) and kept
in ``landmark_cache``. ``data.train.start``/``limit`` count faces in identity order
(:class:`facesr.data.identity_slice.IdentitySlice`), so a short run still has whole groups.

The iteration is the ``sr`` recipe's (weighted losses, critics, update ratios), with the generator fed every
key of the group its ``forward`` names: ``reference`` (``N x K x 3 x S x S``), ``reference_landmarks``,
``reference_mask``, and the face's ``landmarks`` only where a network takes them for its training losses
(``training_inputs``, GFRNet's landmark loss) or with ``face_landmarks: data`` (otherwise a network that
reads the face's landmarks finds them on its degraded input, as at test time). A single-face method given
``k > 1`` gets the best-aligned reference first (:func:`facesr.data.reference.guide_first`).

GFRNet's extras (survey §4.5.1, methods.md §7.1): ``part_critics`` maps critic networks of ``nets`` to a facial
part (``l_eye``, ``r_eye``, ``nose``, ``mouth``): such a critic sees the SR and HR faces cropped at the part's
box from the HR landmarks (:func:`facesr.models.reference.components.part_boxes`) and resampled to
``part_size`` pixels (the local adversarial losses); ``warp_pretrain: N``: for the first N iterations only the
loss terms ``warp_terms`` (the landmark loss and the flow's TV) train the generator and no critic is updated
(WarpNet's pre-training; RecNet gets no gradient from those terms).

Validation (``data.val``, ``dataset: celeba1000``): the identity groups of its ``identity_groups.json``
(every face a target, the rest of its group its references; ``start``/``limit`` targets), LR by
``data.val.degradation`` (default ``blind``) seeded by ``data.val.degradation_seed``, scored by
:func:`facesr.evaluation.reference_groups.score_reference_groups` under ``data.val.protocol`` with
``data.val.metrics``; the bicubic row on the same LR is printed and logged beside.
"""

from __future__ import annotations

import inspect
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...errors import ConfigError
from .sr import SRRecipe

#: where landmark caches go by default (relative to the working directory, like prepared caches)
CACHE_FOLDER = Path("cache") / "reference_landmarks"
FACE_LANDMARKS = ("estimate", "data")


@dataclass
class ReferenceOptions:
    """``k``: references per training face (1 for single-face methods, 3-10 for multi-face ones).
    ``landmarks``: where the training faces' 68 points come from (``auto``: the source's, else the
    hourglass network's; ``data``; ``estimate``). ``landmark_cache``: file of the estimated points (``auto``:
    ``cache/reference_landmarks/<dataset>_<size>px.npz``; null: none). ``face_landmarks``: ``estimate`` (the
    networks find the face's landmarks on their degraded input) or ``data`` (they get the HR face's).
    ``part_critics``: critic network -> facial part; ``part_size``: pixels of a part crop. ``warp_pretrain``:
    iterations of the warp-only stage; ``warp_terms``: its loss terms."""

    k: int = 1
    landmarks: str = "auto"
    landmark_cache: str | None = "auto"
    face_landmarks: str = "estimate"
    part_critics: dict[str, str] = field(default_factory=dict)
    part_size: int = 32
    warp_pretrain: int = 0
    warp_terms: tuple[str, ...] = ("landmark", "flow_tv")


def _cache_file(option: str | None, dataset: str, size: int, box: Any) -> Path | None:
    if option is None:
        return None
    if option != "auto":
        return Path(option)
    tag = "" if box is None else "_box" + "-".join(str(int(v)) for v in box)
    return CACHE_FOLDER / f"{dataset}_{size}px{tag}.npz"


class ReferenceRecipe(SRRecipe):
    name = "reference"
    batch_keys = ("lr", "hr", "reference")
    Options = ReferenceOptions

    def __init__(self, trainer: Any, options: dict[str, Any]) -> None:
        super().__init__(trainer, options)
        o = self.options
        if o.k < 1:
            raise ConfigError(f"recipe.k (references per face) must be >= 1, got {o.k}")
        if o.face_landmarks not in FACE_LANDMARKS:
            raise ConfigError(f"recipe.face_landmarks must be one of {', '.join(FACE_LANDMARKS)}, got "
                              f"{o.face_landmarks!r}")
        if o.part_size < 8:
            raise ConfigError(f"recipe.part_size must be >= 8 pixels, got {o.part_size}")
        if self.cfg.data.train.also:
            raise ConfigError("recipe reference trains on one identity-labelled source: remove data.train.also")

    def model_record(self) -> dict[str, Any]:
        """The generator's description plus ``references`` (K per training face)."""
        return {**super().model_record(), "references": self.options.k}

    # -- networks and losses ---------------------------------------------------------------------------
    def setup(self) -> None:
        from ...losses import WeightedLoss
        from ...models.reference.components import PARTS

        super().setup()
        tr, o = self.trainer, self.options
        gen = tr.nets["generator"]
        if not hasattr(gen, "max_references"):  # a ReferenceNet (facesr.models.reference.common)
            raise ConfigError(f"recipe reference trains the reference family (survey 4.5); {self.info['display']} "
                              "takes no reference faces: use recipe sr")
        params = inspect.signature(gen.forward).parameters
        #: group keys the generator's forward takes besides its declared inputs (fed when the data has them)
        self.extra_inputs = [k for k in ("reference_landmarks", "reference_mask") if k in params]
        if o.face_landmarks == "data" and "landmarks" in params:
            self.extra_inputs.append("landmarks")
        self.single_face = getattr(gen, "max_references", None) == 1
        self.parts: dict[str, int] = {}
        for name, part in o.part_critics.items():
            if name not in self.critics:
                raise ConfigError(f"recipe.part_critics names {name!r}, which is not a critic of nets "
                                  f"(critics: {', '.join(self.critics) or 'none'})")
            if part not in PARTS:
                raise ConfigError(f"recipe.part_critics.{name}: unknown part {part!r} (parts: {', '.join(PARTS)})")
            if tr.net_cfg[name].condition is not None:
                raise ConfigError(f"nets.{name}: a part critic sees the part crop only (remove condition)")
            self.parts[name] = PARTS.index(part)
        self.warp_loss = None
        if o.warp_pretrain > 0:
            missing = [t for t in o.warp_terms if t not in self.cfg.losses]
            if missing or not o.warp_terms:
                raise ConfigError(f"recipe.warp_terms: {', '.join(missing) or 'none given'} not among the losses "
                                  f"({', '.join(self.cfg.losses)})")
            self.warp_loss = WeightedLoss({t: self.cfg.losses[t] for t in o.warp_terms}).to(tr.device)
        self._boxes: torch.Tensor | None = None

    # -- data ----------------------------------------------------------------------------------------
    def train_set(self) -> torch.utils.data.Dataset:
        from ..data import resolve_box

        d = self.cfg.data.train
        box = resolve_box(d.crop_box)
        cache = _cache_file(self.options.landmark_cache, d.dataset if d.dataset != "prepared" else
                            Path(str(d.root)).name, d.size, box)
        return self._groups(lambda: self._train_groups(cache, box), "data.train")

    def _train_groups(self, cache: Path | None, box: Any) -> Any:
        from ...data import open_dataset
        from ...data.identity_slice import IdentitySlice
        from ...data.paired import as_source
        from ...data.reference import ReferenceGroupDataset
        from ..data import prepare_cache

        d, o = self.cfg.data.train, self.options
        if d.dataset == "prepared":
            if not d.root:
                raise ConfigError("data.train.dataset 'prepared' needs data.train.root (facesr data prepare --out)")
            if d.prepare is not None:
                prepare_cache(d)
            reader: Any = d.root
        else:
            reader = open_dataset(d.dataset, d.root)
        source = as_source(reader, d.size, d.kernel, box)
        if d.start or d.limit is not None:
            source = IdentitySlice(source, d.start, d.limit)
        return ReferenceGroupDataset(source, k=o.k, scale=self._data_scale, degradation=d.degradation,
                                     kernel=d.kernel, seed=self.cfg.seed, flip=d.flip, landmarks=o.landmarks,
                                     landmark_cache=cache)

    @property
    def _data_scale(self) -> int | None:
        """The groups' LR scale: the config's, or None (sampled, back to the HR size) for ``scale: 1``."""
        return None if self.cfg.scale == 1 else self.cfg.scale

    def _groups(self, build: Any, where: str) -> Any:
        """``build()`` with its landmarks computed: on rank 0 first (it writes the cache), then the others."""
        from ...errors import FacesrError
        from ..distributed import barrier

        tr = self.trainer
        progress = self.cfg.train.progress and tr.dist.is_main
        data = None
        try:
            if tr.dist.is_main:
                data = build()
                data.precompute_landmarks(progress=progress)
            barrier(tr.dist)
            if data is None:
                data = build()
                data.precompute_landmarks(progress=False)
        except FacesrError as exc:
            raise type(exc)(f"{where}: {exc}") from None
        return data

    def check_data(self, given: bool) -> None:
        """As ``sr``'s, on the first item of the groups (built by the recipe or given); the generator gets
        the optional group keys its ``forward`` takes that the items have."""
        have = set(self.trainer.train_set[0])
        if "reference" not in have:
            raise ConfigError("recipe reference needs 'reference' faces in the training items "
                              "(facesr.data.reference.ReferenceGroupDataset gives them)")
        extra = [k for k in self.extra_inputs if k in have]
        self.net_inputs["generator"] = tuple(dict.fromkeys((*self.net_inputs["generator"], *extra)))
        super().check_data(True)  # the groups are built by the recipe: read their first item either way

    # -- validation ------------------------------------------------------------------------------------
    def validator(self, val_faces: Any = None) -> Any:
        from ..reference_groups import freeze_groups

        if val_faces is not None:
            raise ConfigError("recipe reference validates on identity groups (data.val: celeba1000), not on "
                              "given faces")
        v, d = self.cfg.data.val, self.cfg.data.train
        box = _resolve(v.crop_box)
        cache = _cache_file(self.options.landmark_cache, v.dataset, d.size, box)
        data = self._groups(lambda: self._val_groups(cache, box), "data.val")
        return GroupValidator(freeze_groups(data), scale=self.cfg.scale,
                              protocol=v.protocol, metrics=v.metrics, batch_size=v.batch_size,
                              dist=self.trainer.dist, device=self.trainer.device)

    def _val_groups(self, cache: Path | None, box: Any) -> Any:
        from ...data import open_dataset
        from ...data.reference import ReferenceGroupDataset, group_pairs
        from ...errors import InputError

        v, d = self.cfg.data.val, self.cfg.data.train
        dataset = open_dataset(v.dataset, v.root)
        pairs = group_pairs(dataset)
        stop = len(pairs) if v.limit is None else v.start + v.limit
        pairs = pairs[v.start:stop]
        if not pairs:
            raise InputError(f"{dataset.root}: data.val slice [{v.start}, {stop}) of its identity-group faces is "
                             "empty")
        return ReferenceGroupDataset(dataset, groups=pairs, scale=self._data_scale,
                                     degradation=v.degradation or "blind", kernel=d.kernel,
                                     seed=v.degradation_seed, landmarks=self.options.landmarks,
                                     crop_box=box, size=d.size, landmark_cache=cache)

    # -- the iteration ---------------------------------------------------------------------------------
    def _critic_input(self, name: str, image: torch.Tensor, lr_up: Any) -> torch.Tensor:
        part = self.parts.get(name)
        if part is None:
            return super()._critic_input(name, image, lr_up)
        from ...models.reference.components import crop

        return crop(image, self._boxes[:, part], self.options.part_size, float(image.shape[-1]))

    def probe(self, batch: dict[str, Any]) -> tuple[torch.nn.Module, torch.Tensor]:
        return super().probe(self._prepared(batch))

    def _prepared(self, batch: dict[str, Any]) -> dict[str, Any]:
        """The batch with a single-face method's best-aligned reference first."""
        refs = batch["reference"]
        if self.single_face and refs.dim() == 5 and refs.shape[1] > 1 and "reference_landmarks" in batch:
            from ...data.reference import guide_first

            return guide_first(batch)
        return batch

    def step(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        batch = self._prepared(batch)
        if self.parts:  # boxes of the facial parts from the HR face's landmarks (estimated when not given)
            from ...models.reference.common import estimate_landmarks
            from ...models.reference.components import part_boxes

            hr = batch["hr"].to(self.trainer.device)
            lms = batch["landmarks"].to(hr.device) if "landmarks" in batch else estimate_landmarks(hr)
            self._boxes = part_boxes(lms, float(hr.shape[-1]))
        if it <= self.options.warp_pretrain:
            with self._warp_stage():
                return super().step(batch, it)
        return super().step(batch, it)

    @contextmanager
    def _warp_stage(self):
        """WarpNet's pre-training: only the warp terms train the generator; no critic is updated."""
        loss, critics = self.loss, self.critics
        self.loss, self.critics = self.warp_loss, []
        try:
            yield
        finally:
            self.loss, self.critics = loss, critics


def _resolve(box: Any) -> Any:
    from ..data import resolve_box

    return resolve_box(box)


class GroupValidator:
    """Scores a generator on frozen reference groups (:class:`~facesr.evaluation.reference_groups.
    ReferenceGroups`), each process its share, means reduced over processes; ``baseline``: bicubic."""

    baseline_name = "bicubic"

    def __init__(self, groups: Any, *, scale: int, protocol: str, metrics: tuple[str, ...], batch_size: int,
                 dist: Any, device: torch.device) -> None:
        from ...metrics.registry import METRICS

        self.metrics = tuple(metrics)
        self.scale, self.protocol, self.batch_size, self.dist, self.device = scale, protocol, batch_size, dist, device
        self.higher_better = bool(METRICS.entry(self.metrics[0]).meta.get("higher_better", True))
        mine = list(range(dist.rank, len(groups), dist.world_size))
        self.groups = groups.subset(mine) if mine else None
        self.baseline = self._score("bicubic")

    def _score(self, net: Any) -> dict[str, float]:
        from ..distributed import all_reduce_sum
        from ..reference_groups import score_reference_groups

        sums = np.zeros(2 * len(self.metrics))
        if self.groups is not None:
            s = score_reference_groups(self.groups, net, self.scale, metrics=self.metrics, protocol=self.protocol,
                                       batch_size=self.batch_size, device=self.device)
            for j, m in enumerate(self.metrics):
                values = [v[m] for v in s.per_face.values() if v.get(m) is not None]
                sums[j], sums[len(self.metrics) + j] = float(np.sum(values)), len(values)
        total = all_reduce_sum(torch.from_numpy(sums), self.dist).numpy()
        n = len(self.metrics)
        return {m: float(total[j] / total[n + j]) if total[n + j] else float("nan") for j, m in enumerate(self.metrics)}

    def __call__(self, net: torch.nn.Module) -> dict[str, float]:
        was = net.training
        try:
            return self._score(net)
        finally:
            net.train(was)


RECIPE = ReferenceRecipe
