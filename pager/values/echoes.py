"""What an input heard of an announcement on its zone (line supervision in programme mode,
`pager test-zone --listen`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Echo:
    """What one input heard of one announcement."""

    heard: bool
    correlation: float  # the normalised cross-correlation's peak, 0..1
    delay_ms: float | None  # when heard: how late it came back
    gain_db: float | None  # when heard: its level relative to what was sent
    level_db: float  # the input's RMS level (dBFS) while the announcement came back


@dataclass(frozen=True)
class Heard:
    """An input listening to a zone (`purpose`: "line_sense" or "noise_sensor"), and what it
    heard of the zone's last announcement."""

    input: int  # numbered from 1, as printed on the interface
    purpose: str
    echo: Echo

    def shown(self) -> dict[str, object]:
        """As the `test-heard` event shows it."""
        e = self.echo
        return {"input": self.input, "purpose": self.purpose, "heard": e.heard,
                "correlation": e.correlation, "delay_ms": e.delay_ms, "gain_db": e.gain_db,
                "level_db": e.level_db}  # fmt: skip
