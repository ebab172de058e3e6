"""Two conversions every layer needs, written once: decibels to gain, outputs to columns."""

from __future__ import annotations


def db_to_gain(db: float) -> float:
    """A level in dB as a linear amplitude factor: -6 dB -> 0.501, 0 dB -> 1.0."""
    return float(10 ** (db / 20))


def output_column(output: int) -> int:
    """An interface output as printed on it (1, 2, ...) to its 0-based channel column."""
    if output < 1:
        raise ValueError(f"outputs are numbered from 1, not {output}")
    return output - 1
