"""Audio-guided FSR (``recipe: {type: audiofsr, ...}``; survey §4.8.3, Meishvili et al. CVPR 2020): the ``sr``
recipe with a synthetic voice beside every face (:mod:`facesr.data.synthetic_audio`).

No audio-visual face data exists here: each training identity (``data.train.priors: [identity]``, CelebA's
identity labels) gets a fixed random voice, each sample a fresh utterance of it as a log-spectrogram (``audio``,
fed to the generator's audio encoder). Validation faces get the voices of their own identity labels (a dataset
with identities, e.g. celeba1000), one utterance per face seeded by ``data.val.degradation_seed``; since those
identities never occur in training, validation measures what the image branch and the fusion do with an
uninformative second modality. ``use_audio: false`` trains the image-only baseline (``E_l`` -> ``G``) on the same
data. The paper's staged training (StyleGAN first, then encoders inverting it, then the fusion) is replaced by
one end-to-end stage on the config's losses (ours: no pretrained StyleGAN exists here).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ...errors import ConfigError
from .sr import SRRecipe


@dataclass
class AudioOptions:
    frames: int = 257
    use_audio: bool = True


class AudioFSRRecipe(SRRecipe):
    name = "audiofsr"
    Options = AudioOptions

    def setup(self) -> None:
        super().setup()
        if "audio" not in getattr(self.trainer.nets["generator"], "conditions", ()):
            raise ConfigError(f"recipe audiofsr trains audio-guided networks (audiofsr), not {self.info['display']}")
        if "identity" not in self.cfg.data.train.priors:
            raise ConfigError("recipe audiofsr ties voices to identities: set data.train.priors: [identity]")
        if not self.options.use_audio:
            self.net_inputs["generator"] = ()  # the image-only baseline: no audio reaches the generator

    def train_set(self) -> torch.utils.data.Dataset:
        from ...data.synthetic_audio import VoiceFaceDataset

        return VoiceFaceDataset(super().train_set(), self.options.frames)

    def check_data(self, given: bool) -> None:
        self._check_loss_inputs(given)
        item = self.trainer.train_set[0]
        if "audio" not in item:
            raise ConfigError("recipe audiofsr needs 'audio' in the training items (facesr.data.synthetic_audio)")

    def _val_conditions(self, names: list[str] | None) -> dict[str, torch.Tensor] | None:
        import hashlib

        import numpy as np

        from ...data import open_dataset
        from ...data.synthetic_audio import voice_spectrogram

        if not self.options.use_audio:
            return None
        if names is None:
            raise ConfigError("audiofsr validation needs a dataset with identities (data.val), not given faces")
        v = self.cfg.data.val
        records = {r.key: r for r in open_dataset(v.dataset, v.root).records}
        specs = []
        for name in names:
            ident = records[name].identity if name in records else None
            label = f"{v.dataset}:{ident}" if ident is not None else "unknown"
            seed = int.from_bytes(hashlib.sha256(f"{name}:{v.degradation_seed}".encode()).digest()[:8], "little")
            specs.append(voice_spectrogram(label, seed, self.options.frames))
        return {"audio": torch.from_numpy(np.stack(specs))[:, None]}


RECIPE = AudioFSRRecipe
