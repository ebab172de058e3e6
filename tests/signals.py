"""Searching what a virtual card recorded for a known sound, without reading past either end.

A recording ends wherever the daemon closed the card: a window that starts near its end is
shorter than the sound looked for, and one that starts before its beginning wraps round
(a negative index). Every search here looks only where the whole sound fits.
"""

from __future__ import annotations

import numpy as np


def window(recording: np.ndarray, start: int, length: int) -> np.ndarray | None:
    """The `length` samples from `start`, or None when the recording does not hold them all."""
    if start < 0 or start + length > len(recording):
        return None
    return recording[start : start + length]


def holds(recording: np.ndarray, start: int, sound: np.ndarray, atol: float = 1e-6) -> bool:
    """Whether `sound` is in the recording from `start`, whole, sample for sample."""
    found = window(recording, start, len(sound))
    return found is not None and bool(np.allclose(found, sound, atol=atol))


def occurrences(recording: np.ndarray, sound: np.ndarray, atol: float = 1e-6) -> list[int]:
    """Every start at which the whole `sound` is in the recording, in order (found from its
    first non-zero sample, so that leading silence matches anywhere it fits)."""
    nonzero = np.flatnonzero(sound)
    if not len(nonzero):
        raise ValueError("a silent sound is found everywhere")
    first = int(nonzero[0])
    last_start = len(recording) - len(sound)
    candidates = np.flatnonzero(np.abs(recording - sound[first]) <= atol) - first
    starts = (int(s) for s in candidates)
    return [s for s in starts if 0 <= s <= last_start and holds(recording, s, sound, atol)]


def assert_plays_at(
    recording: np.ndarray, start: int, sound: np.ndarray, what: str, atol: float = 1e-6
) -> None:
    """`sound` is in the recording from `start`, whole; else a message that says what."""
    found = window(recording, start, len(sound))
    assert found is not None, (
        f"{what}: expected {len(sound)} samples from {start}, the recording has {len(recording)}"
    )
    np.testing.assert_allclose(found, sound, atol=atol, err_msg=what)
