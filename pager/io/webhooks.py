"""Webhooks: each event a receiver asked for (`notify.webhooks`) POSTed to it as JSON, signed
with HMAC-SHA256 of the body (`X-Pager-Signature: sha256=HEX`), in order, each once.

The control thread only enqueues (`offer`). A thread of its own writes what it is handed to a
queue on disk (`webhooks.db`, SQLite) and sends it: each receiver's events strictly in order,
the oldest first; a failure is retried with exponential backoff (1 s, doubling, at most 60 s)
for up to `notify.retry_for_s`, then given up and logged. A restart finds what was not sent.
A receiver that is down only lets its own queue grow, up to `notify.queue_max` (the oldest
dropped beyond): memory stays flat and no call waits for it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import sqlite3
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from pathlib import Path

from pager.config import checks
from pager.config.notify import NotifyConfig, Webhook

log = logging.getLogger(__name__)

FILE_NAME = "webhooks.db"
FIRST_RETRY_S = 1.0
LAST_RETRY_S = 60.0
TIMEOUT_S = 10.0
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS outbox (n INTEGER PRIMARY KEY AUTOINCREMENT, hook TEXT NOT "
    "NULL, body BLOB NOT NULL, delivery TEXT NOT NULL, first_ts REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS outbox_hook ON outbox (hook, n)",
)


def signature(secret: bytes, body: bytes) -> str:
    """The `X-Pager-Signature` header's value for `body`."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def _secret(hook: Webhook) -> bytes | None:
    if hook.secret_file is None:
        return None
    return checks.first_line(hook.secret_file).strip().encode()


def wants(hook: Webhook, body: Mapping[str, object]) -> bool:
    """Whether `hook` asked for this event."""
    if body.get("event") not in hook.events:
        return False
    return not hook.counters or body.get("counter") in hook.counters


class Webhooks:
    """`start()`, then `offer(body)` for each published event; `close()` sends no more."""

    def __init__(self, config: NotifyConfig, folder: Path) -> None:
        self.config = config
        self.hooks = {hook.url: hook for hook in config.webhooks}
        self._secrets = {hook.url: _secret(hook) for hook in config.webhooks}
        self._path = folder / FILE_NAME
        self._inbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
        self._next_try: dict[str, float] = {}  # hook -> when its head may be tried again
        self._backoff: dict[str, float] = {}
        self.sent = 0
        self.given_up = 0

    def start(self) -> None:
        if self.hooks:
            self._thread.start()

    def offer(self, body: Mapping[str, object]) -> None:
        """From the control thread: an event, for the receivers that asked for it."""
        if self.hooks and any(wants(hook, body) for hook in self.hooks.values()):
            self._inbox.put(json.dumps(body, ensure_ascii=False).encode())
            self._wake.set()

    def close(self) -> None:
        """What was handed over is written to disk; the rest is sent after a restart."""
        if self._thread.is_alive():
            self._inbox.put(None)
            self._wake.set()
            self._thread.join(TIMEOUT_S + 5)

    # -- its own thread ----------------------------------------------------------------------

    def _run(self) -> None:
        db = sqlite3.connect(str(self._path))
        try:
            db.execute("PRAGMA journal_mode=WAL")
            for statement in _SCHEMA:
                db.execute(statement)
            while True:
                if not self._take(db):
                    return
                wait = self._send_due(db)
                self._wake.wait(wait)
                self._wake.clear()
        except Exception:  # never takes the daemon down; logged with its cause
            log.exception("webhooks stopped")
        finally:
            db.close()

    def _take(self, db: sqlite3.Connection) -> bool:
        """What the control thread handed over, onto the disk queue; False once closing."""
        closing = False
        rows = []
        while not self._inbox.empty():
            data = self._inbox.get_nowait()
            if data is None:
                closing = True
                continue
            body = json.loads(data)
            now = time.time()
            rows += [(url, data, uuid.uuid4().hex, now) for url, hook in self.hooks.items()
                     if wants(hook, body)]  # fmt: skip
        if rows:
            with db:
                db.executemany("INSERT INTO outbox (hook, body, delivery, first_ts) "
                               "VALUES (?, ?, ?, ?)", rows)  # fmt: skip
                for url in {row[0] for row in rows}:
                    self._bound(db, url)
        return not closing

    def _bound(self, db: sqlite3.Connection, url: str) -> None:
        (count,) = db.execute("SELECT COUNT(*) FROM outbox WHERE hook = ?", (url,)).fetchone()
        excess = count - self.config.queue_max
        if excess > 0:
            db.execute("DELETE FROM outbox WHERE n IN (SELECT n FROM outbox WHERE hook = ? "
                       "ORDER BY n LIMIT ?)", (url, excess))  # fmt: skip
            self.given_up += excess
            log.error("webhook %s: %d events dropped: more than notify.queue_max (%d) wait "
                      "for it", url, excess, self.config.queue_max)  # fmt: skip

    def _send_due(self, db: sqlite3.Connection) -> float:
        """Each receiver's oldest events, in order, while they are taken; how long to wait
        for the next try."""
        wait = LAST_RETRY_S
        for url in self.hooks:
            now = time.monotonic()
            due = self._next_try.get(url, 0.0)
            if due > now:
                wait = min(wait, due - now)
                continue
            while self._inbox.empty():  # new events first onto the disk queue
                row = db.execute("SELECT n, body, delivery, first_ts FROM outbox WHERE "
                                 "hook = ? ORDER BY n LIMIT 1", (url,)).fetchone()  # fmt: skip
                if row is None:
                    break
                n, body, delivery, first_ts = row
                if time.time() - first_ts > self.config.retry_for_s:
                    with db:
                        db.execute("DELETE FROM outbox WHERE n = ?", (n,))
                    self.given_up += 1
                    log.error("webhook %s: an event given up after %.0f s of retries "
                              "(notify.retry_for_s)", url, time.time() - first_ts)  # fmt: skip
                    continue
                failure = self._post(url, bytes(body), delivery)
                if failure is not None:
                    backoff = min(LAST_RETRY_S, self._backoff.get(url, FIRST_RETRY_S / 2) * 2)
                    self._backoff[url] = backoff
                    self._next_try[url] = time.monotonic() + backoff
                    log.warning("webhook %s: %s; next try in %.0f s", url, failure, backoff)
                    wait = min(wait, backoff)
                    break
                self._backoff.pop(url, None)
                with db:
                    db.execute("DELETE FROM outbox WHERE n = ?", (n,))
                self.sent += 1
            else:
                wait = 0.0  # more was handed over meanwhile
        return wait

    def _post(self, url: str, body: bytes, delivery: str) -> str | None:
        """None when the receiver took it (2xx); else why not."""
        headers = {"Content-Type": "application/json", "User-Agent": "pager-webhooks",
                   "X-Pager-Delivery": delivery}  # fmt: skip
        secret = self._secrets.get(url)
        if secret is not None:
            headers["X-Pager-Signature"] = signature(secret, body)
        request = urllib.request.Request(url, body, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
                answer.read(1024)
                return None
        except urllib.error.HTTPError as error:
            return f"answered {error.code}"
        except (OSError, ValueError) as error:
            return f"cannot reach it: {getattr(error, 'reason', error)}"
