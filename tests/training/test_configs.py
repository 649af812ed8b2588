"""Every shipped config loads, its losses build and its networks accept their options."""

from __future__ import annotations

from pathlib import Path

import pytest

from facesr.losses import LOSSES, WeightedLoss
from facesr.models import create, create_part
from facesr.training import load_config

ROOT = Path(__file__).resolve().parents[2] / "configs"
CONFIGS = sorted(ROOT.glob("*.yaml"))
#: the files that configs inherit from (``_base_``): fragments, not runs
BASES = sorted(ROOT.glob("_base_/*.yaml"))
#: every training config under configs/: the zoo's, the short CPU runs', the bundled models' and their
#: width study (configs/landmarks/ holds the landmark trainer's own format)
ALL = sorted(p for p in ROOT.rglob("*.yaml") if not {"_base_", "landmarks"} & set(p.relative_to(ROOT).parts))
METHODS = ("srcnn", "vdsr", "rcan", "nlsn", "urdgn", "wasrnet", "sparnet")
#: methods with the survey's three scales (x4, x8, x16), each file = its method's base + name/output/scale
SCALED = (*METHODS, "wasrgan", "sicnn", "sigan", "superfan", "fsrsa", "aacnn", "fsrnet")


def test_every_method_has_three_scales_and_a_smoke_config():
    names = {p.stem for p in CONFIGS}
    for m in METHODS:
        assert {f"{m}_x4", f"{m}_x8", f"{m}_x16", f"{m}_x8_cpu_smoke"} <= names, m


def test_all_configs_are_found():
    rel = {p.relative_to(ROOT).as_posix() for p in ALL}
    assert len(CONFIGS) >= 64 and {"short/sicnn_x8_cpu_short.yaml", "bundled/rcan_lite_x8.yaml",
                                   "bundled/study/rcan_wide_x8.yaml", "bundled/study/rcan_lite_x8_psnr.yaml",
                                   "sicnn_dit_x8_cpu_smoke.yaml"} <= rel
    assert len(BASES) >= len(SCALED)


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_config_is_valid(path):
    cfg = load_config(path)
    WeightedLoss(cfg.losses)
    options = dict(cfg.generator.options)
    if options.get("parsenet") and not Path(options["parsenet"]).exists():
        options["parsenet"] = None  # PSFR-GAN stage 2 names stage 1's run, trained first (prior/psfrgan_parsenet_*)
    if cfg.generator.part:
        create_part(cfg.generator.model, cfg.generator.part, cfg.scale, device="meta", **options)
    else:
        create(cfg.generator.model, cfg.scale, device="meta", **options)
    for net in cfg.nets.values():
        if net.part:
            create_part(net.model, net.part, cfg.scale, device="meta", **net.options)


def _losses_that_train(cfg) -> set[str]:
    """Registry names of ``cfg``'s loss terms that train something: a term of non-zero weight (the generator's
    loss) or the loss of a network of ``nets`` (a critic's term trains it whatever its weight in the sum)."""
    of_nets = {net.loss for net in cfg.nets.values() if net.loss}
    return {LOSSES.entry(spec["type"]).name for name, spec in cfg.losses.items()
            if float(spec.get("weight", 1.0)) != 0 or name in of_nets}


def test_every_registered_loss_trains_in_a_shipped_config():
    runs = [p for p in ROOT.rglob("*.yaml") if "_base_" not in p.relative_to(ROOT).parts]  # landmarks/ included
    used = set().union(*(_losses_that_train(load_config(p)) for p in runs))
    unused = sorted(set(LOSSES.names()) - used)
    assert not unused, f"registered losses that no config under configs/ trains with: {unused}"


def test_loss_study_configs_differ_from_the_bundled_model_only_in_the_loss():
    from facesr.training.config import to_dict

    study = {"rcan_lite_x8_ssim": {"ssim"}, "rcan_lite_x8_ms_ssim": {"ms_ssim"},
             "rcan_lite_x8_l1_msssim": {"ms_ssim", "l1"}, "rcan_lite_x8_psnr": {"psnr"}}
    base = to_dict(load_config(ROOT / "bundled" / "rcan_lite_x8.yaml"))
    for key in ("name", "output", "losses"):
        base.pop(key)
    for stem, types in study.items():
        d = to_dict(load_config(ROOT / "bundled" / "study" / f"{stem}.yaml"))
        assert (d.pop("name"), d.pop("output")) == (stem, f"runs/{stem}")
        assert {LOSSES.entry(t["type"]).name for t in d.pop("losses").values()} == types, stem
        assert d == base, stem
    mix = load_config(ROOT / "bundled" / "study" / "rcan_lite_x8_l1_msssim.yaml").losses
    # Zhao et al.: 0.84 (1 - MS-SSIM) + 0.16 L1; this project's MS-SSIM loss is (1 - MS-SSIM) / 2 (Eq. 9)
    assert mix["ms_ssim"]["weight"] / 2 == pytest.approx(0.84) and mix["pixel"] == {"type": "l1", "weight": 0.16}
    assert mix["ms_ssim"]["levels"] == 4 and load_config(ROOT / "bundled" / "rcan_lite_x8.yaml").data.train.size == 128


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in CONFIGS if p.stem.endswith("_cpu_smoke")], ids=lambda p: p.stem)
def test_smoke_config_trains(path, tmp_path, request):
    from facesr.training import Trainer
    from facesr_testing import require_data

    require_data("celeba")
    require_data("celeba1000")
    extra = []
    if load_config(path).data.train.dataset == "prepared":  # prior-guided methods: aligned faces + landmarks
        extra.append(f"data.train.root={request.getfixturevalue('prepared')}")
    cfg = load_config(path, [f"output={tmp_path / 'run'}", "train.progress=false", "train.tensorboard=false", *extra])
    result = Trainer(cfg).fit()
    assert result.iteration == cfg.train.iterations and "psnr" in result.last_val


# -- inheritance: bases, scale files, smoke configs, and what they resolve to ----------------------------
def _raw(path: Path) -> dict:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", BASES, ids=lambda p: p.stem)
def test_base_reads_and_names_no_run(path):
    from facesr.training.config import read_config

    data = read_config(path)
    assert isinstance(data, dict) and data and not {"name", "output", "scale"} & set(data)


@pytest.mark.parametrize("method", SCALED)
def test_scale_files_set_only_what_differs(method):
    from facesr.training.config import to_dict

    resolved = []
    for s in (4, 8, 16):
        path = ROOT / f"{method}_x{s}.yaml"
        raw = _raw(path)
        assert raw["_base_"] == f"_base_/{method}.yaml"
        assert set(raw) - {"_base_", "name", "output", "scale"} <= {"losses"}  # wavelet losses take the scale
        cfg = load_config(path)
        assert (cfg.name, cfg.output, cfg.scale) == (f"{method}_x{s}", f"runs/{method}_x{s}", s)
        d = to_dict(cfg)
        for key in ("name", "output", "scale"):
            d.pop(key)
        if "wavelet" in d["losses"]:
            assert d["losses"]["wavelet"].pop("scale") == s
        resolved.append(d)
    assert resolved[0] == resolved[1] == resolved[2]


@pytest.mark.parametrize("path", [p for p in CONFIGS if p.stem.endswith("_cpu_smoke")], ids=lambda p: p.stem)
def test_smoke_config_inherits_its_method(path):
    method = path.stem.removesuffix("_x8_cpu_smoke")
    assert _raw(path)["_base_"] == [f"_base_/{method}.yaml", "_base_/cpu_smoke.yaml"]
    cfg, full = load_config(path), load_config(ROOT / f"{method}_x8.yaml")
    assert (cfg.name, cfg.scale, cfg.train.iterations, cfg.train.device, cfg.data.train.limit) == (path.stem, 8, 3,
                                                                                                  "cpu", 32)
    assert cfg.generator.model == full.generator.model and list(cfg.losses) == list(full.losses)
    assert cfg.data.train.dataset == full.data.train.dataset and cfg.data.val.dataset == full.data.val.dataset


def test_sample_configs_resolve_to_their_recipes():
    cfg = load_config(ROOT / "rcan_x8.yaml")
    g = cfg.generator
    assert (cfg.name, cfg.output, cfg.scale, cfg.seed) == ("rcan_x8", "runs/rcan_x8", 8, 0)
    assert (g.model, g.options, g.optimizer.type, g.optimizer.lr, g.optimizer.betas) == ("rcan", {}, "adam", 1e-4,
                                                                                          (0.9, 0.999))
    assert (g.scheduler.type, g.scheduler.step_size, g.scheduler.gamma) == ("step", 200000, 0.5)
    assert cfg.losses == {"pixel": {"type": "l1", "weight": 1.0}}
    assert (cfg.data.train.dataset, cfg.data.train.batch_size, cfg.data.train.num_workers) == ("celeba", 16, 4)
    assert (cfg.data.val.dataset, cfg.data.val.limit, cfg.data.val.every) == ("celeba1000", 100, 5000)
    assert (cfg.train.iterations, cfg.train.log_every, cfg.train.checkpoint_every) == (1000000, 100, 5000)

    cfg = load_config(ROOT / "fsrnet_x4.yaml")
    assert (cfg.scale, cfg.data.train.dataset, cfg.data.train.root, cfg.data.train.priors) == (
        4, "prepared", "cache/celeba128", ("landmarks", "parsing"))
    assert list(cfg.losses) == ["pixel", "coarse", "prior_heatmaps", "prior_parsing"]
    assert (cfg.data.train.batch_size, cfg.train.iterations, cfg.generator.optimizer.type) == (14, 128000, "rmsprop")

    cfg = load_config(ROOT / "fsrgan_x8.yaml")  # FSRNet's recipe + its GAN terms
    assert list(cfg.losses) == ["pixel", "coarse", "prior_heatmaps", "prior_parsing", "perceptual", "adversarial"]
    assert cfg.nets["discriminator"].condition == "lr" and cfg.generator.model == "fsrgan"

    cfg = load_config(ROOT / "wasrgan_x16.yaml")
    assert list(cfg.losses) == ["image", "wavelet", "adversarial", "identity"]
    assert cfg.losses["wavelet"]["scale"] == 16 and cfg.train.iterations == 300000

    cfg = load_config(ROOT / "dicgan_x8.yaml")
    assert cfg.generator.init == "runs/dic_x8/checkpoints/best.pt"
    assert cfg.generator.scheduler.milestones == (10000, 20000, 40000) and cfg.train.iterations == 80000
    assert load_config(ROOT / "dicgan_x8_cpu_smoke.yaml").generator.init is None

    cfg = load_config(ROOT / "sigan_x8_cpu_smoke.yaml")  # _delete_: a constant learning rate
    assert cfg.generator.scheduler.type == "constant" and cfg.nets["discriminator"].scheduler.type == "constant"
    assert cfg.generator.scheduler.step_size == 0 and cfg.generator.options["head_width"] == 16

    cfg = load_config(ROOT / "fsrsa_est_x8_cpu_smoke.yaml")
    assert cfg.generator.options == {"n_attributes": 9, "mode": "estimated", "width": 0.125}
    assert cfg.losses["perceptual"]["layers"] == ["relu2_2"] and "attribute" in cfg.losses
    assert (cfg.data.train.dataset, cfg.data.train.limit, cfg.data.val.start, cfg.data.val.limit) == (
        "utkface", 32, 9680, 4)

    cfg = load_config(ROOT / "short" / "superfan_x8_cpu_short.yaml")
    assert cfg.nets == {} and list(cfg.losses) == ["pixel", "heatmap"]
    assert (cfg.generator.optimizer.lr, cfg.generator.optimizer.betas, cfg.generator.ema) == (2e-4, (0.9, 0.99), 0.99)
    assert (cfg.train.time_limit, cfg.train.threads, cfg.data.train.crop_box) == (2700, 1, "fsrnet")

    cfg = load_config(ROOT / "bundled" / "rcan_lite_x4.yaml")
    assert (cfg.name, cfg.scale, cfg.generator.ema, cfg.train.on_nan) == ("rcan_lite_x4", 4, 0.995, "rollback")
    assert cfg.generator.options == {"n_resgroups": 6, "n_resblocks": 8, "n_feats": 32, "reduction": 8}
    wide = load_config(ROOT / "bundled" / "study" / "rcan_wide_x8.yaml").generator.options
    assert wide == {"n_resgroups": 5, "n_resblocks": 8, "n_feats": 64, "reduction": 16}
