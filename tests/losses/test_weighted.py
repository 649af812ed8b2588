"""The weighted sum declared as data, and its errors."""

from __future__ import annotations

import pytest
import torch

from facesr.errors import ConfigError, UnknownNameError
from facesr.losses import Context, WeightedLoss, build_loss


def test_weighted_sum_and_context():
    sr, hr = torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 2, 2)
    loss = WeightedLoss({"pix": {"type": "l1", "weight": 2.0}, "l2": {"type": "mse", "weight": 0.5},
                         "adv": {"type": "gan", "weight": 0.1, "mode": "wgan"}})
    calls = []

    def d_fake():
        calls.append(1)
        return torch.tensor([3.0])

    ctx = Context({"sr": sr, "hr": hr}, {"d_fake": d_fake})
    total, parts = loss(ctx)
    assert total.item() == pytest.approx(2.0 * 1 + 0.5 * 1 + 0.1 * -3.0)
    assert set(parts) == {"pix", "l2", "adv"} and len(calls) == 1


def test_errors_with_suggestions():
    with pytest.raises(ConfigError, match="did you mean 'delta'"):
        build_loss("huber", delt=0.1)
    with pytest.raises(UnknownNameError, match="did you mean"):
        WeightedLoss({"p": {"type": "charbonier"}})
    with pytest.raises(ConfigError, match="did you mean 'hr'"):
        ctx = Context({"sr": torch.zeros(1), "hr": torch.zeros(1)})
        WeightedLoss({"p": {"type": "l1", "inputs": ["sr", "hrr"]}})(ctx)
    with pytest.raises(ConfigError, match="no 'type'"):
        WeightedLoss({"p": {"weight": 1}})
