"""The caller page's ticket numbers: each service's last number called today, in
`tickets.db` in `state_dir`. Shared by every counter of the service (two counters never call
the same number) and kept across restarts; a day's numbers start again at 1."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
import zoneinfo
from pathlib import Path

FILE_NAME = "tickets.db"
DAYS_KEPT = 7  # older days are deleted: only today's numbers are ever read
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS numbers (service TEXT NOT NULL, day TEXT NOT NULL, "
    "last INTEGER NOT NULL, PRIMARY KEY (service, day))"
)


def ticket(prefix: str, number: int) -> str:
    """A ticket as the hall's dispensers print it: A001, A024, A1000."""
    return f"{prefix}{number:03d}"


class TicketNumbers:
    """The numbers of each service by day (the config's time zone). Used from one thread
    (the web server's loop); a number is taken only once its call is accepted, so a refused
    call leaves no gap."""

    def __init__(self, state_dir: str | Path, timezone: str) -> None:
        self.path = Path(state_dir) / FILE_NAME
        self.zone = zoneinfo.ZoneInfo(timezone)
        self._db: sqlite3.Connection | None = None

    def today(self, now: float | None = None) -> str:
        moment = dt.datetime.fromtimestamp(time.time() if now is None else now, self.zone)
        return moment.date().isoformat()

    def last(self, service: str, day: str) -> int:
        """The last number of the service taken that day (0: none yet)."""
        row = (
            self._open()
            .execute("SELECT last FROM numbers WHERE service = ? AND day = ?", (service, day))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def take(self, service: str, day: str, number: int) -> None:
        """Number `number` of the service was called that day (kept on disk at once)."""
        db = self._open()
        with db:
            db.execute(
                "INSERT INTO numbers (service, day, last) VALUES (?, ?, ?) ON CONFLICT "
                "(service, day) DO UPDATE SET last = max(last, excluded.last)",
                (service, day, number),
            )
            oldest = (dt.date.fromisoformat(day) - dt.timedelta(days=DAYS_KEPT)).isoformat()
            db.execute("DELETE FROM numbers WHERE day < ?", (oldest,))

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(self.path), check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # a number called is never handed out again
            db.execute(_SCHEMA)
            self._db = db
        return self._db
