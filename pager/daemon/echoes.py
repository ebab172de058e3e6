"""Each announcement on a zone with an input listening to it, recorded as it was sent (the
output tap) and as it came back (those inputs), and compared once it is over
(`pager.audio.echo`): for line supervision in programme mode and `pager test-zone --listen`.

No threads: the listener feeds it the tap's blocks and the input blocks, with their
monotonic stamps.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field

import numpy as np

from pager.audio import echo
from pager.audio.tap import TapBlock
from pager.config.model import Config
from pager.values.echoes import Heard

PREROLL_S = echo.SLACK_S + 0.1  # input kept from before an announcement is seen to start
ENDED_AFTER_S = 0.2  # no block of it sent for this long: it has ended (an idle output
# sends no blocks at all to say so)


@dataclass(frozen=True)
class Listened:
    """A zone and the inputs that listen to it (0-based input columns, and why)."""

    zone: str
    column: int  # the zone's first output, as tapped
    inputs: tuple[tuple[int, str], ...]


def listened(config: Config) -> list[Listened]:
    """The zones with a line sense input or a noise sensor, and those inputs."""
    found = []
    for name, zone in config.zones.items():
        parts = [(part.column, purpose) for purpose, part in
                 (("line_sense", zone.line_sense), ("noise_sensor", zone.noise_sensor))
                 if part is not None]  # fmt: skip
        if parts and zone.columns:
            found.append(Listened(name, zone.columns[0], tuple(parts)))
    return found


@dataclass
class _Take:
    """One announcement being recorded."""

    sent_at: float
    last_sent: float = 0.0  # the stamp of its last block sent
    sent: list[np.ndarray] = field(default_factory=list)
    sent_frames: int = 0
    ended: bool = False
    back_at: float | None = None
    back: list[np.ndarray] = field(default_factory=list)
    back_until: float = 0.0  # monotonic time the last input block brought back reaches


class Echoes:
    """The recording and comparing for every listened zone."""

    def __init__(self, zones: list[Listened], rate: int) -> None:
        self.zones = zones
        self.rate = rate
        self.taps = [z.column for z in zones]  # the output tap's columns, in this order
        self._takes: dict[str, _Take] = {}
        self._inputs = sorted({column for z in zones for column, _ in z.inputs})
        self._preroll: collections.deque[tuple[float, np.ndarray]] = collections.deque()

    def sent(self, block: TapBlock) -> None:
        """One output block: a zone's take starts with its first busy block, and ends with
        its first quiet one."""
        frames = len(block.samples)
        for index, zone in enumerate(self.zones):
            take = self._takes.get(zone.zone)
            if block.busy[index]:
                if take is None or take.ended:
                    if take is not None:
                        continue  # the one before is still coming back: this one is not taken
                    take = self._takes[zone.zone] = _Take(block.stamp)
                    for at, kept in self._preroll:
                        self._keep_back(take, at, kept)
                take.last_sent = block.stamp
                if take.sent_frames < echo.MAX_SENT_S * self.rate:
                    take.sent.append(block.samples[:, index].copy())
                    take.sent_frames += frames
            elif take is not None:
                take.ended = True

    def came_back(self, block: np.ndarray, stamp: float) -> list[tuple[str, tuple[Heard, ...]]]:
        """One input block (its callback at monotonic `stamp`); the zones whose last
        announcement has now fully come back, with what each input heard of it."""
        first = stamp - len(block) / self.rate  # the block's first sample
        kept = block[:, self._inputs].copy()
        self._preroll.append((first, kept))
        while self._preroll and self._preroll[0][0] < first - PREROLL_S:
            self._preroll.popleft()
        done = []
        for zone in self.zones:
            take = self._takes.get(zone.zone)
            if take is None:
                continue
            self._keep_back(take, first, kept)
            take.ended = take.ended or stamp - max(take.last_sent, take.sent_at) > ENDED_AFTER_S
            if take.ended and take.back_until >= self._needed(take):
                del self._takes[zone.zone]
                done.append((zone.zone, self._compare(zone, take)))
        return done

    def _keep_back(self, take: _Take, first: float, kept: np.ndarray) -> None:
        end = first + len(kept) / self.rate
        if end <= take.back_until or take.back_until >= self._needed(take):
            return  # had already, or has enough
        if take.back_at is None:
            take.back_at = first
        take.back.append(kept)
        take.back_until = end

    def _needed(self, take: _Take) -> float:
        """How far input must reach for every delay of what was sent to be looked at."""
        sent_s = min(take.sent_frames / self.rate, echo.MAX_SENT_S)
        return take.sent_at + sent_s + echo.MAX_DELAY_S + echo.SLACK_S

    def _compare(self, zone: Listened, take: _Take) -> tuple[Heard, ...]:
        if not take.sent or take.back_at is None:
            return ()
        sent = np.concatenate(take.sent)
        back = np.concatenate(take.back)
        heard = []
        for column, purpose in zone.inputs:
            found = echo.compare(sent, take.sent_at, back[:, self._inputs.index(column)],
                                 take.back_at, self.rate)  # fmt: skip
            if found is not None:
                heard.append(Heard(column + 1, purpose, found))
        return tuple(heard)
