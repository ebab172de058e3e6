"""What the inputs report: whether they work, each supervised line's state and each noise
sensor's level and gain; the events these make, the status's `inputs`, `lines` and
`ambient`, and the gains the routing adds. Pure: reports in, events out, explicit time."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from pager.config.model import Config
from pager.core import inputs
from pager.values.events import EventName

log = logging.getLogger(__name__)

Due = tuple[EventName, dict[str, object]]
LineReport = inputs.InputsChanged | inputs.AmbientChanged | inputs.LineChanged | inputs.HeardBack
TEST_ECHO_S = 10.0  # what came back is the test's if it ended at most this long before


class Listening:
    """The inputs' state as the status shows it."""

    def __init__(self) -> None:
        self._open = False  # the config opens inputs
        self._running = True
        self._lines: dict[str, inputs.LineChanged] = {}
        self._since: dict[str, float] = {}  # a faulty line: since when it was not heard
        self._ambient: dict[str, inputs.AmbientChanged] = {}
        self._sensors: set[str] = set()
        self._tested: dict[str, tuple[object, float]] = {}  # zone: its last test's id, end

    def configure(self, config: Config) -> None:
        """Take a config: lines and sensors of zones gone are forgotten, new ones unknown."""
        self._open = config.audio.inputs > 0
        modes = {name: zone.line_sense.mode for name, zone in sorted(config.zones.items())
                 if zone.line_sense is not None}  # fmt: skip
        self._lines = {
            name: known if (known := self._lines.get(name)) and known.mode == mode
            else inputs.LineChanged(name, "unknown", mode, None)
            for name, mode in modes.items()
        }  # fmt: skip
        self._since = {name: since for name, since in self._since.items() if name in modes}
        self._sensors = {name for name, zone in config.zones.items() if zone.noise_sensor}
        self._ambient = {name: last for name, last in self._ambient.items()
                         if name in self._sensors}  # fmt: skip

    def update(self, report: LineReport, now: float) -> list[Due]:
        """Take one report; the events it makes."""
        match report:
            case inputs.InputsChanged(running, detail):
                return self._inputs(running, detail)
            case inputs.AmbientChanged(zone):
                if zone in self._sensors:
                    self._ambient[zone] = report
                return []
            case inputs.LineChanged():
                return self._line(report, now)
            case inputs.HeardBack(zone, heard):
                test = self._tested.pop(zone, None)
                if test is None or now - test[1] > TEST_ECHO_S:
                    return []  # an announcement, not a test: only its line cares
                shown = [each.shown() for each in heard]
                return [(EventName.TEST_HEARD, {"id": test[0], "zone": zone, "inputs": shown})]

    def note(self, event: Mapping[str, object], now: float) -> None:
        """A published event: a zone test that ended is remembered, for what comes back."""
        if event.get("event") == EventName.TEST_FINISHED and isinstance(event.get("zone"), str):
            self._tested[str(event["zone"])] = (event.get("id"), now)

    def _inputs(self, running: bool, detail: str) -> list[Due]:
        if running == self._running:
            return []
        self._running = running
        if not running:
            log.error("the audio inputs failed: %s", detail)
            return [(EventName.INPUT_FAILED, {"reason": detail})]
        log.info("the audio inputs are back: %s", detail)
        return [(EventName.INPUT_RESTORED, {"device": detail})]

    def _line(self, report: inputs.LineChanged, now: float) -> list[Due]:
        known = self._lines.get(report.zone)
        if known is None:
            return []  # a zone no longer supervised (a reload crossed the report)
        self._lines[report.zone] = report
        level = None if report.level_db is None else round(report.level_db, 1)
        fields: dict[str, object] = {"zone": report.zone, "mode": report.mode, "level_db": level}
        if report.state == "fault" and known.state != "fault":
            since = self._since[report.zone] = round(now - report.quiet_s, 3)
            log.error("speaker line of zone %s: not heard back for %.0f s (%s mode, level %s)",
                      report.zone, report.quiet_s, report.mode, level)  # fmt: skip
            return [(EventName.LINE_FAULT, {**fields, "since": since})]
        if report.state == "ok" and known.state == "fault":
            since = self._since.pop(report.zone, now)
            log.warning("speaker line of zone %s heard back after %.0f s", report.zone,
                        now - since)  # fmt: skip
            return [(EventName.LINE_RESTORED, {**fields, "fault_s": round(now - since, 1)})]
        return []

    def shift(self, step: float) -> None:
        """The wall clock was stepped: when each fault began moves with it."""
        self._since = {zone: since + step for zone, since in self._since.items()}

    def boosts(self) -> dict[str, float]:
        """The gain (dB) each sensed zone's announcements get for its noise now."""
        return {zone: report.gain_db for zone, report in self._ambient.items()}

    def shown(self) -> dict[str, object]:
        """The status's fields: `inputs` ("ok", "failed", "off"), `lines` (zone: "ok",
        "fault", "unknown") and `ambient` (zone: noise level and gain, in dB)."""
        state = "off" if not self._open else "ok" if self._running else "failed"
        lines = {zone: report.state if self._running else "unknown"
                 for zone, report in self._lines.items()}  # fmt: skip
        ambient = {zone: {"level_db": round(report.level_db, 1),
                          "gain_db": round(report.gain_db, 1)}
                   for zone, report in sorted(self._ambient.items())}  # fmt: skip
        return {"inputs": state, "lines": lines, "ambient": ambient}
