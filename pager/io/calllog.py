"""The call log: every published event kept in SQLite for `history.keep_days`.

The control thread hands each event over (`record` only enqueues); a writer thread of its
own inserts them in batches and forgets what is older than the retention, so a slow disk
never delays a call. `pager history` and `pager stats` read the same file
(`pager.tools.history`), from another process, while the daemon writes.
"""

from __future__ import annotations

import collections
import json
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from pager.errors import PagerError
from pager.io.sqlite import transaction
from pager.values.storage import StorageReport, Store, StoreWatch

log = logging.getLogger(__name__)

FILE_NAME = "history.db"
PRUNE_EVERY_S = 3600.0
RETRY_S = 10.0  # while the disk fails, a write is tried this often
BACKLOG = 10_000  # entries kept in memory while the disk fails (a few MB); older ones are lost
_COLUMNS = ("ts", "node", "event", "id", "counter", "ticket", "priority", "play", "zones",
            "text", "reason", "audio_s", "late_s", "combined", "kind", "final", "name")  # fmt: skip
# Columns added since the first call logs: added to an older file when the daemon opens it,
# and read as NULL from one it has not opened yet.
_ADDED = {"kind": "TEXT", "final": "INTEGER", "name": "TEXT"}
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS events (ts REAL NOT NULL, node TEXT, event TEXT NOT NULL,"
    " id TEXT, counter TEXT, ticket TEXT, priority TEXT, play INTEGER, zones TEXT, text TEXT,"
    " reason TEXT, audio_s REAL, late_s REAL, combined INTEGER, kind TEXT, final INTEGER,"
    " name TEXT)",
    "CREATE INDEX IF NOT EXISTS events_ts ON events (ts)",
    "CREATE INDEX IF NOT EXISTS events_ticket ON events (ticket)",
    "CREATE INDEX IF NOT EXISTS events_call ON events (counter, id)",
)


@dataclass(frozen=True)
class Event:
    """One logged event: what `{prefix}/event/{node}` carried."""

    ts: float
    node: str
    event: str
    id: str | None
    counter: str | None
    ticket: str | None
    priority: str | None
    play: int | None
    zones: tuple[str, ...]
    text: str | None
    reason: str | None
    audio_s: float | None
    late_s: float | None
    combined: int | None
    kind: str | None = None  # calls: "call" or "pickup"
    final: int | None = None  # calls: 1 for a final call
    name: str | None = None  # as privacy.names_shown allowed events to show it


def _columns(db: sqlite3.Connection) -> set[str]:
    return {str(row[1]) for row in db.execute("PRAGMA table_info(events)")}


def _row(body: Mapping[str, object]) -> tuple[object, ...]:
    zones = body.get("zones")
    values = {**body, "zones": json.dumps(list(zones)) if isinstance(zones, list) else None}
    row = tuple(values.get(name) for name in _COLUMNS)
    # Only plain values reach SQLite: a field of an unexpected type is kept as its text.
    return tuple(
        v if v is None or isinstance(v, str | int | float) else json.dumps(v, default=str)
        for v in row
    )


class CallLog:
    """The writing side; `start()` starts its writer thread, which opens the file.

    When the disk cannot be written the writer says so once (`report`), keeps what it could
    not write (at most BACKLOG entries; what falls out is counted as lost), tries again every
    RETRY_S, and says when it works again and how many entries were lost meanwhile.
    """

    def __init__(self, path: Path, keep_days: float,
                 report: Callable[[StorageReport], None] = lambda r: None) -> None:  # fmt: skip
        self.path = path
        self.keep_days = keep_days
        self.watch = StoreWatch(Store.CALL_LOG, str(path), report)
        self._queue: queue.SimpleQueue[Mapping[str, object] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._db: sqlite3.Connection | None = None
        self._backlog: collections.deque[tuple[object, ...]] = collections.deque()
        self.lost = 0  # entries dropped while the disk failed, not yet reported
        self.written = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._write_loop, name="call-log", daemon=True)
        self._thread.start()

    def record(self, body: Mapping[str, object]) -> None:
        """Keep one event (from any thread; never blocks)."""
        self._queue.put(body)

    def close(self) -> None:
        """Write what is queued, then close the file."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
            try:
                # A new file gives back the pages of the days it forgets (an older one reuses
                # them: it stops growing once its first `keep_days` are over).
                db.execute("PRAGMA auto_vacuum=INCREMENTAL")
                db.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
                db.execute("PRAGMA synchronous=NORMAL")  # a log, not the journal of taken calls
                for statement in _SCHEMA:
                    db.execute(statement)
                present = _columns(db)
                for name, kind in _ADDED.items():
                    if name not in present:
                        db.execute(f"ALTER TABLE events ADD COLUMN {name} {kind}")
            except BaseException:
                db.close()
                raise
            self._db = db
        return self._db

    def _write_loop(self) -> None:
        pruned_at, pruned_wall = 0.0, time.time()
        running = True
        while running:
            wait = RETRY_S if self.watch.failing else PRUNE_EVERY_S
            try:
                batch = [self._queue.get(timeout=wait)]
            except queue.Empty:
                batch = []
            while not self._queue.empty():
                batch.append(self._queue.get())
            if None in batch:
                running = False
            self._keep([b for b in batch if b is not None])
            self._write()
            if not self.watch.failing and (
                time.monotonic() - pruned_at >= PRUNE_EVERY_S
                or time.time() - pruned_wall >= PRUNE_EVERY_S  # the clock was stepped forward
                or not running
            ):
                pruned_at, pruned_wall = time.monotonic(), time.time()
                self._prune()
        if self._db is not None:
            self._db.close()
        if self._backlog or self.lost:
            log.error("%d call log entries could not be written to %s",
                      len(self._backlog) + self.lost, self.path)  # fmt: skip

    def _keep(self, batch: list[Mapping[str, object]]) -> None:
        for body in batch:
            try:
                self._backlog.append(_row(body))
            except (ValueError, TypeError) as error:  # never blocks the others
                log.error("cannot keep an event in the call log: %s", error)
        while len(self._backlog) > BACKLOG:
            self._backlog.popleft()
            self.lost += 1

    def _write(self) -> None:
        """Write the backlog in one transaction; on a failing disk it stays for the next
        try."""
        if not self._backlog:
            return
        marks = ", ".join("?" * len(_COLUMNS))
        try:
            db = self._open()
            with transaction(db):
                db.executemany(
                    f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES ({marks})", self._backlog
                )
        except (sqlite3.Error, OSError) as error:
            if self._db is not None:
                self._db.close()
                self._db = None  # opened afresh at the next try (a disk remounted)
            self.watch.failed(str(error))
            return
        self.written += len(self._backlog)
        self._backlog.clear()
        if self.watch.failing:
            self.watch.worked(lost=self.lost)
            self.lost = 0

    def _prune(self) -> None:
        cutoff = time.time() - self.keep_days * 86400
        try:
            db = self._open()
            if db.execute("DELETE FROM events WHERE ts < ?", (cutoff,)).rowcount:
                db.executescript("PRAGMA incremental_vacuum;")  # stepped to its end: all back
        except (sqlite3.Error, OSError) as error:
            log.error("cannot forget old calls in %s: %s", self.path, error)


def read(
    path: Path, since: float | None = None, until: float | None = None, *,
    counter: str | None = None, ticket: Callable[[str], bool] | None = None,
) -> Iterator[Event]:  # fmt: skip
    """The logged events between `since` and `until` (Unix seconds), oldest first; only
    those of `counter`, and of the tickets `ticket` accepts, when given (SQLite selects
    them, so a look through months of calls stays quick)."""
    if not path.exists():
        raise PagerError(
            f"no call log at {path}: give the daemon's state directory (--state-dir; under "
            "systemd /var/lib/pager/state), or the daemon has not run with this config yet"
        )
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise PagerError(f"cannot open the call log {path}: {error}") from error
    where = ["ts >= ?", "ts < ?"]
    bound: list[object] = [since or 0.0, until if until is not None else 1e12]
    if counter is not None:
        where.append("counter = ?")
        bound.append(counter)
    if ticket is not None:
        db.create_function("wanted", 1, lambda t: t is not None and ticket(t), deterministic=True)
        where.append("wanted(ticket)")
    try:
        present = _columns(db)
        selected = [name if name in present else f"NULL AS {name}" for name in _COLUMNS]
        rows = db.execute(
            f"SELECT {', '.join(selected)} FROM events WHERE {' AND '.join(where)} "
            "ORDER BY rowid",  # as they happened, even across a step of the wall clock
            bound,
        ).fetchall()
    except sqlite3.Error as error:
        raise PagerError(f"cannot read the call log {path}: {error}") from error
    finally:
        db.close()
    for row in rows:
        values = dict(zip(_COLUMNS, row, strict=True))
        zones = values.pop("zones")
        yield Event(zones=tuple(json.loads(zones)) if zones else (), **values)
