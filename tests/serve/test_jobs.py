"""The enhance queue runs one job at a time, reports queue positions and keeps the worker alive on errors."""

from __future__ import annotations

import threading
import time

import numpy as np

from facesr.errors import InputError
from facesr.serve.jobs import JobQueue


class SlowQueue(JobQueue):
    """Jobs wait for ``release``; ``running`` counts jobs inside ``_process`` at the same time."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.release = threading.Event()
        self.running = 0
        self.most = 0

    def _process(self, job):
        self.running += 1
        self.most = max(self.most, self.running)
        self.release.wait(10)
        time.sleep(0.01)
        self.running -= 1
        if job.name == "bad.png":
            raise InputError("bad.png: cannot enhance")
        job.output_size = (1, 1)


def _wait(q, job, state="done"):
    for _ in range(500):
        if job.state in ("done", "error"):
            return job
        time.sleep(0.01)
    raise AssertionError(f"{job.name} stuck in {job.state}")


def test_one_at_a_time_with_positions(tmp_path):
    q = SlowQueue(tmp_path, lambda name: None, keep=3)
    img = np.zeros((4, 4, 3), np.uint8)
    jobs = [q.submit(img, name=n, model="bicubic", scale=2) for n in ("a.png", "bad.png", "c.png")]
    for _ in range(100):
        if jobs[0].state == "running":
            break
        time.sleep(0.01)
    assert [q.position(j) for j in jobs] == [0, 1, 2]
    q.release.set()
    for j in jobs:
        _wait(q, j)
    assert q.most == 1
    assert [j.state for j in jobs] == ["done", "error", "done"]
    assert jobs[1].error == "bad.png: cannot enhance" and jobs[1].as_dict(0)["error"] == jobs[1].error
    assert jobs[2].as_dict(0)["result"] == f"/api/jobs/{jobs[2].id}/result.png"
    more = [q.submit(img, name=f"{k}.png", model="bicubic", scale=2) for k in range(3)]
    for j in more:
        _wait(q, j)
    assert q.get(jobs[0].id) is None and len(q.jobs) == 3  # only the newest results are kept
