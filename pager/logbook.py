"""The daemon's log, bounded: systemd's journal is shared with the whole PC, so no flood (bad
messages, refused logins, a broker that keeps dropping the connection) may write more than
`per_minute` lines a minute for one cause. A cause is a logger and its message's template
(before its arguments: "bad message on %s: %s" is one cause whatever the topic). What is left
out is counted and said in one line once the minute is over."""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_S = 60.0
PER_MINUTE = 60  # a line a second for one cause: a rush of calls is never cut
MAX_CAUSES = 2000  # causes followed at once; beyond, the quietest expired ones are forgotten
Schedule = Callable[[float, Callable[[], None]], None]


class _Alarm:
    """One thread for every summary that is due (started with the handler, so that a flood
    never adds threads): runs each action at its time."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._order = 0
        self._wake = threading.Condition()
        threading.Thread(target=self._run, name="log-summaries", daemon=True).start()

    def __call__(self, delay: float, action: Callable[[], None]) -> None:
        with self._wake:
            self._order += 1
            heapq.heappush(self._due, (time.monotonic() + delay, self._order, action))
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._wake.wait(self._due[0][0] - time.monotonic() if self._due else None)
                _, _, action = heapq.heappop(self._due)
            action()


@dataclass
class _Window:
    start: float
    written: int = 0
    left_out: int = 0
    level: int = logging.INFO
    example: str = ""


class BoundedHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes at most `per_minute` lines a minute per cause, then one
    summary line of what it left out."""

    def __init__(self, stream: object = None, per_minute: int = PER_MINUTE,
                 clock: Callable[[], float] = time.monotonic,
                 schedule: Schedule | None = None) -> None:  # fmt: skip
        super().__init__(stream)
        self.per_minute = per_minute
        self.clock = clock
        self.schedule = schedule if schedule is not None else _Alarm()
        self._windows: dict[tuple[str, str], _Window] = {}
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        cause = (record.name, str(record.msg))
        now = self.clock()
        with self._guard:
            window = self._windows.get(cause)
            if window is None or now - window.start >= WINDOW_S:
                if window is not None and window.left_out:
                    self._summarize(cause, window)
                window = self._windows[cause] = _Window(now)
                self._forget(now)
            if window.written >= self.per_minute:
                if not window.left_out:  # the first left out: say it when the minute ends
                    self.schedule(window.start + WINDOW_S - now, lambda: self.close_window(cause))
                window.left_out += 1
                window.level = max(window.level, record.levelno)
                window.example = record.getMessage()[:200]
                return
            window.written += 1
        super().emit(record)

    def close_window(self, cause: tuple[str, str]) -> None:
        """The minute of a cause is over: say what was left out (once)."""
        with self._guard:
            window = self._windows.get(cause)
            if window is None or not window.left_out:
                return
            self._summarize(cause, window)
            window.left_out = 0

    def _summarize(self, cause: tuple[str, str], window: _Window) -> None:
        summary = logging.LogRecord(
            cause[0], window.level, __file__, 0,
            "%d more lines like this were left out in %.0f s (the last: %s)",
            (window.left_out, WINDOW_S, window.example), None,
        )  # fmt: skip
        super().emit(summary)

    def _forget(self, now: float) -> None:
        if len(self._windows) <= MAX_CAUSES:
            return
        for cause, window in list(self._windows.items()):
            if now - window.start >= WINDOW_S and not window.left_out:
                del self._windows[cause]
