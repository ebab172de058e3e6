"""Calls taken but not yet done, kept in SQLite, so that a restart or a crash loses none.

A message is acknowledged to the broker only after it is written here (or answered with
an event), and it is removed when its announcement has ended. At start the daemon plays
what is left (unless it has expired by then). The ids seen recently are kept too, so a
redelivery after a restart still plays once, each with when it ended (`seen.ended`: a call's
life, from taking to its end, can be checked in this file alone).

A call that carries a person's name is personal data: when it is removed, its row is
overwritten (`secure_delete`) and the write-ahead log that held it is checkpointed and
emptied, so that no copy of the name is left on the disk.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from pager.errors import PagerError
from pager.io.sqlite import transaction
from pager.values.jobs import REMEMBERED_IDS
from pager.values.messages import Inbound, MessageKind
from pager.values.storage import StorageReport, Store, StoreWatch

log = logging.getLogger(__name__)

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS pending (id TEXT PRIMARY KEY, topic TEXT, kind TEXT,"
    " counter TEXT, payload BLOB, received REAL, personal INTEGER DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, at REAL, ended REAL)",
    "CREATE TABLE IF NOT EXISTS probe (at REAL)",
)
# What a disk that cannot be written raises (full, read-only, an I/O error, a file that is
# no database); anything else is about the call itself.
_STORAGE_ERRORS = (sqlite3.OperationalError, sqlite3.DatabaseError, OSError)
_CALL_ERRORS = (sqlite3.InterfaceError, sqlite3.ProgrammingError, sqlite3.DataError,
                UnicodeError, ValueError)  # fmt: skip


FORGET_EVERY = 1000  # calls between forgetting the ids older than the newest REMEMBERED_IDS


class JournalUnavailable(PagerError):
    """The journal's disk cannot be written: the call goes on without it (at most once)."""


class Journal:
    """One SQLite file; used by the control thread only.

    When its disk cannot be written it says so once (`report`) and keeps working without
    the file: `add` raises JournalUnavailable (the caller takes the call at most once), the
    ends it could not note are noted when it works again, and the file is opened afresh at
    each try (`probe` is one), so a disk remounted or freed is taken back by itself.
    """

    def __init__(self, path: Path, report: Callable[[StorageReport], None] = lambda r: None
                 ) -> None:  # fmt: skip
        self.path = path
        self.watch = StoreWatch(Store.JOURNAL, str(path), report)
        self._db: sqlite3.Connection | None = None
        self._owed: set[str] = set()  # ended while the disk failed: removed when it works
        self._added = 0  # calls kept since old ids were last forgotten
        self._open()

    def _open(self) -> sqlite3.Connection | None:
        if self._db is not None:
            return self._db
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            self._failed(error)
            return None
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # on disk before the broker hears "ok"
            db.execute("PRAGMA secure_delete=ON")  # what is deleted is overwritten
            for statement in _SCHEMA:
                db.execute(statement)
            columns = {row[1] for row in db.execute("PRAGMA table_info(pending)")}
            if "personal" not in columns:  # a journal from before names
                db.execute("ALTER TABLE pending ADD COLUMN personal INTEGER DEFAULT 0")
            if "ended" not in {row[1] for row in db.execute("PRAGMA table_info(seen)")}:
                db.execute("ALTER TABLE seen ADD COLUMN ended REAL")  # from before power cuts
        except _STORAGE_ERRORS as error:
            db.close()
            self._failed(error)
            return None
        self._db = db
        return db

    def _failed(self, error: BaseException) -> None:
        """The disk failed: forget the connection (the next try opens the file afresh)."""
        if self._db is not None:
            self._db.close()
            self._db = None
        self.watch.failed(str(error))

    def _written(self) -> None:
        """A write went through: what ended meanwhile is noted now."""
        db = self._db
        assert db is not None
        try:
            for call_id in sorted(self._owed):
                with transaction(db):
                    db.execute("DELETE FROM pending WHERE id = ?", (call_id,))
                    db.execute("UPDATE seen SET ended = ? WHERE id = ?", (time.time(), call_id))
                self._owed.discard(call_id)
        except _STORAGE_ERRORS as error:  # still owed: the next write tries again
            self._failed(error)
            return
        self.watch.worked()

    def add(self, call_id: str, message: Inbound, *, personal: bool = False) -> None:
        """Keep a message taken as `call_id` (`personal`: it carries a name). Raises
        JournalUnavailable when the disk cannot be written, PagerError when the message
        itself cannot be stored."""
        db = self._open()
        if db is None:
            raise JournalUnavailable(f"the journal {self.path} cannot be written")
        try:
            with transaction(db):  # both or neither: a crash between would play it twice
                db.execute(
                    "INSERT OR REPLACE INTO pending VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (call_id, message.topic, message.kind.value, message.counter,
                     message.payload, message.received, int(personal)),
                )  # fmt: skip
                db.execute("INSERT OR REPLACE INTO seen VALUES (?, ?, NULL)",
                           (call_id, time.time()))  # fmt: skip
        except _CALL_ERRORS as error:
            raise PagerError(f"cannot write {call_id!r} to {self.path}: {error}") from error
        except _STORAGE_ERRORS as error:
            self._failed(error)
            raise JournalUnavailable(f"cannot write {call_id!r} to {self.path}: {error}") from error
        self._added += 1
        if self._added >= FORGET_EVERY:  # a daemon that runs for months forgets as it goes
            self._forget_old_ids(db)
        self._written()

    def remove(self, call_id: str) -> None:
        """Forget a message (its call has ended); a personal one leaves no copy behind."""
        db = self._open()
        if db is None:
            self._owed.add(call_id)
            return
        try:
            with transaction(db):
                row = db.execute("SELECT personal FROM pending WHERE id = ?",
                                 (call_id,)).fetchone()  # fmt: skip
                db.execute("DELETE FROM pending WHERE id = ?", (call_id,))
                db.execute("UPDATE seen SET ended = ? WHERE id = ?", (time.time(), call_id))
            if row is not None and row[0]:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except _STORAGE_ERRORS as error:
            self._owed.add(call_id)
            self._failed(error)

    def probe(self) -> bool:
        """Try a write (while the disk fails, now and then); True when it went through."""
        db = self._open()
        if db is None:
            return False
        try:
            with transaction(db):
                db.execute("DELETE FROM probe")
                db.execute("INSERT INTO probe VALUES (?)", (time.time(),))
        except _STORAGE_ERRORS as error:
            self._failed(error)
            return False
        self._written()
        return True

    def pending(self) -> list[Inbound]:
        """The messages taken but not finished, oldest first, each marked with its id."""
        db = self._open()
        if db is None:
            return []
        try:
            rows = db.execute(
                "SELECT id, topic, kind, counter, payload, received FROM pending ORDER BY rowid"
            ).fetchall()
        except _STORAGE_ERRORS as error:
            self._failed(error)
            return []
        return [
            Inbound(topic, MessageKind(kind), counter, bytes(payload), received, journaled=ident)
            for ident, topic, kind, counter, payload, received in rows
            if ident not in self._owed
        ]

    def seen_ids(self) -> list[str]:
        """The most recent ids taken, oldest first; older ones are forgotten."""
        db = self._open()
        if db is None:
            return []
        self._forget_old_ids(db)
        try:
            return [row[0] for row in db.execute("SELECT id FROM seen ORDER BY at")]
        except _STORAGE_ERRORS as error:
            self._failed(error)
            return []

    def _forget_old_ids(self, db: sqlite3.Connection) -> None:
        """Keep only the newest REMEMBERED_IDS ids (the file then stops growing)."""
        self._added = 0
        try:
            db.execute(
                "DELETE FROM seen WHERE id NOT IN (SELECT id FROM seen ORDER BY at DESC LIMIT ?)",
                (REMEMBERED_IDS,),
            )
        except _STORAGE_ERRORS as error:
            log.warning("cannot forget old ids in %s: %s", self.path, error)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
