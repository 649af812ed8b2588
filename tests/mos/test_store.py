"""The ratings database: replay safety, concurrent writers (processes), rater assignment and order."""

from __future__ import annotations

import multiprocessing as mp

import pytest

from facesr.mos.store import Item, ReplayedRatingError, Store, StudyError, StudyFullError, StudyNotFoundError


def _study(db, *, raters: int = 2, blocks: int = 1, items: int = 6, study: str = "s") -> Store:
    store = Store(db)
    rows = [Item(f"i{k}", f"items/i{k}.png", "ab"[k % 2], f"img{k // 2}", False, (k // 2) % blocks)
            for k in range(items)]
    store.add_study(study, "test", db.parent, {"raters_per_image": raters, "blocks": blocks, "seed": 1,
                                               "methods": ["a", "b"], "reference": False, "images": []}, rows)
    return store


def _rate_everything(db: str, rater: str, repeats: int) -> int:
    """Rate all items ``repeats`` times (replays included); returns how many writes were accepted."""
    store = Store(db)
    store.join("s", rater)
    accepted = 0
    for _ in range(repeats):
        for it in store.order("s", rater):
            try:
                store.rate("s", rater, it.item, 3)
                accepted += 1
            except ReplayedRatingError:
                pass
    return accepted


def test_parallel_processes_store_each_rating_once(tmp_path):
    db = tmp_path / "r.sqlite"
    _study(db, raters=4, items=40)
    ctx = mp.get_context("spawn")
    with ctx.Pool(4) as pool:  # two processes per rater, each sending every rating twice
        accepted = pool.starmap(_rate_everything, [(str(db), r, 2) for r in ("ann", "ann", "bob", "bob")])
    store = Store(db)
    rows = store.ratings("s")
    assert len(rows) == 80 and sum(accepted) == 80
    assert len({(r["rater"], r["item"]) for r in rows}) == 80


def _join(db: str, rater: str) -> int:
    return Store(db).join("s", rater)


def test_concurrent_joins_balance_blocks(tmp_path):
    db = tmp_path / "r.sqlite"
    _study(db, raters=2, blocks=2)
    with mp.get_context("spawn").Pool(3) as pool:
        blocks = pool.starmap(_join, [(str(db), f"r{k}") for k in range(5)])
    assert sorted(blocks) == [0, 0, 0, 1, 1]


def test_full_means_enough_raters_finished(tmp_path):
    store = _study(tmp_path / "r.sqlite", raters=2, blocks=2)

    def finish(rater):
        for it in store.order("s", rater):
            store.rate("s", rater, it.item, 3)

    assert [store.join("s", r) for r in "abcd"] == [0, 1, 0, 1]
    finish("a"), finish("c")
    assert store.join("s", "e") == 1  # block 0 has two finished raters; a rater who leaves locks nothing
    finish("b"), finish("d")
    with pytest.raises(StudyFullError, match="already has 2 rater"):
        store.join("s", "f")
    assert store.progress("s", "e")[1:] == (0, 2)  # e may still finish (more ratings than the target)


def test_order_is_per_rater_and_stable(tmp_path):
    store = _study(tmp_path / "r.sqlite", raters=3, items=12)
    for r in ("x", "y", "z"):
        store.join("s", r)
    orders = {r: [i.item for i in store.order("s", r)] for r in ("x", "y", "z")}
    assert all(sorted(o) == sorted(orders["x"]) for o in orders.values())
    assert len({tuple(o) for o in orders.values()}) == 3  # shuffled differently for every rater
    assert [i.item for i in Store(store.path).order("s", "x")] == orders["x"]  # same after a restart
    store.rate("s", "x", orders["x"][0], 5)
    nxt, done, total = store.progress("s", "x")
    assert (nxt.item, done, total) == (orders["x"][1], 1, 12)
    assert store.join("s", "x") == 0  # joining again is a no-op


def test_errors_are_clear(tmp_path):
    store = _study(tmp_path / "r.sqlite")
    with pytest.raises(StudyNotFoundError, match="no study with id 'zz'"):
        store.study("zz")
    with pytest.raises(StudyError, match="already exists"):
        _study(tmp_path / "r.sqlite")
    with pytest.raises(StudyError, match="rater id"):
        store.join("s", "bad id!")
    with pytest.raises(StudyNotFoundError, match="no rater"):
        store.rate("s", "nobody", "i0", 3)
    store.join("s", "a")
    for bad in (0, 6, "x", "2.5", None):
        with pytest.raises(StudyError, match="rating must be"):
            store.rate("s", "a", "i0", bad)
    store.rate("s", "a", "i0", " 4 ")
    with pytest.raises(ReplayedRatingError):
        store.rate("s", "a", "i0", 1)
    assert [r["score"] for r in store.ratings("s")] == [4]
