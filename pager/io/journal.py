"""Calls taken but not yet done, kept in SQLite, so that a restart or a crash loses none.

A message is acknowledged to the broker only after it is written here (or answered with
an event), and it is removed when its announcement has ended. At start the daemon plays
what is left (unless it has expired by then). The ids seen recently are kept too, so a
redelivery after a restart still plays once.

A call that carries a person's name is personal data: when it is removed, its row is
overwritten (`secure_delete`) and the write-ahead log that held it is checkpointed and
emptied, so that no copy of the name is left on the disk.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from pager.errors import PagerError
from pager.values.jobs import REMEMBERED_IDS
from pager.values.messages import Inbound, MessageKind


class Journal:
    """One SQLite file; used by the control thread only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # on disk before the broker hears "ok"
            self._db.execute("PRAGMA secure_delete=ON")  # what is deleted is overwritten
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS pending (id TEXT PRIMARY KEY, topic TEXT, kind TEXT,"
                " counter TEXT, payload BLOB, received REAL, personal INTEGER DEFAULT 0)"
            )
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(pending)")}
            if "personal" not in columns:  # a journal from before names
                self._db.execute("ALTER TABLE pending ADD COLUMN personal INTEGER DEFAULT 0")
            self._db.execute("CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, at REAL)")
        except (OSError, sqlite3.Error) as error:
            raise PagerError(f"cannot open the call journal {path}: {error}") from error

    def add(self, call_id: str, message: Inbound, *, personal: bool = False) -> None:
        """Keep a message taken as `call_id` (`personal`: it carries a name); raises
        PagerError if it cannot be written."""
        try:
            with self._db:
                self._db.execute(
                    "INSERT OR REPLACE INTO pending VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (call_id, message.topic, message.kind.value, message.counter,
                     message.payload, message.received, int(personal)),
                )  # fmt: skip
                self._db.execute(
                    "INSERT OR REPLACE INTO seen VALUES (?, ?)", (call_id, time.time())
                )
        except (sqlite3.Error, UnicodeError, ValueError) as error:
            raise PagerError(f"cannot write {call_id!r} to {self.path}: {error}") from error

    def remove(self, call_id: str) -> None:
        """Forget a message (its call has ended); a personal one leaves no copy behind."""
        row = self._db.execute("SELECT personal FROM pending WHERE id = ?", (call_id,)).fetchone()
        self._db.execute("DELETE FROM pending WHERE id = ?", (call_id,))
        if row is not None and row[0]:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def pending(self) -> list[Inbound]:
        """The messages taken but not finished, oldest first, each marked with its id."""
        rows = self._db.execute(
            "SELECT id, topic, kind, counter, payload, received FROM pending ORDER BY rowid"
        )
        return [
            Inbound(topic, MessageKind(kind), counter, bytes(payload), received, journaled=ident)
            for ident, topic, kind, counter, payload, received in rows
        ]

    def seen_ids(self) -> list[str]:
        """The most recent ids taken, oldest first; older ones are forgotten."""
        self._db.execute(
            "DELETE FROM seen WHERE id NOT IN (SELECT id FROM seen ORDER BY at DESC LIMIT ?)",
            (REMEMBERED_IDS,),
        )
        return [row[0] for row in self._db.execute("SELECT id FROM seen ORDER BY at")]

    def close(self) -> None:
        self._db.close()
