"""AudioFSR (survey §4.8.3): counts at the released code's widths, the image + audio paths of a narrow network,
the synthetic voices tied to identities (what they carry and that they are reproducible), and a few training
iterations of the audiofsr recipe with and without audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from facesr.data.synthetic_audio import BINS, VoiceFaceDataset, identity_voice, voice_spectrogram
from facesr.errors import InputError
from facesr.models import create, model_complexity
from facesr.models.complexity import count_params
from facesr.training import Trainer, load_config

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "application"
TINY = {"lr_width": 8, "audio_width": 4, "audio_hidden": 32, "dim": 16, "g_width": 16}


def test_counts_at_the_released_widths():
    net = create("audiofsr", 16, device="meta")
    parts = [count_params(m) for m in (net.lr_encoder, net.audio_encoder, net.fusion, net.generator)]
    assert parts == [78_907_648, 318_727_040, 151_013_376, 26_094_979] and count_params(net) == 574_743_043
    assert net.generator.styles == 12  # StyleGAN's W+ at 128 px
    c = model_complexity("audiofsr", scale=8)
    assert c.params == 660_077_059 and c.input_shape == (1, 3, 16, 16)


def test_image_and_audio_paths():
    net = create("audiofsr", 16, seed=0, **TINY).eval()
    x, a = torch.rand(2, 3, 8, 8), torch.rand(2, 1, BINS, 257)
    with torch.no_grad():
        torch.manual_seed(0)
        fused = net(x, a)
        torch.manual_seed(0)
        alone = net(x)
        torch.manual_seed(0)
        other = net(x, torch.zeros_like(a))
    assert fused.shape == (2, 3, 128, 128) and torch.isfinite(fused).all()
    assert not torch.allclose(fused, alone) and not torch.allclose(fused, other)  # the audio changes the face
    assert torch.allclose(net.codes(x, None), net.lr_encoder(x * 2 - 1))
    with pytest.raises(InputError, match="log-spectrograms"):
        net(x, torch.rand(2, 1, 100, 257))
    with pytest.raises(InputError, match="8x8 LR face"):
        net(torch.rand(2, 3, 16, 16), a)


def test_voices_are_tied_to_identities_and_reproducible():
    assert identity_voice("7") == identity_voice("7") and identity_voice("7") != identity_voice("8")
    v = identity_voice("7")
    assert 85 <= v.f0 <= 255 and v.formants[0] < v.formants[1] < v.formants[2]
    a, b = voice_spectrogram("7", 1), voice_spectrogram("7", 1)
    assert a.shape == (BINS, 257) and a.dtype == np.float32 and np.array_equal(a, b)
    assert not np.array_equal(a, voice_spectrogram("7", 2))  # another utterance
    # the voice shows in the spectrum: average spectra of one identity are closer than of two identities
    same = np.abs(voice_spectrogram("7", 3).mean(1) - voice_spectrogram("7", 4).mean(1)).mean()
    other = np.abs(voice_spectrogram("7", 3).mean(1) - voice_spectrogram("8", 4).mean(1)).mean()
    assert same < other


class Faces(torch.utils.data.Dataset):
    """Six random 128 px faces of three identities with their 8 px LR (x16)."""

    def __init__(self) -> None:
        g = torch.Generator().manual_seed(0)
        self.hr = torch.rand(6, 3, 128, 128, generator=g)
        self.lr = torch.nn.functional.avg_pool2d(self.hr, 16)

    def __len__(self) -> int:
        return 6

    def __getitem__(self, i: int) -> dict:
        return {"lr": self.lr[i], "hr": self.hr[i], "identity": torch.tensor(i // 2), "index": torch.tensor(i),
                "seed": torch.tensor(100 + i)}


def test_voice_dataset_adds_an_utterance_per_item():
    ds = VoiceFaceDataset(Faces())
    item = ds[3]
    assert item["audio"].shape == (1, BINS, 257)
    assert torch.equal(item["audio"][0], torch.from_numpy(voice_spectrogram("train:1", 103)))
    with pytest.raises(InputError, match="priors: \\[identity\\]"):
        VoiceFaceDataset([{"lr": torch.zeros(3, 8, 8)}])[0]


@pytest.mark.parametrize("use_audio", [True, False])
def test_recipe_trains_with_and_without_audio(tmp_path, use_audio):
    cfg = load_config(CONFIGS / "audiofsr_cpu_smoke.yaml", [
        f"output={tmp_path / 'run'}", "train.progress=false", "train.tensorboard=false", "data.val.enabled=false",
        "train.precision=fp32", "train.channels_last=false", "train.iterations=2",
        f"recipe.use_audio={str(use_audio).lower()}"])
    trainer = Trainer(cfg, train_set=VoiceFaceDataset(Faces()))
    net = trainer.nets["generator"]
    before = [p.detach().clone() for p in net.audio_encoder.parameters()]
    assert trainer.fit().iteration == 2
    moved = any(not torch.equal(a, b) for a, b in zip(before, net.audio_encoder.parameters()))
    assert moved == use_audio  # the image-only baseline never feeds the audio encoder


@pytest.mark.slow
def test_smoke_config_on_celeba_identities(tmp_path):
    from facesr_testing import require_data

    require_data("celeba")
    require_data("celeba1000")
    cfg = load_config(CONFIGS / "audiofsr_cpu_smoke.yaml", [f"output={tmp_path / 'run'}", "train.progress=false",
                                                             "train.tensorboard=false"])
    result = Trainer(cfg).fit()  # celeba1000's identities get voices too (validation conditions)
    assert result.iteration == 3 and {"psnr", "ssim"} <= set(result.last_val)
