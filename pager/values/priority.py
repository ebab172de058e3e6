"""How urgent an announcement is: the one scale of priorities senders, the config and the
scheduler share."""

from __future__ import annotations

import enum


class Priority(enum.IntEnum):
    """How urgent an announcement is; a higher one pre-empts lower ones in its zones.
    Zone tests are below calls: they wait for a zone's calls, and a call cuts them short."""

    TEST = 0
    CALL = 1
    ANNOUNCEMENT = 2
    EMERGENCY = 3

    @property
    def label(self) -> str:
        """The name in payloads, events and the config: "call", "announcement", "emergency"."""
        return self.name.lower()

    @classmethod
    def labels(cls) -> tuple[str, ...]:
        """The priorities senders and the config may name (tests are only asked for on
        {prefix}/test)."""
        return tuple(p.label for p in cls if p is not cls.TEST)

    @classmethod
    def from_label(cls, label: str) -> Priority:
        """The priority called `label` (one of `labels`); ValueError for anything else."""
        for priority in cls:
            if priority.label == label and label in cls.labels():
                return priority
        raise ValueError(f"{label!r} is not one of {', '.join(cls.labels())}")
