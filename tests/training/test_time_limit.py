"""``train.time_limit``: the run stops on time and its schedules are re-planned to end there."""

from __future__ import annotations

import time

from training_helpers import build


def test_time_limit_replans_schedule_and_stops(tmp_path, monkeypatch):
    import facesr.training.engine as engine

    clock = {"t": 0.0}
    monkeypatch.setattr(engine.time, "perf_counter", lambda: clock["t"])
    trainer = build(tmp_path / "run", **{"train.iterations": 1000, "train.time_limit": 10.0, "train.plan_after": 4,
                                          "train.checkpoint_every": 0, "train.log_every": 100,
                                          "generator.scheduler": {"type": "cosine"}})
    step = trainer.step

    def timed_step(batch, it):  # every iteration "takes" 1 s
        clock["t"] += 1.0
        return step(batch, it)

    trainer.step = timed_step
    result = trainer.fit()
    # 1 s per iteration measured after 4 iterations, 6 s left -> 4 + int(0.95 * 6) = 9 iterations planned
    assert trainer.total == 9 and result.iteration == 9 and not result.interrupted
    assert trainer.schedulers["generator"].lr_lambdas[0].total == 9
    lr_end = trainer.optimizers["generator"].param_groups[0]["lr"]
    assert lr_end < 1e-6  # the cosine ended with the run
    assert (tmp_path / "run" / "checkpoints" / "iter_0000009.pt").is_file()


def test_time_limit_hard_stop(tmp_path, monkeypatch):
    import facesr.training.engine as engine

    clock = {"t": 0.0}
    monkeypatch.setattr(engine.time, "perf_counter", lambda: clock["t"])
    trainer = build(tmp_path / "run", **{"train.iterations": 1000, "train.time_limit": 3.0, "train.plan_after": 100,
                                          "train.checkpoint_every": 0, "train.log_every": 100})
    step = trainer.step

    def timed_step(batch, it):
        clock["t"] += 1.0
        return step(batch, it)

    trainer.step = timed_step
    result = trainer.fit()
    assert result.iteration == 3 and trainer.total == 3
    assert (tmp_path / "run" / "checkpoints" / "last.pt").is_file()


def test_no_time_limit_runs_all_iterations(tmp_path):
    t0 = time.perf_counter()
    result = build(tmp_path / "run", **{"train.iterations": 3}).fit()
    assert result.iteration == 3 and time.perf_counter() - t0 < 60


def test_resume_with_a_new_time_limit_replans_longer(tmp_path, monkeypatch):
    """A run cut short by one session's time limit uses the next session's time: the plan grows again
    (never beyond train.iterations), and the cosine schedule follows it."""
    import facesr.training.engine as engine

    clock = {"t": 0.0}
    monkeypatch.setattr(engine.time, "perf_counter", lambda: clock["t"])
    opts = {"train.iterations": 30, "train.time_limit": 10.0, "train.plan_after": 4, "train.checkpoint_every": 0,
            "train.log_every": 100, "generator.scheduler": {"type": "cosine"}}

    def timed(trainer):
        step = trainer.step

        def timed_step(batch, it):
            clock["t"] += 1.0
            return step(batch, it)

        trainer.step = timed_step
        return trainer

    first = timed(build(tmp_path / "run", **opts))
    assert first.fit().iteration == 9 and first.total == 9
    # the next session: 20 s -> 9 + 4 + int(0.95 * 16) = 28 iterations fit, the plan grows to 28
    second = timed(build(tmp_path / "run", resume=True, **{**opts, "train.time_limit": 20.0}))
    assert second.total == 9  # restored from the checkpoint until the new speed is measured
    result = second.fit()
    assert result.iteration == 28 and second.total == 28
    assert second.schedulers["generator"].lr_lambdas[0].total == 28
    # a third session with plenty of time stops at train.iterations
    third = timed(build(tmp_path / "run", resume=True, **{**opts, "train.time_limit": 1000.0}))
    assert third.fit().iteration == 30 and third.total == 30


def test_resume_with_more_iterations_runs_them(tmp_path):
    """A run that ended at its full planned length continues to a longer train.iterations on --resume (the
    checkpoint's length is kept only when a time limit had re-planned it)."""
    first = build(tmp_path / "run", **{"train.iterations": 2, "train.checkpoint_every": 1})
    assert first.fit().iteration == 2
    second = build(tmp_path / "run", resume=True, **{"train.iterations": 4, "train.checkpoint_every": 1})
    assert second.total == 4 and second.fit().iteration == 4
