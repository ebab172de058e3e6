"""What the interface's inputs listen to, as the config declares it: a zone's ambient noise
sensor (`zones.NAME.noise_sensor`), the input at the end of its speaker line
(`zones.NAME.line_sense`) and how lines are supervised (`supervision`).

Input channels are numbered from 1 as printed on the interface, like the outputs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pager.config import schema
from pager.config.schema import key, required, rule
from pager.units import output_column


class _Input:
    """What is wired to an input of the interface."""

    channel: int  # numbered from 1

    @property
    def column(self) -> int:
        """Its input as a 0-based column of the input stream."""
        return output_column(self.channel)


@dataclass(frozen=True)
class NoiseSensor(_Input):
    """A microphone in a zone: the zone's announcements rise with the noise it hears."""

    channel: int = required(
        schema.integer(1, 128),
        "The input the zone's microphone is wired to, numbered from 1 (`pager inputs` shows "
        "them live).",
    )
    reference_db: float = required(
        schema.number(-80, 20),
        "How loud the sensor hears the zone's own announcements, in dB relative to their level "
        "on the card's output (0: as loud as they leave the card; -20: twenty dB quieter). "
        "`pager test-zone --listen ZONE` measures it.",
    )
    target_snr_db: float = key(
        12.0, schema.number(0, 40), "How far above the sensed noise the speech should be, in dB."
    )
    min_gain_db: float = key(
        0.0, schema.number(-30, 20), "The lowest gain the noise may give the zone's announcements."
    )
    max_gain_db: float = key(
        9.0, schema.number(-30, 20), "The highest gain the noise may give them, in dB."
    )
    slew_db_per_s: float = key(
        1.0, schema.number(0.1, 20), "How fast that gain may change, in dB per second."
    )
    hold_s: float = key(
        3.0,
        schema.number(0, 60),
        "The noise is measured only while nothing is announced in the zone and this long "
        "after (the room's echo of the announcement is not noise).",
    )


@rule(NoiseSensor)
def _min_gain_below_max(sensor: NoiseSensor) -> Iterator[tuple[str, str]]:
    """A noise sensor's `min_gain_db` is at most its `max_gain_db`."""
    if sensor.min_gain_db > sensor.max_gain_db:
        yield ("min_gain_db", f"{sensor.min_gain_db:g} is above max_gain_db "
                              f"({sensor.max_gain_db:g})")  # fmt: skip


@dataclass(frozen=True)
class LineSense(_Input):
    """The input wired to the end of a zone's speaker line (or its amplifier's monitor)."""

    channel: int = required(
        schema.integer(1, 128), "The input wired to the end of the zone's line, from 1."
    )
    mode: str = key(
        "pilot",
        schema.one_of("pilot", "programme"),
        "`pilot`: an inaudible tone (`supervision.pilot_hz`) is mixed into the zone and must "
        "come back; `programme`: no tone (amplifiers that cut it), the zone's own "
        "announcements must come back.",
    )


@dataclass(frozen=True)
class SupervisionConfig:
    pilot_hz: float = key(
        20000.0,
        schema.number(1000, 96000),
        "The pilot tone of lines in `pilot` mode: above hearing, below half the sample rate.",
        live=False,
    )
    pilot_db: float = key(
        -30.0,
        schema.number(-60, -20),
        "The pilot's level on the output in dBFS: far below the speech, inaudible.",
        live=False,
    )
    fault_after_s: float = key(
        60.0,
        schema.number(5, 100),
        "A line whose pilot is not heard back for this long is reported as a fault "
        "(EN 54-16 asks for 100 s at most). In `programme` mode: two announcements in a row "
        "not heard back.",
    )
