"""The audio callback's health, reported as events without flooding: running totals in the
status, and at most one event of each kind a minute with what changed since the last."""

from __future__ import annotations

from pager.core import inputs
from pager.values.events import EventName

HEALTH_EVENT_INTERVAL_S = 60.0  # at most one xrun event, and one callback-error event, a minute
Due = tuple[EventName, dict[str, object]]


class HealthReports:
    """The totals the status shows, and when each kind of event was last published."""

    def __init__(self) -> None:
        self.xruns = 0
        self.callback_errors = 0
        self._reported: dict[EventName, tuple[float, int]] = {}

    def shift(self, step: float) -> None:
        """The wall clock was stepped: when each event was last published moves with it."""
        self._reported = {name: (at + step, total)
                          for name, (at, total) in self._reported.items()}  # fmt: skip

    def update(
        self, item: inputs.AudioHealth, now: float
    ) -> list[tuple[EventName, dict[str, object]]]:
        """Take the callback's new totals; the events due (name, fields)."""
        due: list[tuple[EventName, dict[str, object]]] = []
        for name, total, extra in (
            (EventName.AUDIO_XRUNS, item.xruns, {}),
            (EventName.AUDIO_CALLBACK_ERROR, item.callback_errors, {"error": item.error}),
        ):
            last_at, last_total = self._reported.get(name, (-HEALTH_EVENT_INTERVAL_S, 0))
            if total > last_total and now - last_at >= HEALTH_EVENT_INTERVAL_S:
                self._reported[name] = (now, total)
                due.append((name, {"count": total - last_total, "total": total, **extra}))
        self.xruns, self.callback_errors = item.xruns, item.callback_errors
        return due
