"""The stores on disk that fail and come back: their events, the status's `storage`, and when
to try the journal's disk again. Pure: reports in, events out, with explicit time."""

from __future__ import annotations

import logging

from pager.values.events import EventName
from pager.values.storage import StorageReport, Store

log = logging.getLogger(__name__)

PROBE_EVERY_S = 10.0  # while the journal's disk fails, a write is tried this often
Due = tuple[EventName, dict[str, object]]


class StorageHealth:
    """Which stores fail, since when and why."""

    def __init__(self) -> None:
        self._failing: dict[Store, tuple[StorageReport, float]] = {}
        self._probe_at: float | None = None

    def update(self, report: StorageReport, now: float) -> list[Due]:
        """Take a store's change; the event it makes (none for a report that changes
        nothing)."""
        known = self._failing.get(report.store)
        fields: dict[str, object] = {"store": report.store.value, "path": report.path}
        if not report.ok:
            if known is not None:
                return []
            self._failing[report.store] = (report, now)
            if report.store is Store.JOURNAL:
                self._probe_at = now + PROBE_EVERY_S
            log.error("cannot write the %s %s: %s", report.store.value, report.path,
                      report.reason)  # fmt: skip
            return [(EventName.STORAGE_FAILED, {**fields, "reason": report.reason})]
        if known is None:
            return []
        del self._failing[report.store]
        if report.store is Store.JOURNAL:
            self._probe_at = None
        failed_for = max(0.0, now - known[1])
        lost = f"; {report.lost} entries could not be kept" if report.lost else ""
        log.warning("the %s %s is written again after %.0f s%s", report.store.value,
                    report.path, failed_for, lost)  # fmt: skip
        return [(EventName.STORAGE_RESTORED,
                 {**fields, "failed_s": round(failed_for, 1), "lost": report.lost})]  # fmt: skip

    def shift(self, step: float) -> None:
        """The wall clock was stepped: the next try, and when each failure began, move."""
        if self._probe_at is not None:
            self._probe_at += step
        self._failing = {store: (report, since + step)
                         for store, (report, since) in self._failing.items()}  # fmt: skip

    def probe_due(self, now: float) -> bool:
        """Whether to try the journal's disk now (then the next try is planned)."""
        if self._probe_at is None or now < self._probe_at:
            return False
        self._probe_at = now + PROBE_EVERY_S
        return True

    def next_deadline(self) -> float | None:
        return self._probe_at

    def shown(self) -> dict[str, object]:
        """The status's fields: `storage` ("ok" or "failed") and what fails."""
        failing = [
            {"store": store.value, "path": report.path, "reason": report.reason, "since": since}
            for store, (report, since) in sorted(self._failing.items())
        ]
        return {"storage": "failed" if failing else "ok", "storage_failing": failing}
