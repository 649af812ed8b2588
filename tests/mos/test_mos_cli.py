"""``facesr bench --save-images`` -> ``facesr mos create`` -> ratings -> ``facesr mos report``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from facesr.cli.main import main
from facesr.io import write_image
from facesr.mos import Store


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """A real benchmark run: 6 faces at x4, bicubic and an untrained SRCNN (clearly worse)."""
    import torch
    from safetensors.torch import save_file

    from facesr.models import create
    from facesr.samples import astronaut_face

    root = tmp_path_factory.mktemp("mosbench")
    face = astronaut_face(64).astype(int)
    for i in range(6):
        write_image(root / "hr" / f"{i:02d}.png", np.clip(face + (i - 3) * 8, 0, 255).astype(np.uint8))
    torch.manual_seed(0)
    save_file(create("srcnn", scale=4, seed=0).state_dict(), str(root / "srcnn.safetensors"))
    argv = ["bench", "--dataset", str(root / "hr"), "--scales", "4", "--quiet",
            "--methods", f"bicubic,srcnn:{root / 'srcnn.safetensors'}",
            "--save-images", str(root / "bench"), "--html", str(root / "report.html")]
    assert main(argv) == 0
    return root


def test_save_images_layout(bench):
    data = json.loads((bench / "bench" / "bench.json").read_text())
    idx = data["images"]
    assert idx["scales"]["4"]["methods"] == {"bicubic": "x4/bicubic", "srcnn:srcnn": "x4/srcnn_srcnn"}
    assert data["report_html"] == str((bench / "report.html").resolve())
    for name in data["names"]:
        f = idx["files"][name]
        assert Image.open(bench / "bench" / "HR" / f).size == (64, 64)
        assert Image.open(bench / "bench" / "x4" / "LR" / f).size == (16, 16)
        assert Image.open(bench / "bench" / "x4" / "srcnn_srcnn" / f).size == (64, 64)


def test_create_rate_report(bench, tmp_path, capsys):
    db = tmp_path / "mos.sqlite"
    assert main(["mos", "--db", str(db), "create", "--from", str(bench / "bench"), "--images", "4",
                 "--raters-per-image", "2", "--images-per-rater", "2", "--reference", "--id", "cli"]) == 0
    assert "created study cli: 12 items (4 images x 3 stimuli), 2 block(s)" in capsys.readouterr().out
    store = Store(db)
    info = store.study("cli")
    items = store.items("cli")
    assert len({i.image for i in items}) == 4 and {i.method for i in items} == {"bicubic", "srcnn:srcnn",
                                                                               "HR (reference)"}
    # stimuli are copies under opaque names: nothing in the file name tells the method
    for it in items:
        assert it.file == f"items/{it.item}.png" and (bench / "bench" / "mos" / "cli" / it.file).is_file()
    assert info["folder"] == str((bench / "bench" / "mos" / "cli").resolve())
    # four raters, two per block; scores follow the method (HR 5, bicubic 3-4, srcnn 1-2)
    base = {"HR (reference)": 5, "bicubic": 3, "srcnn:srcnn": 1}
    for k, rater in enumerate("abcd"):
        store.join("cli", rater)
        for it in store.order("cli", rater):
            store.rate("cli", rater, it.item, base[it.method] + (k % 2 if not it.reference else 0))
    out = tmp_path / "rep"
    assert main(["mos", "--db", str(db), "report", "cli", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "24 ratings by 4 rater(s) on 12 items" in text and "added the MOS section" in text
    rep = json.loads((out / "mos.json").read_text())
    rows = {r["method"]: r for r in rep["methods"]}
    assert rows["HR (reference)"]["mos"] == 5 and rows["bicubic"]["mos"] == 3.5 and rows["srcnn:srcnn"]["mos"] == 1.5
    assert rows["bicubic"]["ratings"] == 8 and rows["bicubic"]["ci95"] > 0
    assert rows["bicubic"]["psnr"] > rows["srcnn:srcnn"]["psnr"]
    assert rep["correlation"]["psnr"]["per_item"]["n"] == 8
    assert rep["correlation"]["psnr"]["per_item"]["spearman"] > 0.5
    assert 0 < rep["agreement"]["ordinal"] <= 1
    assert Image.open(out / "mos.png").size == (920, 360)
    assert "| bicubic | 8 | 3.500 |" in (out / "mos.md").read_text()
    csv_rows = (out / "ratings.csv").read_text().splitlines()
    assert csv_rows[0] == "rater,item,method,image,reference,score,shown_at,rated_at" and len(csv_rows) == 25
    # the section goes into the bench report once; a second report replaces it
    assert main(["mos", "--db", str(db), "report", "cli", "-o", str(out)]) == 0
    page = (bench / "report.html").read_text()
    assert page.count("<h2>MOS study cli</h2>") == 1 and page.index("MOS study cli") < page.index("x4: per image")


@pytest.mark.parametrize("argv, message", [
    (["create", "--from", "{tmp}/nothing"], "benchmark folder not found"),
    (["create", "--from", "{tmp}"], "no bench.json"),
    (["create", "--from", "{bench}", "--methods", "rcan"], "method(s) rcan not in the benchmark"),
    (["create", "--from", "{bench}", "--images", "7"], "--images must be 1..6"),
    (["create", "--from", "{bench}", "--scale", "8"], "no x8 outputs"),
    (["create", "--from", "{bench}", "--id", "bad id"], "study id 'bad id' is not valid"),
    (["report", "nope"], "no study with id 'nope'"),
])
def test_cli_errors(bench, tmp_path, capsys, argv, message):
    db = tmp_path / "mos.sqlite"
    Store(db)
    argv = [a.format(tmp=tmp_path, bench=bench / "bench") for a in argv]
    assert main(["mos", "--db", str(db), *argv]) == 2
    assert message in capsys.readouterr().err
