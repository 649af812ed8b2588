"""The standalone landmark hourglass trains as the engine's ``landmarks`` recipe: it resumes, validates by
NME, exports its best weights; its augmentations move the points with the pixels."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from facesr.errors import ConfigError
from facesr.training import load_config
from facesr_testing import stop_after

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "landmarks" / "hourglass_landmarks.yaml"


def _cfg(out: Path, root: Path, iterations: int, *extra: str):
    return load_config(CONFIG, [
        f"data.train.root={root}", "data.val.limit=2", "data.train.batch_size=2", f"train.iterations={iterations}",
        "data.val.every=2", "train.log_every=1", f"output={out}", "generator.options.channels=16",
        "generator.options.depth=2", "train.progress=false", "train.tensorboard=false", "train.device=cpu", *extra])


def test_config_builds_the_recipe_network():
    from facesr.models.prior.hourglass import StackedHourglass
    from facesr.training.recipes import recipe_class, split_recipe

    cfg = load_config(CONFIG)
    name, options = split_recipe(cfg.recipe)
    assert name == "landmarks" and options["sigma"] == 1.0
    assert recipe_class(name).__name__ == "LandmarkRecipe"
    net = StackedHourglass(**cfg.generator.options)
    assert net.landmarks == 68


def test_landmark_recipe_resumes_and_exports(tmp_path, prepared):
    from facesr.models.prior.landmark_net import load_landmark_net
    from facesr.models.prior.landmark_training import nme
    from facesr.training import Trainer, load_checkpoint

    out = tmp_path / "lm"
    first = Trainer(_cfg(out, prepared, 4))
    stop_after(first, 2)  # as a SIGTERM after iteration 2: checkpoint and stop
    result = first.fit()
    assert result.interrupted and result.iteration == 2
    assert result.best["metric"] == "nme" and result.best["value"] > 0
    with pytest.raises(ConfigError, match="already holds a run"):
        Trainer(_cfg(out, prepared, 4))
    second = Trainer(_cfg(out, prepared, 4), resume=True).fit()  # from checkpoints/last.pt
    assert second.iteration == 4 and set(second.last_val) == {"nme"}
    rows = (out / "train_log.csv").read_text().splitlines()
    assert rows[0].startswith("iteration,epoch,lr,") and "heatmaps" in rows[0].split(",")
    assert [r.split(",")[0] for r in rows[1:]] == ["1", "2", "3", "4"]
    assert [r.split(",")[0] for r in (out / "val_log.csv").read_text().splitlines()] == ["iteration", "2", "4"]
    state = load_checkpoint(out / "checkpoints" / "last.pt")
    assert state["model"]["name"] == "hourglass" and state["iteration"] == 4
    net = load_landmark_net(out / "landmarks.safetensors")
    assert net.stem[0].out_channels == 4 and not net.training
    truth = torch.rand(3, 68, 2).numpy() * 100
    assert nme(truth, truth).tolist() == [0.0, 0.0, 0.0]


def test_landmark_recipe_refuses_what_it_cannot_train(tmp_path, prepared):
    from facesr.training import Trainer

    with pytest.raises(ConfigError, match="recipe 'landmarks' has no option 'sigmaa'|did you mean 'sigma'"):
        Trainer(_cfg(tmp_path / "a", prepared, 1, "recipe.sigmaa=2"))
    with pytest.raises(ConfigError, match="needs 'landmarks' in the training data"):
        Trainer(_cfg(tmp_path / "b", prepared, 1, "data.train.priors=[]"))
    with pytest.raises(ConfigError, match="metrics: \\[nme\\]"):
        Trainer(_cfg(tmp_path / "c", prepared, 1, "data.val.metrics=[psnr]"))
    with pytest.raises(ConfigError, match="too few to hold out"):
        Trainer(_cfg(tmp_path / "d", prepared, 1, "data.val.limit=100"))


def test_random_similarity_moves_points_with_the_pixels():
    from facesr.models.prior.landmark_training import random_similarity

    n, size = 6, 64
    faces = torch.zeros(n, 3, size, size)
    spots = [(20, 30), (40, 12), (50, 50)]
    for x, y in spots:
        faces[:, :, y - 1 : y + 2, x - 1 : x + 2] = 1.0
    points = torch.tensor([spots], dtype=torch.float32).repeat(n, 1, 1)
    gen = torch.Generator().manual_seed(0)
    warped, moved = random_similarity(faces, points, 15, 0.1, 5, generator=gen)
    assert warped.shape == faces.shape and moved.shape == points.shape
    assert not torch.allclose(moved, points)
    for i in range(n):
        for x, y in moved[i].tolist():
            assert warped[i, 0, round(y), round(x)] > 0.5  # the bright spot travelled with its point
    same, kept = random_similarity(faces, points, 0, 0, 0)
    assert same is faces and kept is points


def test_random_degrade_blurs_the_chosen_faces_only():
    from facesr.models.prior.landmark_training import random_degrade

    faces = torch.rand(8, 3, 32, 32)
    assert random_degrade(faces, 0.0) is faces
    out = random_degrade(faces, 1.0, generator=torch.Generator().manual_seed(0))
    assert out.shape == faces.shape and 0 <= float(out.min()) and float(out.max()) <= 1
    # every face lost high frequencies: neighbouring pixels differ less than in the noise input
    def tv(x):
        return (x[..., 1:, :] - x[..., :-1, :]).abs().mean(dim=(1, 2, 3))

    assert (tv(out) < tv(faces) * 0.8).all()
    half = random_degrade(faces, 0.5, generator=torch.Generator().manual_seed(1))
    same = [(torch.equal(half[i], faces[i])) for i in range(8)]
    assert any(same) and not all(same)
