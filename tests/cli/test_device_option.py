"""``--device`` of bench / evaluate: a name that is not a device, or CUDA on a machine without it, is one
line and exit status 2 before any work."""

from __future__ import annotations

import pytest
import torch

from facesr.cli._common import check_device
from facesr.cli.main import main
from facesr.errors import InputError


@pytest.mark.parametrize("name,match", [("garbage", "not a device"), ("mps", "only cpu and cuda")])
def test_bad_devices(name, match):
    with pytest.raises(InputError, match=match):
        check_device(name)
    assert check_device("cpu") == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_one_line(tmp_path, capsys):
    sr = tmp_path / "sr"
    sr.mkdir()
    assert main(["evaluate", "--sr", str(sr), "--hr", str(sr), "--scale", "4", "--device", "cuda"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "CUDA is not available" in err[0]
