"""The MPP's whole day, measured: what a named pickup costs the controller beside a plain
call, what forgetting a name costs the journal, how long a recorded message takes to
prepare, how fast operator text is read, and how punctually the daily schedule speaks on a
real (virtual) card."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import statistics
import tempfile
import time
import zoneinfo
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from pager import config
from pager.audio import chime, recordings
from pager.config.privacy import PrivacyConfig
from pager.config.timetable import ScheduleEntry
from pager.core import inputs
from pager.core.controller import Controller
from pager.core.effects import JournalAdd, StartPlay
from pager.io.journal import Journal
from pager.language.lexicon import DEFAULT_LEXICON
from pager.language.normalize import verbalize
from pager.values.messages import Inbound, MessageKind
from pager.values.privacy import NameLevel
from tests.broker import Mosquitto, Watcher
from tests.conftest import EXAMPLE_CONFIG, DaemonProcess, without_rate_limits, write_config
from tests.virtual_card import VirtualCard

ROOT = Path(__file__).resolve().parent.parent
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def controller_us(calls: int, body: dict[str, Any]) -> float:
    """Median microseconds of one call's whole life in the controller (see bench.costs),
    for calls like `body`, with names said in full in the hall and shown as initials."""
    cfg = without_rate_limits(config.load(EXAMPLE_CONFIG))
    cfg = dataclasses.replace(cfg, schedule=(), privacy=PrivacyConfig(NameLevel.FULL))
    controller = Controller(cfg)
    now = time.time()
    times = []
    for n in range(calls):
        counter = str(n % 8 + 1)
        payload = json.dumps({**body, "ticket": f"A{n % 9999 + 1}", "id": f"b-{n}"}).encode()
        message = Inbound(f"pager/call/{counter}", MessageKind.CALL, counter, payload, now)
        start = time.perf_counter()
        (taken,) = [e for e in controller.handle(message, now) if isinstance(e, JournalAdd)]
        effects = controller.handle(inputs.Journaled(taken.job_id), now)
        for play in [e.play for e in effects if isinstance(e, StartPlay)]:
            controller.handle(inputs.PlayStarted(play), now)
            controller.handle(inputs.PlayFinished(play, 6.5, 0.0), now)
        times.append(time.perf_counter() - start)
        now += 0.01
    return statistics.median(times) * 1e6


def journal_ms(calls: int, personal: bool) -> dict[str, float]:
    """Adding and removing a call in the journal on disk (ms, median and p99): a named
    call's removal overwrites its row and empties the write-ahead log."""
    with tempfile.TemporaryDirectory() as folder:
        journal = Journal(Path(folder) / "calls.db")
        adds, removes = [], []
        for n in range(calls):
            body = {"ticket": "A1", "id": f"j{n}", **({"name": "Budi Santoso"} if personal else {})}
            message = Inbound("pager/call/5", MessageKind.CALL, "5", json.dumps(body).encode(), n)
            start = time.perf_counter()
            journal.add(f"5/j{n}", message, personal=personal)
            added = time.perf_counter()
            journal.remove(f"5/j{n}")
            removes.append(time.perf_counter() - added)
            adds.append(added - start)
        journal.close()
    return {"add_ms_p50": statistics.median(adds) * 1e3,
            "remove_ms_p50": statistics.median(removes) * 1e3,
            "remove_ms_p99": float(np.percentile(removes, 99)) * 1e3}  # fmt: skip


def recording_ms(seconds: float = 60.0) -> float:
    """Preparing a recorded library message (stereo, 44.1 kHz) at the card's rate and the
    announcement loudness, as a start or a reload does (ms)."""
    with tempfile.TemporaryDirectory() as folder:
        rate = 44100
        t = np.arange(int(seconds * rate)) / rate
        tone = 0.1 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t)) / 2
        soundfile.write(Path(folder) / "closing.wav", np.stack([tone, tone], axis=1), rate)
        cfg = config.load(write_config(Path(folder) / "zones.yaml",
                                       messages={"closing": {"file": "closing.wav"}}))  # fmt: skip
        start = time.perf_counter()
        recordings.prepared(cfg)
        return (time.perf_counter() - start) * 1e3


def normalize_us() -> float:
    """Reading one line of operator text (the usage table's cases), median µs."""
    table = ROOT / "tests" / "data" / "normalization.tsv"
    lines = [row.split("\t")[0] for row in table.read_text(encoding="utf-8").splitlines()
             if row.strip() and not row.startswith("#")]  # fmt: skip
    times = []
    for _ in range(20):
        for line in lines:
            start = time.perf_counter()
            verbalize(line, DEFAULT_LEXICON)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def schedule_offsets_ms(runs: int) -> list[float]:
    """The daily schedule on the virtual card: how far from its due time the chime's first
    sample left the card, per run (ms; positive is late)."""
    offsets = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            directory = Path(folder)
            with Mosquitto(directory) as broker, VirtualCard(directory / "card") as card:
                offsets.append(_scheduled_offset_ms(directory, broker, card))
    return offsets


def _scheduled_offset_ms(directory: Path, broker: Mosquitto, card: VirtualCard) -> float:
    due = math.ceil(time.time()) + 12
    local = dt.datetime.fromtimestamp(due, zoneinfo.ZoneInfo("Asia/Jakarta"))
    cfg = write_config(
        directory / "zones.yaml", ("messages",), node="bench",
        mqtt={"port": broker.port}, audio={"device": card.name, "latency": "low"},
        messages={"closing": {"text": "Layanan berakhir.", "zones": ["food-court"]}},
        schedule=[{"at": local.strftime("%H:%M:%S"), "days": DAYS[local.weekday()],
                   "message": "closing"}],
    )  # fmt: skip
    watcher = Watcher(broker.port)
    daemon = DaemonProcess(["run", "-c", str(cfg)], card.env(), directory / "daemon.log")
    try:
        watcher.status("bench", "online")
        mark = card.frames
        key = ScheduleEntry(local.time(), "closing").key
        watcher.event("finished", f"schedule-{key}-{due}", 60)
        first = card.wait_for_sound(mark)
        heard = card.dac_time(first) + time.time() - time.monotonic()
    finally:
        daemon.stop()
        watcher.close()
    loaded = config.load(cfg)
    bell = chime.prepared(loaded.announcement, loaded.audio.sample_rate)
    lead = int(np.flatnonzero(bell)[0]) / loaded.audio.sample_rate
    return (heard - lead - due) * 1000


def measure(smoke: bool) -> dict[str, Any]:
    calls = 200 if smoke else 3000
    return {
        "controller_us": {
            "call": controller_us(calls, {}),
            "named_pickup": controller_us(calls, {"kind": "pickup", "name": "Bpk. BUDI SANTOSO"}),
        },
        "journal": {
            "plain": journal_ms(calls // 4, False),
            "named": journal_ms(calls // 4, True),
        },
        "recording_60s_ms": recording_ms(10.0 if smoke else 60.0),
        "normalize_us": normalize_us(),
        "schedule_offsets_ms": schedule_offsets_ms(1 if smoke else 5),
    }


if __name__ == "__main__":
    print(json.dumps(measure(smoke=True), indent=2))
