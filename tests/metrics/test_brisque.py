"""BRISQUE through OpenCV contrib: known value, ordering, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from facesr.errors import InputError, MissingDependencyError
from facesr.metrics import brisque as bq
from facesr.metrics import create_metric
from facesr_testing import require_data


def _available() -> bool:
    try:
        bq._scorer()
        return True
    except MissingDependencyError:
        return False


needs_brisque = pytest.mark.skipif(not _available(), reason=f"needs {bq.PIP_LINE} and {bq.APT_LINE}")


@needs_brisque
def test_baboon_value_and_blur_ordering():
    from facesr.io import read_image, uint8_to_tensor

    img = read_image(require_data("metric_refs/niqe") / "baboon.png")
    assert bq.brisque(img) == pytest.approx(29.14, abs=0.05)  # OpenCV 4.14 / 5.0 with the LIVE model
    m = create_metric("brisque")
    assert not m.needs_hr
    x = uint8_to_tensor(img)
    blurred = torch.nn.functional.avg_pool2d(x, 5, stride=1, padding=2, count_include_pad=False)
    s = m(torch.cat([x, blurred]))
    assert s[1] > s[0] + 10  # blur is judged much worse


@needs_brisque
def test_small_and_bad_images():
    with pytest.raises(InputError, match="at least 32x32"):
        create_metric("brisque")(torch.rand(1, 3, 16, 16))
    with pytest.raises(InputError, match="uint8"):
        bq.brisque(np.zeros((64, 64, 3), np.float32))


def test_missing_model_files_name_the_install_lines(monkeypatch, tmp_path):
    monkeypatch.setattr(bq, "SEARCH_DIRS", (str(tmp_path),))
    monkeypatch.setenv("FACESR_BRISQUE_DIR", str(tmp_path / "none"))
    with pytest.raises(MissingDependencyError, match="apt-get install opencv-data") as err:
        bq.model_dir()
    assert "pip install opencv-contrib-python-headless" in str(err.value)
