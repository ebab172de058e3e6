"""The operators' tools, measured: what the call log and the status page cost the daemon's
control thread, how fast they answer, and the amplifier lead-in's level and airtime."""

from __future__ import annotations

import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import paho.mqtt.publish

from bench.latency import pager_latency
from pager import config
from pager.audio import chime, tones
from pager.audio.levels import loudness
from pager.io import calllog
from pager.io.calllog import CallLog
from pager.tools import history
from pager.web.server import WebPage
from tests.broker import Mosquitto, free_port
from tests.conftest import EXAMPLE_CONFIG, pager_command, write_config
from tests.virtual_card import VirtualCard

ROOT = Path(__file__).resolve().parent.parent

CALLS_A_DAY = 900


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def _a_day(day_start: float, day: int) -> list[dict[str, Any]]:
    """900 calls spread over a working day (08:00-16:00), each queued, started, finished."""
    bodies = []
    for n in range(CALLS_A_DAY):
        t = day_start + 8 * 3600 + n * (8 * 3600 / CALLS_A_DAY)
        ident, ticket = f"d{day}-{n}", f"{'ABCD'[n % 4]}{n % 300:03d}"
        common = {"node": "bench", "id": ident, "counter": str(n % 20 + 1), "ticket": ticket,
                  "priority": "call", "zones": ["tenant-hall", "food-court"], "play": 1,
                  "text": f"Nomor antrean {ticket}"}  # fmt: skip
        for offset, name in ((0.0, "queued"), (4.0, "started"), (12.5, "finished")):
            bodies.append({**common, "event": name, "ts": t + offset})
    return bodies


def call_log(directory: Path, days: int) -> dict[str, Any]:
    """`record` on the control thread, the writer's throughput, and `pager history` on a log
    of `days` full days."""
    log = CallLog(directory / calllog.FILE_NAME, keep_days=days + 1)
    log.start()
    now = time.time()
    today = float(now - now % 86400)
    bodies = [b for day in range(days) for b in _a_day(today - (days - 1 - day) * 86400, day)]
    costs = []
    began = time.perf_counter()
    for body in bodies:
        start_ns = time.perf_counter_ns()
        log.record(body)
        costs.append((time.perf_counter_ns() - start_ns) / 1000)
    log.close()
    written_s = time.perf_counter() - began
    cfg = write_config(directory / "zones.yaml")
    state = str(directory)

    def timed(*args: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([*pager_command(), "history", "-c", str(cfg), "--state-dir", state, *args],
                       check=True, capture_output=True)  # fmt: skip
        return time.perf_counter() - t0

    read_today = [timed("--since", "00:00", "--ticket", "A001") for _ in range(3)]
    read_all = [timed("--since", f"{days}d", "--ticket", "A001") for _ in range(3)]
    t0 = time.perf_counter()
    found = history.records(calllog.read(directory / calllog.FILE_NAME, since=today))
    summarize_s = time.perf_counter() - t0
    return {
        "days": days, "events": len(bodies),
        "record_us_p50": _percentile(costs, 50), "record_us_p99": _percentile(costs, 99),
        "write_events_per_s": len(bodies) / written_s,
        "file_mb": (directory / calllog.FILE_NAME).stat().st_size / 1e6,
        "history_today_s": statistics.median(read_today),
        "history_all_s": statistics.median(read_all),
        "records_today": len(found), "records_today_s": summarize_s,
    }  # fmt: skip


class _Inbox:
    def put(self, item: object, /) -> None:
        pass


def _readers(url: str, count: int) -> list[subprocess.Popen[str]]:
    """`count` browsers reading the stream, and one more that never reads, each a process."""
    started = []
    for index in range(count + 1):
        stalled = ["--stalled"] if index == count else []
        reader = subprocess.Popen([sys.executable, "-m", "bench.sse_reader", url, *stalled],
                                  stdout=subprocess.PIPE, text=True, cwd=ROOT)  # fmt: skip
        assert reader.stdout is not None and reader.stdout.readline() == "connected\n"
        started.append(reader)
    return started


def _stopped(readers: list[subprocess.Popen[str]]) -> list[dict[str, Any]]:
    results = []
    for reader in readers:
        reader.terminate()
        out = reader.communicate(timeout=30)[0].strip()
        results.append(json.loads(out.splitlines()[-1]) if out else {"events": 0})
    return results


def status_page(events: int, clients: int) -> dict[str, Any]:
    """`offer_event` on the control thread, and offer → a browser's stream, with `clients`
    browsers reading (processes of their own) and one that never reads."""
    port = free_port()
    with tempfile.TemporaryDirectory() as directory:
        cfg = config.load(write_config(Path(directory) / "zones.yaml",
                                       http={"listen": f"127.0.0.1:{port}"}))  # fmt: skip
    page = WebPage(cfg, _Inbox(), lambda: True)
    page.start()
    readers = _readers(f"http://127.0.0.1:{port}/api/stream", clients)
    costs = []
    for n in range(events):
        body = {"event": "bench", "n": n, "ts": time.time()}
        start_ns = time.perf_counter_ns()
        page.offer_event(body)
        costs.append((time.perf_counter_ns() - start_ns) / 1000)
        time.sleep(0.01)  # 100 events a second: a rush's pace and more
    time.sleep(1.0)  # the last events reach the browsers (they count what arrived)
    results = _stopped(readers)[:-1]
    page.stop()
    latencies = [ms for r in results for ms in r["latency_ms"]]
    return {
        "events": events, "clients": clients,
        "offer_us_p50": _percentile(costs, 50), "offer_us_p99": _percentile(costs, 99),
        "delivered": min(r["events"] for r in results),
        "latency_ms_p50": _percentile(latencies, 50), "latency_ms_p99": _percentile(latencies, 99),
    }  # fmt: skip


def audio_with_browsers(directory: Path, calls: int, browsers: int) -> dict[str, Any]:
    """The real daemon on the paced virtual card, calls started and cancelled one after the
    other: without the page, then with it and `browsers` reading its stream (and one not)."""
    (directory / "without").mkdir()
    (directory / "with").mkdir()
    with Mosquitto(directory) as broker, VirtualCard(directory / "card") as card:
        return {
            "without": pager_latency(directory / "without", broker, card, calls),
            "with": pager_latency(directory / "with", broker, card, calls, browsers=browsers),
        }


def status_command(directory: Path, nodes: int) -> dict[str, Any]:
    """`pager status` (one shot) against a broker holding `nodes` retained statuses."""
    with Mosquitto(directory) as broker:
        cfg = write_config(directory / "zones.yaml", mqtt={"port": broker.port})
        for n in range(nodes):
            body = {"state": "online", "node": f"rack-{n}", "audio": "ok", "queues": {},
                    "playing": {}, "waits": {}, "recent": [], "ts": time.time()}  # fmt: skip
            paho.mqtt.publish.single(f"pager/status/rack-{n}", json.dumps(body), qos=1,
                                     retain=True, port=broker.port)  # fmt: skip
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run([*pager_command(), "status", "-c", str(cfg)], check=True,
                           capture_output=True)  # fmt: skip
            times.append(time.perf_counter() - t0)
    return {"nodes": nodes, "wall_s": statistics.median(times)}


def lead_in() -> dict[str, Any]:
    cfg = config.load(EXAMPLE_CONFIG)
    rate = cfg.audio.sample_rate
    audio = dataclasses.replace(cfg.audio, lead_in_ms=800)
    pilot = tones.pilot(audio, cfg.announcement, rate)
    bell = chime.prepared(cfg.announcement, rate)
    body = pilot[int(0.05 * rate) : -int(0.02 * rate)]
    return {
        "ms": 1000 * len(pilot) / rate,
        "pilot_lufs": loudness(pilot, rate), "chime_lufs": loudness(bell, rate),
        "quietest_10ms_dbfs": _quietest_window_dbfs(body, rate),
        "peak_dbfs": float(20 * np.log10(np.max(np.abs(pilot)))),
    }  # fmt: skip


def _quietest_window_dbfs(samples: np.ndarray, rate: int) -> float:
    """The RMS of the quietest 10 ms, in dBFS: what signal sensing sees at its weakest."""
    window = rate // 100
    frames = samples[: len(samples) // window * window].reshape(-1, window).astype(np.float64)
    return float(20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)).min()))


def measure(directory: Path, smoke: bool) -> dict[str, Any]:
    (directory / "log").mkdir()
    (directory / "status").mkdir()
    (directory / "audio").mkdir()
    return {
        "call_log": call_log(directory / "log", 1 if smoke else 90),
        "status_page": status_page(50 if smoke else 1000, 2 if smoke else 10),
        "audio_with_browsers": audio_with_browsers(
            directory / "audio", 3 if smoke else 40, 2 if smoke else 10
        ),
        "status_command": status_command(directory / "status", 5),
        "lead_in": lead_in(),
    }
