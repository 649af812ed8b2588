"""SQLite storage of MOS studies, raters and ratings.

One database file holds any number of studies. Every write is one transaction; the database runs
in WAL mode with a busy timeout, so two raters submitting at once (threads or processes) both get
stored, and a killed server loses nothing that was acknowledged. ``UNIQUE(study, rater, item)``
makes a replayed submission (browser back + resend, double click, retried request) a no-op: the
first rating is kept and the caller is told.

Each connection is opened per operation (sqlite3 connections must not be shared between threads).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

SCHEMA = """
CREATE TABLE IF NOT EXISTS studies (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    folder TEXT NOT NULL,
    config TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    study TEXT NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    item TEXT NOT NULL,
    file TEXT NOT NULL,
    method TEXT NOT NULL,
    image TEXT NOT NULL,
    reference INTEGER NOT NULL DEFAULT 0,
    block INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (study, item)
);
CREATE TABLE IF NOT EXISTS raters (
    study TEXT NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    rater TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    block INTEGER NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    PRIMARY KEY (study, rater)
);
CREATE TABLE IF NOT EXISTS ratings (
    study TEXT NOT NULL,
    rater TEXT NOT NULL,
    item TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    shown_at REAL,
    rated_at REAL NOT NULL,
    UNIQUE (study, rater, item),
    FOREIGN KEY (study, rater) REFERENCES raters(study, rater),
    FOREIGN KEY (study, item) REFERENCES items(study, item)
);
"""

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
#: Absolute Category Rating labels (ITU-T P.800 / P.910 five-point quality scale).
ACR_LABELS = {1: "Bad", 2: "Poor", 3: "Fair", 4: "Good", 5: "Excellent"}


class StudyError(InputError):
    """A study request that cannot be served; ``status`` is the HTTP status the web page answers with."""

    status = 400


class StudyNotFoundError(StudyError):
    status = 404


class StudyFullError(StudyError):
    status = 409


class ReplayedRatingError(StudyError):
    status = 409


@dataclass(frozen=True)
class Item:
    """One stimulus: an image (``file`` relative to the study folder) made by ``method``."""

    item: str
    file: str
    method: str
    image: str
    reference: bool
    block: int


def check_id(value: str, what: str) -> str:
    if not isinstance(value, str) or not ID_RE.match(value):
        raise StudyError(f"{what} {value!r} is not valid (letters, digits, '-' and '_', at most 64)")
    return value


class Store:
    """The ratings database at ``path`` (created with its schema on first use)."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        if self.path.is_dir():
            raise InputError(f"{self.path}: is a folder, not a ratings database (--db takes a file)")
        if self.path.parent.exists() and not self.path.parent.is_dir():
            raise InputError(f"{self.path}: cannot open the ratings database ({self.path.parent} is a file)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = self._connect()
            try:
                con.execute("PRAGMA journal_mode=WAL")
                con.executescript(SCHEMA)
                columns = {r["name"] for r in con.execute("PRAGMA table_info(studies)")}
            finally:
                con.close()
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path}: not a usable ratings database ({exc})") from None
        except OSError as exc:
            raise InputError(f"{self.path}: cannot open the ratings database ({exc.strerror or exc})") from None
        if not {"id", "title", "folder", "config", "created_at"} <= columns:
            raise InputError(f"{self.path}: an SQLite database of something else (its 'studies' table differs)")

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("PRAGMA synchronous=FULL")  # an acknowledged rating survives a crash or power loss
        con.execute("PRAGMA busy_timeout=30000")
        return con

    @contextmanager
    def transaction(self, immediate: bool = True) -> Iterator[sqlite3.Connection]:
        """A connection inside ``BEGIN IMMEDIATE`` (writers queue on the lock), committed on success."""
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()

    @contextmanager
    def reader(self) -> Iterator[sqlite3.Connection]:
        con = self._connect()
        try:
            yield con
        finally:
            con.close()

    # -- studies ---------------------------------------------------------------------------------
    def add_study(self, study: str, title: str, folder: str | os.PathLike[str], config: dict[str, Any],
                  items: list[Item]) -> None:
        check_id(study, "study id")
        with self.transaction() as con:
            if con.execute("SELECT 1 FROM studies WHERE id=?", (study,)).fetchone():
                raise StudyError(f"study {study!r} already exists in {self.path}")
            con.execute("INSERT INTO studies VALUES (?,?,?,?,?)",
                        (study, title, str(Path(folder).resolve()), json.dumps(config), time.time()))
            con.executemany("INSERT INTO items VALUES (?,?,?,?,?,?,?)",
                            [(study, i.item, i.file, i.method, i.image, int(i.reference), i.block) for i in items])

    def study(self, study: str) -> dict[str, Any]:
        """``{id, title, folder, config, created_at}``; :class:`StudyNotFoundError` when absent."""
        with self.reader() as con:
            row = con.execute("SELECT * FROM studies WHERE id=?", (str(study),)).fetchone()
        if row is None:
            raise StudyNotFoundError(f"no study with id {str(study)[:80]!r} in {self.path}")
        return {**dict(row), "config": json.loads(row["config"])}

    def studies(self) -> list[dict[str, Any]]:
        with self.reader() as con:
            rows = con.execute("SELECT id, title, created_at FROM studies ORDER BY created_at").fetchall()
        return [dict(r) for r in rows]

    def items(self, study: str) -> list[Item]:
        with self.reader() as con:
            rows = con.execute("SELECT item, file, method, image, reference, block FROM items WHERE study=? "
                               "ORDER BY item", (study,)).fetchall()
        return [Item(r["item"], r["file"], r["method"], r["image"], bool(r["reference"]), r["block"]) for r in rows]

    # -- raters ----------------------------------------------------------------------------------
    def join(self, study: str, rater: str, *, label: str = "", user_agent: str = "") -> int:
        """Register ``rater`` (idempotent) and return their block of images.

        A new rater gets, among the blocks that still lack ``raters_per_image`` raters who finished
        them, the one with the fewest raters so far (so a rater who starts and leaves does not lock a
        block; a block may end up with more than the target). :class:`StudyFullError` when every
        block has enough finished raters.
        """
        check_id(rater, "rater id")
        cfg = self.study(study)["config"]
        need = int(cfg.get("raters_per_image", 1))
        with self.transaction() as con:
            row = con.execute("SELECT block FROM raters WHERE study=? AND rater=?", (study, rater)).fetchone()
            if row is not None:
                return int(row["block"])
            blocks = range(int(cfg.get("blocks", 1)))
            joined = dict.fromkeys(blocks, 0)
            finished = dict.fromkeys(blocks, 0)
            size = {r["block"]: r["n"] for r in con.execute(
                "SELECT block, COUNT(*) AS n FROM items WHERE study=? GROUP BY block", (study,))}
            for r in con.execute(
                    "SELECT a.block, COUNT(g.item) AS n FROM raters a LEFT JOIN ratings g ON g.study=a.study "
                    "AND g.rater=a.rater WHERE a.study=? GROUP BY a.rater", (study,)):
                joined[r["block"]] += 1
                finished[r["block"]] += int(r["n"] >= size.get(r["block"], 0))
            open_blocks = [b for b in blocks if finished[b] < need]
            if not open_blocks:
                raise StudyFullError(f"study {study!r} already has {need} rater(s) for every image; thank you")
            block = min(open_blocks, key=lambda b: (joined[b], b))
            con.execute("INSERT INTO raters VALUES (?,?,?,?,?,?)",
                        (study, rater, label[:200], block, user_agent[:300], time.time()))
            return block

    def rater_block(self, study: str, rater: str) -> int:
        with self.reader() as con:
            row = con.execute("SELECT block FROM raters WHERE study=? AND rater=?", (study, rater)).fetchone()
        if row is None:
            raise StudyNotFoundError(f"no rater {rater[:80]!r} in study {study!r}; start from the study's link")
        return int(row["block"])

    def order(self, study: str, rater: str) -> list[Item]:
        """The rater's items in their own random order (fixed per study seed and rater id)."""
        cfg = self.study(study)["config"]
        block = self.rater_block(study, rater)
        items = [i for i in self.items(study) if i.block == block]
        seed = hashlib.sha256(f"{cfg.get('seed', 0)}/{study}/{rater}".encode()).digest()
        random.Random(seed).shuffle(items)
        return items

    def progress(self, study: str, rater: str) -> tuple[Item | None, int, int]:
        """``(next unrated item or None, rated count, total)`` for ``rater``: resuming is just this."""
        order = self.order(study, rater)
        with self.reader() as con:
            done = {r["item"] for r in con.execute("SELECT item FROM ratings WHERE study=? AND rater=?",
                                                   (study, rater))}
        nxt = next((i for i in order if i.item not in done), None)
        return nxt, sum(i.item in done for i in order), len(order)

    # -- ratings ---------------------------------------------------------------------------------
    def rate(self, study: str, rater: str, item: str, score: Any, *, shown_at: float | None = None) -> None:
        """Store one ACR score (integer 1..5). A second score for the same item raises
        :class:`ReplayedRatingError` and leaves the first one in place."""
        try:
            value = int(str(score).strip())
        except ValueError:
            raise StudyError(f"rating must be a whole number from 1 to 5, got {str(score)[:20]!r}") from None
        if not 1 <= value <= 5:
            raise StudyError(f"rating must be from 1 (bad) to 5 (excellent), got {value}")
        block = self.rater_block(study, rater)
        with self.transaction() as con:
            row = con.execute("SELECT block FROM items WHERE study=? AND item=?", (study, item)).fetchone()
            if row is None or row["block"] != block:
                raise StudyError(f"item {str(item)[:40]!r} is not part of this rater's study set")
            cur = con.execute("INSERT INTO ratings VALUES (?,?,?,?,?,?) ON CONFLICT (study, rater, item) DO NOTHING",
                              (study, rater, item, value, shown_at, time.time()))
            if cur.rowcount == 0:
                raise ReplayedRatingError("this image was already rated; the first rating is kept (stored once)")

    def ratings(self, study: str) -> list[dict[str, Any]]:
        """Every rating of ``study`` joined with its item: rater, item, method, image, reference, score, times."""
        with self.reader() as con:
            rows = con.execute(
                "SELECT r.rater, r.item, i.method, i.image, i.reference, r.score, r.shown_at, r.rated_at "
                "FROM ratings r JOIN items i ON i.study=r.study AND i.item=r.item WHERE r.study=? "
                "ORDER BY r.rated_at", (study,)).fetchall()
        return [dict(r) for r in rows]

    def raters(self, study: str) -> list[dict[str, Any]]:
        with self.reader() as con:
            rows = con.execute("SELECT rater, label, block, created_at FROM raters WHERE study=? ORDER BY created_at",
                               (study,)).fetchall()
        return [dict(r) for r in rows]


def default_db() -> Path:
    """``$FACESR_MOS_DB``, else ``mos.sqlite`` in facesr's data folder beside its cache
    (``$XDG_DATA_HOME/facesr`` or ``~/.local/share/facesr``): ratings are not a cache."""
    env = os.environ.get("FACESR_MOS_DB")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "facesr" / "mos.sqlite"
