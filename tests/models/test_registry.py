"""The model registry: metadata, lazy listing, and clear errors for names, scales and options."""

from __future__ import annotations

import subprocess
import sys

import pytest

from facesr.errors import ConfigError, UnknownNameError
from facesr.models import FAMILIES, TABLE7, create, create_part, list_models, model_info, not_implemented
from facesr.models.table7 import agreement

KEYS = {"name", "display", "family", "section", "paper", "venue", "input", "scales", "table7", "defaults",
        "parts", "code", "notes"}
GENERAL = {"srcnn", "vdsr", "rcan", "nlsn", "urdgn", "wasrnet", "sparnet"}
#: this project's own networks (no survey row)
OURS = {"bfr"}
PRIOR = {"fsrnet", "superfan", "dic"}
IMPLEMENTED = GENERAL | PRIOR | {"fsrsa", "aacnn", "sicnn", "sigan", "wasrgan"}
#: registered variants without a Table 7 row of their own
VARIANTS = {"sparnet_light", "fsrgan", "dicgan", "fsrsa_est", "aacnn_est"}
X8_ONLY = {"dic", "dicgan"}  # DIC implements x8 only (methods.md §1.3)
#: the other leaves of the general family (survey Fig. 3): local/mixed CNNs, GAN, RL, ensemble
GENERAL_LEAVES = {"srdsi", "dpdfn", "spgan", "attention_fh", "atfmn"}


def test_every_entry_has_the_metadata():
    rows = list_models()
    assert {r["name"] for r in rows} >= IMPLEMENTED | VARIANTS | OURS
    for r in rows:
        assert KEYS <= set(r), r["name"]
        assert r["family"] in FAMILIES
        assert r["input"] in ("lr", "upsampled")
        assert ({8} if r["name"] in X8_ONLY else {4, 8}) <= set(r["scales"])
        assert (r["table7"] is None) == (r["name"] not in TABLE7)
        if r["table7"] is not None:
            assert r["table7"].section == r["section"] and r["table7"].family == r["family"]


def test_family_filter():
    assert {r["name"] for r in list_models("general")} >= GENERAL | OURS | {"sparnet_light"} | GENERAL_LEAVES
    assert {r["name"] for r in list_models("prior")} >= PRIOR | {"fsrgan", "dicgan", "psfrgan", "jasrnet"}
    assert {r["name"] for r in list_models("identity")} >= {"sicnn", "sigan", "wasrgan", "iadfh"}
    assert {r["name"] for r in list_models("joint")} >= {"dgfan", "tann", "fcsrgan", "cpgan", "mtdn"}
    assert {r["name"] for r in list_models("application")} >= {"videofsr"}
    for family in FAMILIES:
        assert all(r["family"] == family for r in list_models(family))
    with pytest.raises(UnknownNameError, match="known: general, prior"):
        list_models("priors")


def test_table7_is_complete():
    assert len(TABLE7) == 15
    assert {r.family for r in TABLE7.values()} == {"general", "prior", "attribute", "identity"}
    assert set(not_implemented()) == set(TABLE7) - IMPLEMENTED
    assert TABLE7["rcan"].pretrained.x16 is None and TABLE7["nlsn"].pretrained.scores(4)["psnr"] == 30.82
    assert TABLE7["sparnet"].scores(8) == {"psnr": 27.44, "ssim": 0.804, "lpips": 0.089}
    assert TABLE7["srcnn"].decimals(TABLE7["srcnn"].params) == 2


def test_agreement_marks():
    assert agreement(15.0109, "15.0") == "="
    assert agreement(10.89, "11.0") == "~"
    assert agreement(44.36, "43.4") == "x"


def test_listing_imports_no_model_module():
    code = ("import sys; from facesr.models import list_models; list_models(); "
            "print(any(m.startswith('facesr.models.general.') for m in sys.modules), 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_unknown_name_suggests_close_names():
    with pytest.raises(UnknownNameError, match="did you mean rcan"):
        create("rcna")
    with pytest.raises(UnknownNameError, match="did you mean .*sparnet"):
        model_info("sparnett")


def test_table7_method_without_architecture_says_not_implemented(monkeypatch):
    from facesr.models import registry

    assert not_implemented() == []  # every Table 7 method has its architecture now
    row = TABLE7["dic"]
    monkeypatch.setitem(registry.TABLE7, "newgan", type(row)("New-GAN", "prior", row.section, None, None, None,
                                                             "1.0", "1.0"))
    with pytest.raises(UnknownNameError, match="New-GAN.*not implemented yet in this version"):
        create("new-gan")


def test_aliases():
    assert model_info("Wavelet-SRNet")["name"] == "wasrnet"
    assert model_info("SPARNet-Light-Attn3D")["name"] == "sparnet_light"


def test_unsupported_scale_names_the_supported_ones():
    with pytest.raises(ConfigError, match=r"URDGN does not support scale 2; supported: x4, x8, x16"):
        create("urdgn", scale=2, device="meta")
    with pytest.raises(ConfigError, match="x2, x4, x8, x16"):
        create("wasrnet", scale=3, device="meta")
    with pytest.raises(ConfigError, match="supported"):
        create("rcan", scale=2.5, device="meta")


def test_unknown_override_lists_the_options():
    with pytest.raises(ConfigError, match="RCAN has no option 'n_groups'; options: n_resgroups"):
        create("rcan", n_groups=3, device="meta")
    with pytest.raises(ConfigError, match="channels must be 1"):
        create("srcnn", channels=2)


def test_variant_defaults_and_parts():
    light = create("sparnet_light", device="meta")
    assert len(light.body) == 1
    assert create("sparnet_light", device="meta", res_depth=2).body.__len__() == 2
    with pytest.raises(UnknownNameError, match="parts: none"):
        create_part("rcan", "discriminator")
    with pytest.raises(UnknownNameError, match="parts: discriminator"):
        create_part("urdgn", "critic")
