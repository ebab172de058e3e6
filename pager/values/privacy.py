"""How much of a person's name may be said or shown: one scale for the config, the
announcer and every place that keeps or shows a call."""

from __future__ import annotations

import enum


class NameLevel(enum.IntEnum):
    """How much of a name: a higher level says (or shows) more; the stricter (lower) of two
    settings wins."""

    OFF = 0  # never said or shown
    INITIALS = 1  # "B. S."
    SHORT = 2  # the first given name and the initials of the rest: "Budi S."
    FULL = 3  # "Budi Santoso"

    @property
    def label(self) -> str:
        """The name in the config: off, initials, short, full."""
        return self.name.lower()

    @classmethod
    def labels(cls) -> tuple[str, ...]:
        return tuple(level.label for level in cls)

    @classmethod
    def from_label(cls, label: str) -> NameLevel:
        """The level called `label`; ValueError for anything else."""
        for level in cls:
            if level.label == label:
                return level
        raise ValueError(f"{label!r} is not one of {', '.join(cls.labels())}")
