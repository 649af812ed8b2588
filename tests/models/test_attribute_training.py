"""The attribute and identity smoke configs train for 2 iterations on the shared data with every loss
active, and a run without the inputs a method needs stops with the data option that provides them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from facesr.errors import ConfigError
from facesr.training import load_config

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
SMOKE = {
    "fsrsa_x8_cpu_smoke": "utkface", "fsrsa_est_x8_cpu_smoke": "utkface", "aacnn_x8_cpu_smoke": "utkface",
    "aacnn_est_x8_cpu_smoke": "utkface", "sicnn_x8_cpu_smoke": "celeba", "sigan_x8_cpu_smoke": "celeba",
    "wasrgan_x8_cpu_smoke": "celeba",
}
#: run by default (the given-attribute path with validation inputs, and the identity loss); others are slow
DEFAULT = {"aacnn_x8_cpu_smoke", "sicnn_x8_cpu_smoke"}
QUICK = ["train.iterations=2", "train.checkpoint_every=0", "train.progress=false", "train.tensorboard=false"]


def _load(name: str, tmp_path: Path, *extra: str):
    return load_config(CONFIGS / f"{name}.yaml", [f"output={tmp_path / 'run'}", *QUICK, *extra])


@pytest.mark.parametrize("name", [n if n in DEFAULT else pytest.param(n, marks=pytest.mark.slow)
                                  for n in sorted(SMOKE)])
def test_smoke_config_trains_with_every_loss(name, tmp_path):
    from facesr.training import Trainer
    from facesr_testing import require_data

    require_data(SMOKE[name])
    require_data("celeba1000")
    cfg = _load(name, tmp_path)
    result = Trainer(cfg).fit()
    assert result.iteration == 2 and "psnr" in result.last_val
    with open(tmp_path / "run" / "train_log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2
    for term in cfg.losses:
        assert all(r[term] not in ("", None) for r in rows), term
    for n in cfg.nets:
        assert all(r[f"{n}_loss"] not in ("", None) for r in rows), n
    if name == "aacnn_x8_cpu_smoke":  # the missing-attribute measurement on the run folder
        from facesr.evaluation.missing_attributes import measure_run

        drop = measure_run(str(tmp_path / "run"), limit=2, fractions=(0.0, 1.0))
        assert [r["hidden"] for r in drop] == [0.0, 1.0, "bicubic"] and "drop_psnr" in drop[1]
        # the run records the attribute order, so facesr bench can feed a test set's labels
        from facesr.benchmark.methods import load_weights, weights_description
        from facesr.priors.attributes import UTKFACE_ATTRIBUTES
        from facesr.training.export import export_weights

        last = tmp_path / "run" / "checkpoints" / "last.pt"
        assert load_weights(last)[1]["attributes"] == list(UTKFACE_ATTRIBUTES)
        exported = export_weights(last, tmp_path / "aacnn.safetensors")
        assert weights_description(exported)["attributes"] == list(UTKFACE_ATTRIBUTES)


@pytest.mark.parametrize(("name", "pattern"), [
    ("fsrsa_x8_cpu_smoke", r"FSRSA: network 'generator' needs 'attributes'.*data.train.priors: \[attributes\] "
                           r"with a dataset that has attribute labels \(utkface"),
    ("aacnn_x8_cpu_smoke", r"data.train.priors: \[attributes\]"),
    ("aacnn_est_x8_cpu_smoke", r"'attribute' needs 'attributes'.*data.train.priors: \[attributes\]"),
    ("sigan_x8_cpu_smoke", r"SiGAN: network 'generator' needs 'identity', 'reference'.*"
                           r"data.train.priors: \[identity, reference\] with a dataset that has identity labels"),
])
def test_missing_inputs_name_the_data_option(name, pattern, tmp_path):
    from facesr.training import Trainer
    from facesr_testing import require_data

    require_data("celeba")
    require_data("celeba1000")
    cfg = _load(name, tmp_path, "data.train.priors=[]", "data.train.dataset=celeba", "data.val.dataset=celeba1000")
    with pytest.raises(ConfigError, match=pattern) as info:
        Trainer(cfg)
    assert "\n" not in str(info.value)


def test_dataset_without_attribute_labels_names_the_ones_with_labels(tmp_path):
    from facesr.training import Trainer
    from facesr_testing import require_data

    require_data("celeba")
    require_data("utkface")
    if (require_data("celeba") / "list_attr_celeba.txt").exists():
        pytest.skip("this CelebA copy has attribute labels")
    cfg = _load("aacnn_x8_cpu_smoke", tmp_path, "data.train.dataset=celeba")
    with pytest.raises(ConfigError, match=r"no attributes.*data.train.priors: \[attributes\] .*utkface"):
        Trainer(cfg)
