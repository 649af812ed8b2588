"""Synthetic voices tied to identity labels, for audio-guided FSR (survey §4.8.3).

No audio-visual face data exists here (the paper used VoxCeleb2 videos). What can be had honestly is a *side
channel that identifies the person*: every identity gets a fixed random "voice" (fundamental frequency,
three formants, breathiness; drawn from a generator seeded by the identity label), and every sample an
utterance of it (random vowel-like formant glides, pitch jitter, loudness) rendered by a source-filter model
(glottal pulse train through second-order formant resonators, plus aspiration noise) and turned into a
log-magnitude spectrogram (:func:`log_spectrogram`).

What this can and cannot show:

* It can show whether the fusion learns to use a second modality that carries identity (the paper's
  "if an audio track belongs to an identity in a known training set, such audio might even help to restore
  the original identity"), and that the network runs end to end on audio-shaped input.
* It cannot show anything about real voice-face correlations (gender, age, ethnicity from speech): the voices
  are random per identity, unrelated to the faces. On identities not seen in training (CelebA-1000 is
  identity-disjoint from the training pool) the audio carries no usable information, so an honest result there
  is "no better than without audio".

Spectrograms: 16 kHz, 512-point FFT with a Hann window, hop 160 (10 ms), ``log(1 + |STFT|)``, 257 bins x
``frames`` (257 by default, the released code's 257 x 257 input).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

RATE = 16000
N_FFT = 512
HOP = 160
BINS = N_FFT // 2 + 1


@dataclass(frozen=True)
class Voice:
    """One identity's voice: ``f0`` (Hz), ``formants`` (three centre frequencies, Hz), ``breath`` (noise share)."""

    f0: float
    formants: tuple[float, float, float]
    breath: float


def identity_voice(label: object) -> Voice:
    """The fixed voice of identity ``label`` (any value; its ``str`` seeds the draw, stable across runs)."""
    digest = hashlib.sha256(f"facesr-voice:{label}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
    return Voice(f0=float(rng.uniform(85.0, 255.0)),
                 formants=(float(rng.uniform(300, 900)), float(rng.uniform(900, 2300)), float(rng.uniform(2300, 3300))),
                 breath=float(rng.uniform(0.02, 0.2)))


def _resonator(x: np.ndarray, freq: np.ndarray, bandwidth: float) -> np.ndarray:
    """A second-order resonator (bandwidth in Hz) whose centre follows ``freq`` (Hz per sample), applied to ``x``;
    the coefficients change every :data:`HOP` samples (the filter state carries over)."""
    from scipy.signal import lfilter

    r = np.exp(-np.pi * bandwidth / RATE)
    y = np.empty_like(x)
    zi = np.zeros(2)
    for start in range(0, len(x), HOP):
        f = float(freq[start])
        a = [1.0, -2 * r * np.cos(2 * np.pi * f / RATE), r * r]
        y[start:start + HOP], zi = lfilter([1.0 - r], a, x[start:start + HOP], zi=zi)
    return y


def utterance(voice: Voice, rng: np.random.Generator, frames: int = 257) -> np.ndarray:
    """``float32`` waveform (``[-1, 1]``) of one utterance of ``voice`` long enough for ``frames`` STFT frames."""
    n = (frames - 1) * HOP + N_FFT
    t = np.arange(n)
    # pitch: the voice's f0 with a slow random contour and jitter
    contour = voice.f0 * (1 + 0.08 * np.sin(2 * np.pi * rng.uniform(0.5, 2.0) * t / RATE + rng.uniform(0, 6.3)))
    f0 = contour * (1 + 0.01 * rng.standard_normal(n))
    phase = np.cumsum(f0 / RATE)
    source = (np.diff(np.floor(phase), prepend=0.0) > 0).astype(np.float64)  # one pulse per period
    source = source + voice.breath * rng.standard_normal(n)
    # formants glide between random vowel targets around the voice's own
    knots = max(2, int(rng.integers(3, 7)))
    out = np.zeros(n)
    for k, (centre, bw) in enumerate(zip(voice.formants, (80.0, 120.0, 160.0))):
        targets = centre * rng.uniform(0.8, 1.2, size=knots)
        freq = np.interp(t, np.linspace(0, n - 1, knots), targets)
        out += _resonator(source, freq, bw) / (k + 1)
    envelope = np.interp(t, np.linspace(0, n - 1, knots + 1), rng.uniform(0.3, 1.0, size=knots + 1))
    out *= envelope
    peak = np.abs(out).max()
    return (out / peak if peak > 0 else out).astype(np.float32)


def log_spectrogram(wave: np.ndarray, frames: int = 257) -> np.ndarray:
    """``float32 257 x frames`` ``log(1 + |STFT|)`` of ``wave`` (module doc; zero-padded when short)."""
    need = (frames - 1) * HOP + N_FFT
    w = np.zeros(need, dtype=np.float64)
    w[: min(len(wave), need)] = wave[:need]
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(frames)[:, None]
    spec = np.abs(np.fft.rfft(w[idx] * np.hanning(N_FFT)[None, :], axis=1))  # frames x bins
    return np.log1p(spec).T.astype(np.float32)


def voice_spectrogram(label: object, seed: int, frames: int = 257) -> np.ndarray:
    """A spectrogram ``257 x frames`` of a fresh utterance (drawn under ``seed``) of identity ``label``'s voice."""
    return log_spectrogram(utterance(identity_voice(label), np.random.default_rng(seed), frames), frames)


class VoiceFaceDataset:
    """Adds ``audio`` (``float32 1 x 257 x frames``) to the items of ``base`` (paired faces with the ``identity``
    prior): an utterance of the item's identity voice, drawn from the item's ``seed`` (so it changes with the epoch
    like the degradation). Items without an identity (``-1``) get the voice of the label ``"unknown"``."""

    def __init__(self, base: object, frames: int = 257, prefix: str = "train") -> None:
        self.base, self.frames, self.prefix = base, int(frames), prefix

    def __len__(self) -> int:
        return len(self.base)

    def set_epoch(self, epoch: int) -> None:
        if hasattr(self.base, "set_epoch"):
            self.base.set_epoch(epoch)

    def __getitem__(self, i: int) -> dict:
        import torch

        item = dict(self.base[i])
        if "identity" not in item:
            from ..errors import InputError

            raise InputError("synthetic voices need the identity of each face (data.train.priors: [identity])")
        ident = int(item["identity"])
        label = f"{self.prefix}:{ident}" if ident >= 0 else "unknown"
        seed = int(item.get("seed", i)) % 2**63
        item["audio"] = torch.from_numpy(voice_spectrogram(label, seed, self.frames))[None]
        return item
