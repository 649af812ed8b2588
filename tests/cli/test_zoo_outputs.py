"""``facesr zoo --json BAD``: the unwritable path is refused before the table is printed (issue 24 leftover)."""

from __future__ import annotations

from facesr.cli.main import main


def test_zoo_json_under_a_file_fails_before_the_table(tmp_path, capsys):
    blocker = tmp_path / "a_file.txt"
    blocker.write_text("not a folder")
    bad = blocker / "zoo.json"
    assert main(["zoo", "--json", str(bad)]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # no table: nothing was counted or printed
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("facesr: error:") and "--json" in lines[0] and str(bad) in lines[0]
