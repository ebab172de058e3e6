"""What a store on disk says about itself: it cannot be written (and why), or it can again.

The stores are the call journal, the call log, the WAV recordings (`--record`) and the config
file (read at a reload). Each tells only its changes, through a `StoreWatch`, so a disk that
stays full says so once, not with every call.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass


class Store(enum.StrEnum):
    """The `store` field of `storage-failed` and `storage-restored`."""

    JOURNAL = "journal"
    CALL_LOG = "call-log"
    RECORDINGS = "recordings"
    CONFIG = "config"


@dataclass(frozen=True)
class StorageReport:
    """A store failed (`ok` False, with the reason) or works again (with how many entries
    it could not keep meanwhile: `lost`)."""

    store: Store
    path: str
    ok: bool
    reason: str = ""
    lost: int = 0


class StoreWatch:
    """One store's state, reporting only its changes (used by the store's own thread)."""

    def __init__(self, store: Store, path: str, report: Callable[[StorageReport], None]) -> None:
        self.store = store
        self.path = path
        self.report = report
        self.failing = False

    def failed(self, reason: str) -> None:
        """A write failed: reported when the store worked until now."""
        if not self.failing:
            self.failing = True
            self.report(StorageReport(self.store, self.path, False, reason))

    def worked(self, lost: int = 0) -> None:
        """A write succeeded: reported when the store was failing."""
        if self.failing:
            self.failing = False
            self.report(StorageReport(self.store, self.path, True, lost=lost))
