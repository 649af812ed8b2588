"""``facesr zoo``: the table and its JSON, from the meta-device counts (cached)."""

from __future__ import annotations

import argparse
import json

from facesr.cli import zoo


def _run(argv):
    parser = argparse.ArgumentParser()
    zoo.add_parser(parser.add_subparsers())
    return zoo.run(parser.parse_args(["zoo", *argv]))


def test_zoo_table_and_json(tmp_path, capsys):
    out = tmp_path / "zoo.json"
    assert _run(["--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "RCAN" in text and "15,740,067" in text and "FSRNet" in text and "SiGAN" in text
    data = json.loads(out.read_text())
    rows = {r["name"]: r for r in data["models"]}
    assert rows["wasrnet"]["params"] == 74_999_296 and rows["wasrnet"]["input_shape"] == [1, 3, 16, 16]
    assert rows["sparnet"]["input"] == "upsampled" and rows["sparnet"]["survey"]["params_mark"] == "="
    assert rows["nlsn"]["survey"]["params_mark"] == "x" and rows["nlsn"]["survey"]["flops_mark"] == "="
    assert rows["sparnet_light"]["survey"] is None
    assert data["not_implemented"] == []  # every Table 7 method is implemented
    assert rows["wasrgan"]["params"] == 74_999_296 and rows["sicnn"]["params"] == 4_066_014
    # second run reads the cache and gives the same rows
    assert _run(["--json", str(out), "--family", "general"]) == 0
    assert json.loads(out.read_text())["models"] == [r for r in data["models"] if r["family"] == "general"]


def test_zoo_family_filter(capsys):
    assert _run(["--family", "prior"]) == 0
    text = capsys.readouterr().out
    assert "RCAN" not in text and "DIC" in text and "SICNN" not in text
