"""Listening back, measured on the real daemon on the virtual card with inputs
(tests/duplex_card.py): what the inputs cost, how the noise gain answers noise steps, and how
soon a cut speaker line is reported, in both modes.

    .venv/bin/python -m bench.listening [--cuts 3]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyloudnorm

from bench.resources import cpu_percent
from pager import config
from pager.audio.pilot import Pilot
from pager.daemon import soundkit
from pager.daemon.hearing import Hearing
from pager.daemon.listener import CHUNK_BLOCKS
from tests.broker import Mosquitto, Watcher, mark
from tests.conftest import DaemonProcess, pager_command, write_config
from tests.duplex_card import DuplexCard

SENSOR, LINE = 0, 1  # 0-based inputs: the food court's microphone and its line's end
FOOD = (6, 7)
FAULT_AFTER_S = 10.0
NOISE_BASE_DB = -48.0  # white noise (dBFS RMS): about -53 dB(A), where the gain is 0


def _food(mode: str | None, sensor: bool = True) -> dict[str, Any]:
    zone: dict[str, Any] = {"channels": [7, 8], "gain_db": -4}
    if sensor:
        zone["noise_sensor"] = {"channel": SENSOR + 1, "reference_db": -10}
    if mode is not None:
        zone["line_sense"] = {"channel": LINE + 1, "mode": mode}
    return zone


@contextlib.contextmanager
def _daemon(directory: Path, inputs: int, food: dict[str, Any]
            ) -> Iterator[tuple[Watcher, DaemonProcess, DuplexCard, Path]]:  # fmt: skip
    """`pager run` on the duplex card, the food court's speakers looped into its microphone
    (-10 dB) and its line into the line sense input (-6 dB), noise on the microphone."""
    (directory / "card").mkdir(parents=True)
    with Mosquitto(directory) as broker, DuplexCard(directory / "card") as card:
        card.loop(FOOD[0], SENSOR, -10.0)
        card.loop(FOOD[1], LINE, -6.0)
        card.noise(SENSOR, NOISE_BASE_DB)
        card.noise(LINE, -80.0)
        cfg = write_config(directory / "zones.yaml", node="listen", mqtt={"port": broker.port},
                           audio={"device": card.name, "inputs": inputs},
                           supervision={"fault_after_s": FAULT_AFTER_S},
                           zones={"food-court": food})  # fmt: skip
        watcher = Watcher(broker.port, "pager/#")
        daemon = DaemonProcess(["run", "-c", str(cfg)], card.env(), directory / "daemon.log")
        try:
            watcher.status("listen", "online", timeout=60)
            yield watcher, daemon, card, cfg
        finally:
            code = daemon.stop()
            watcher.close()
            if code != 0:
                raise RuntimeError(f"the daemon exited {code}: {daemon.log[-2000:]}")


def cpu(directory: Path, window_s: float) -> dict[str, float]:
    """The daemon's CPU while idle, without inputs and with 8 inputs open (a noise sensor
    and a pilot-supervised line among them), on the same card."""
    found = {}
    for name, inputs, food in (("cpu_no_inputs_percent", 0, {"channels": [7, 8]}),
                               ("cpu_8_inputs_percent", 8, _food("pilot"))):  # fmt: skip
        with _daemon(directory / name, inputs, food) as (_, daemon, card, _cfg):
            card.wait_for_frames(card.frames + card.rate)
            found[name] = round(cpu_percent(daemon.process.pid, card, window_s), 2)
    return found


def hearing_us(chunks: int) -> dict[str, float]:
    """The inputs' worker per chunk of four 512-frame blocks of 8 inputs (43 ms; noise sensor,
    pilot line, levels), as it takes them, in microseconds: median and p99."""
    zones = {"food": _food("pilot"), "hall": {"channels": [1, 2]}}
    cfg = config.parse({"audio": {"inputs": 8}, "zones": zones})
    hearing = Hearing(cfg, speech_db=lambda: -22.0, level_at=lambda zone: -4.0)
    rng = np.random.default_rng(1)
    frames = 512 * CHUNK_BLOCKS
    chunk = (rng.standard_normal((frames, 8)) * 0.01).astype(np.float32)
    idle = np.zeros(8, dtype=bool)
    times = []
    for index in range(chunks):
        started = time.perf_counter()
        hearing.hear(chunk, idle, index * frames / 48000)
        times.append(time.perf_counter() - started)
    return {"hearing_chunk_us": round(statistics.median(times) * 1e6, 1),
            "hearing_chunk_p99_us": round(float(np.percentile(times, 99)) * 1e6, 1)}  # fmt: skip


def gain_response(directory: Path) -> dict[str, Any]:
    """The food court's gain after noise steps of +10 and +20 dB: (seconds, gain) as the
    status reported it, and the steady gain at each step."""
    steps = []
    with _daemon(directory, 8, _food(None)) as (watcher, daemon, card, _cfg):
        watcher.wait_for(lambda t, b: t == "pager/status/listen"
                         and "food-court" in (b.get("ambient") or {}), 30)  # fmt: skip
        for step in (10.0, 20.0, 0.0):
            began = mark()
            card.noise(SENSOR, NOISE_BASE_DB + step)
            time.sleep(15.0 if step else 12.0)  # the response itself is what is measured
            sensed = [(b["ts"], b["ambient"]["food-court"]) for t, b in _drain(watcher)
                      if t == "pager/status/listen" and b.get("ts", 0) >= began
                      and "food-court" in (b.get("ambient") or {})]  # fmt: skip
            track = [(round(ts - began, 1), s["gain_db"], s["level_db"]) for ts, s in sensed]
            steps.append({"step_db": step, "track": track})
        voice = _voice_db(daemon.log)
    return {"voice_db_a": voice, "steps": steps}


def _drain(watcher: Watcher) -> list[tuple[str, Any]]:
    with contextlib.suppress(AssertionError):
        watcher.wait_for(lambda t, b: False, timeout=0.3, past=False)
    return watcher.seen


def _voice_db(log: str) -> float | None:
    marker = "the voice leaves the card at "
    at = log.find(marker)
    return float(log[at + len(marker) :].split(maxsplit=1)[0]) if at >= 0 else None


def faults(directory: Path, cuts: int) -> dict[str, Any]:
    """Cut the line `cuts` times in each mode: seconds from the cut to `line-fault` (pilot;
    programme: from the end of the second call not heard back), and from the mend to
    `line-restored`."""
    found: dict[str, Any] = {"fault_after_s": FAULT_AFTER_S}
    with _daemon(directory / "pilot", 8, _food("pilot", sensor=False)) as (watcher, _, card, _c):
        watcher.wait_for(lambda t, b: t == "pager/status/listen"
                         and b.get("lines") == {"food-court": "ok"}, 30)  # fmt: skip
        detect, restore = [], []
        for _ in range(cuts):
            cut = mark()
            card.cut(LINE)
            detect.append(round(watcher.event_since("line-fault", cut, 60)["ts"] - cut, 2))
            mended = mark()
            card.cut(LINE, cut=False)
            restored = watcher.event_since("line-restored", mended, 30)
            restore.append(round(restored["ts"] - mended, 2))
        found["pilot"] = {"fault_s": detect, "restored_s": restore}
    with _daemon(directory / "programme", 8, _food("programme", sensor=False)) as (
        watcher, _, card, cfg
    ):  # fmt: skip
        detect, restore = [], []
        for round_ in range(cuts):
            card.cut(LINE)
            for number in (1, 2):
                ident = f"cut-{round_}-{number}"
                _call(cfg, card, ident)
                ended = watcher.event("finished", ident, timeout=60)["ts"]
            detect.append(round(watcher.event_since("line-fault", ended, 30)["ts"] - ended, 2))
            card.cut(LINE, cut=False)
            ident = f"mend-{round_}"
            _call(cfg, card, ident)
            ended = watcher.event("finished", ident, timeout=60)["ts"]
            restore.append(round(watcher.event_since("line-restored", ended, 30)["ts"] - ended, 2))
        found["programme"] = {"fault_s": detect, "restored_s": restore}
    return found


def pilot_loudness() -> dict[str, float]:
    """What the pilot adds to a call's loudness (LU), on a real rendered call: at its full
    level (were it not ducked), and ducked under the call as pager plays it."""
    cfg = config.parse({"zones": {"food": {"channels": [1]}}})
    kit = soundkit.build(cfg)
    try:
        speech = kit.synthesizer.speak(soundkit.REFERENCE_SENTENCE)
    finally:
        kit.synthesizer.close()
    rate, meter = cfg.audio.sample_rate, pyloudnorm.Meter(cfg.audio.sample_rate)
    alone = meter.integrated_loudness(speech.astype(np.float64))
    found = {"call_lufs": round(alone, 2)}
    for name, busy in (("full", False), ("ducked", True)):
        pilot = Pilot(20000, -30.0, rate, channels=1, columns=[0], max_frames=len(speech))
        out = speech[:, None].copy()
        pilot.add_into(out, 0, np.array([busy]))
        if busy:  # the ramp of the first block done: as under a call, steady
            out = speech[:, None].copy()
            pilot.add_into(out, 0, np.array([busy]))
        found[f"pilot_{name}_lu"] = round(meter.integrated_loudness(out[:, 0].astype(np.float64))
                                          - alone, 3)  # fmt: skip
    return found


def _call(cfg: Path, card: DuplexCard, ident: str) -> None:
    subprocess.run([*pager_command(), "call", "-c", str(cfg), "--counter", "5", "--ticket",
                    "A1", "--id", ident, "--zones", "food-court"], check=True,
                   capture_output=True, env=card.env(), timeout=60)  # fmt: skip


def measure(cuts: int = 3, window_s: float = 10.0) -> dict[str, Any]:
    """Every figure of the section (about 4 minutes at 3 cuts)."""
    with tempfile.TemporaryDirectory(prefix="pager-bench-listening-") as name:
        directory = Path(name)
        return {
            **cpu(directory / "cpu", window_s),
            **hearing_us(1000),
            **pilot_loudness(),
            "gain": gain_response(directory / "gain"),
            "faults": faults(directory, cuts),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cuts", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(measure(args.cuts), indent=1))


if __name__ == "__main__":
    main()
