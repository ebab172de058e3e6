"""What the inputs hear, block by block, turned into reports for the controller: each input's
level (for `pager inputs`), every input silent (an input fault), each sensed zone's ambient
noise and gain, each supervised line's pilot. No threads: the listener feeds it blocks with
the monotonic time, and hands its reports on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from pager.audio.meters import AWeightedMeter, ChannelLevels, PilotDetector
from pager.audio.sensing import GainFollower, LineWatch
from pager.audio.tap import TapBlock
from pager.config.model import Config
from pager.core import inputs
from pager.daemon.echoes import Echoes, listened
from pager.values.echoes import Heard

log = logging.getLogger(__name__)

SILENT_FOR_S = 5.0  # every input digital silence this long: the inputs are not working
AMBIENT_CHANGE_DB = 1.0  # a sensed level is reported again when it moved this much...
# ...or whenever its gain moved at all: it moves only to follow a real change of the noise
# (see sensing.SETTLED_DB), so every step is reported, the last landing on the gain wanted.
Report = inputs.InputsChanged | inputs.AmbientChanged | inputs.LineChanged | inputs.HeardBack


@dataclass(frozen=True)
class Sensed:
    """A zone with a noise sensor: its outputs, and how its gain follows."""

    zone: str
    outputs: tuple[int, ...]  # 0-based output columns (busy while announcing)
    hold_s: float
    follower: GainFollower


class Hearing:
    """The analysis of the input blocks for one config (a reload makes a new one, keeping
    the sensed gains and the lines' states)."""

    def __init__(
        self, config: Config, *, speech_db: Callable[[], float | None],
        level_at: Callable[[str], float], before: Hearing | None = None, now: float = 0.0,
    ) -> None:  # fmt: skip
        audio = config.audio
        self.rate = audio.sample_rate
        self.levels = ChannelLevels(audio.inputs)
        self._speech_db = speech_db
        self._level_at = level_at  # a zone's level (dB) now: gain_db or its levels window
        old = {s.zone: s for s in before.sensed} if before is not None else {}
        self.sensed: list[Sensed] = []
        for name, zone in config.zones.items():
            if zone.noise_sensor is None:
                continue
            follower = GainFollower(zone.noise_sensor)
            if name in old:  # a reload: the gain goes on from where it was
                sensor = zone.noise_sensor
                follower.gain_db = min(max(old[name].follower.gain_db, sensor.min_gain_db),
                                       sensor.max_gain_db)  # fmt: skip
            self.sensed.append(Sensed(name, zone.columns, zone.noise_sensor.hold_s, follower))
        sensors = [config.zones[s.zone].noise_sensor for s in self.sensed]
        piloted = bool(config.piloted_zones)
        self.ambient = AWeightedMeter([s.column for s in sensors if s is not None], self.rate,
                                      config.supervision.pilot_hz if piloted else None)  # fmt: skip
        self._quiet_from = {s.zone: now for s in self.sensed}  # when it may next be measured
        self._reported: dict[str, tuple[float, float]] = {}
        self.lines = self._watch(config, before, now)
        self._piloted = [watch for watch in self.lines if watch.mode == "pilot"]
        self.pilot = PilotDetector(
            [config.zones[w.zone].line_sense.column for w in self._piloted],  # type: ignore[union-attr]
            config.supervision.pilot_hz, self.rate,
        )  # fmt: skip
        self.echoes = Echoes(listened(config), self.rate)
        self._frames = 0
        self.last_levels: list[tuple[float, float]] = []
        self.levels_taken = 0  # how many seconds of levels were taken: a new one to show
        self._silent_since: float | None = None
        self.running = True  # the inputs carry something (not all silent)

    @staticmethod
    def _watch(config: Config, before: Hearing | None, now: float) -> list[LineWatch]:
        """A watch per supervised line; a line that was watched before keeps its state."""
        old = {w.zone: w for w in before.lines} if before is not None else {}
        watches = []
        for name, zone in config.zones.items():
            if zone.line_sense is None:
                continue
            watch = LineWatch(name, zone.line_sense.mode, config.supervision.fault_after_s, now)
            known = old.get(name)
            if known is not None and known.mode == watch.mode:
                watch.state, watch.heard_at, watch.level_db = (known.state, known.heard_at,
                                                               known.level_db)  # fmt: skip
            watches.append(watch)
        return watches

    def hear(self, block: np.ndarray, busy: np.ndarray, now: float,
             sent: Iterable[TapBlock] = ()) -> list[Report]:  # fmt: skip
        """Take one block of every input, with the output channels announcing now (`busy`),
        the monotonic time its callback ran and the output tap's blocks since the last one;
        what the controller must hear of it."""
        reports: list[Report] = []
        for tapped in sent:
            self.echoes.sent(tapped)
        for zone, heard in self.echoes.came_back(block, now):
            reports.append(inputs.HeardBack(zone, heard))
            reports += self._echoed(zone, heard, now)
        self.levels.add(block)
        if self.sensed:
            open_ = np.array([self._measurable(s, busy, now) for s in self.sensed])
            self.ambient.add(block, open_)
        readings = self.pilot.add(block)
        if readings is not None and self.running:
            for watch, reading in zip(self._piloted, readings, strict=True):
                if reading.present and watch.heard(now, reading.level_db):
                    reports.append(self._line(watch, now))
                watch.level_db = reading.level_db
        self._frames += len(block)
        if self._frames >= self.rate:  # a second of input
            self._frames = 0
            reports += self._second(now)
        return reports

    def _echoed(self, zone: str, heard: tuple[Heard, ...], now: float) -> list[Report]:
        """A programme-mode line's verdict on the announcement that came back (or not)."""
        watch = next((w for w in self.lines if w.zone == zone and w.mode == "programme"), None)
        line = next((h for h in heard if h.purpose == "line_sense"), None)
        if watch is None or line is None or not self.running:
            return []
        echo = line.echo
        changed = watch.heard(now, echo.level_db) if echo.heard else watch.missed(echo.level_db)
        return [self._line(watch, now)] if changed else []

    def _measurable(self, sensed: Sensed, busy: np.ndarray, now: float) -> bool:
        """Nothing announced in the zone now, nor within its `hold_s`."""
        if busy[list(sensed.outputs)].any():
            self._quiet_from[sensed.zone] = now + sensed.hold_s
            return False
        return now >= self._quiet_from[sensed.zone]

    def _second(self, now: float) -> list[Report]:
        reports: list[Report] = []
        silent = self.levels.silent
        self.last_levels = self.levels.take()
        self.levels_taken += 1
        if silent:
            self._silent_since = self._silent_since if self._silent_since is not None else now
            if self.running and now - self._silent_since >= SILENT_FOR_S:
                self.running = False
                return [inputs.InputsChanged(False, f"every input is digital silence for "
                                                    f"{SILENT_FOR_S:.0f} s")]  # fmt: skip
        else:
            self._silent_since = None
            if not self.running:
                self.running = True
                for watch in self.lines:
                    watch.restart(now)
                reports.append(inputs.InputsChanged(True, "the inputs carry sound again"))
        if not self.running:
            return reports
        reports += self._follow()
        for watch in self.lines:
            if watch.check(now):
                reports.append(self._line(watch, now))
        return reports

    def _follow(self) -> list[Report]:
        """Each sensed zone's gain, moved for the noise measured this second (if any)."""
        speech = self._speech_db()
        reports: list[Report] = []
        noise = self.ambient.take(at_least=self.rate // 2)
        for sensed, level in zip(self.sensed, noise, strict=True):
            if level is None or speech is None:
                continue  # announced, or in its hold: the gain stays
            gain = sensed.follower.follow(level, self._level_at(sensed.zone), speech, 1.0)
            last = self._reported.get(sensed.zone)
            if last is None or abs(last[0] - level) >= AMBIENT_CHANGE_DB or last[1] != gain:
                self._reported[sensed.zone] = (level, gain)
                reports.append(inputs.AmbientChanged(sensed.zone, level, gain))
        return reports

    def _line(self, watch: LineWatch, now: float) -> inputs.LineChanged:
        return inputs.LineChanged(watch.zone, watch.state, watch.mode, watch.level_db,
                                  watch.quiet_s(now))  # fmt: skip

    def shown_levels(self) -> Mapping[str, object]:
        """The last second's level and peak of each input, for `pager inputs`."""
        levels = self.last_levels
        return {"inputs": [{"input": index + 1, "level_db": round(level, 1),
                            "peak_db": round(peak, 1)}
                           for index, (level, peak) in enumerate(levels)]}  # fmt: skip
