"""Several racks, measured: how far apart two racks' first samples land (synchronized
start), and a site of five nodes and 200 counters on one broker under a rush.

Each node is a `pager run --node` with its own virtual card (tests/virtual_card.py), whose
clock is its reader's steady pace: the time a frame leaves the card is frame / rate after
its first read, as a crystal would have it. The skew is the difference of those times for
the first sample of the same call on two cards.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np

from tests.broker import Mosquitto, Watcher
from tests.conftest import UNLIMITED
from tests.site import Node, site_config, standby_pair

TICKS = os.sysconf("SC_CLK_TCK")


def _percentiles(values: list[float]) -> dict[str, float]:
    return {"p50": round(float(np.percentile(values, 50)), 2),
            "p99": round(float(np.percentile(values, 99)), 2),
            "max": round(max(values), 2), "n": len(values)}  # fmt: skip


def _node_event(watcher: Watcher, node: str, name: str, ident: str, timeout: float = 30) -> Any:
    return watcher.wait_for(
        lambda t, b: t == f"pager/event/{node}" and b.get("event") == name
        and b.get("id") == ident, timeout,
    )  # fmt: skip


def sync_skew(directory: Path, calls: int) -> dict[str, Any]:
    """Two racks, one call for both `calls` times: the skew of their first samples, and
    how far after the agreed time each card played it (the card's own buffer, which
    PortAudio cannot see on this virtual card, is in that figure)."""
    zones = {"hall": {"node": "hall", "channels": [1, 2]},
             "market": {"node": "market", "channels": [1, 2]}}  # fmt: skip
    counters = {"5": {"zones": ["hall", "market"]}}
    skews, offsets, late, unsynchronized = [], [], [], 0
    with Mosquitto(directory) as broker, ExitStack() as stack:
        watcher = Watcher(broker.port, "pager/#")
        stack.callback(watcher.close)
        site = site_config(directory / "site.yaml", broker.port, zones, counters,
                           security=UNLIMITED)  # fmt: skip
        audio = {"latency": "low", "blocksize": 256}
        nodes = [Node(n, site, directory / n, stack, audio=audio) for n in ("hall", "market")]
        for node in nodes:
            watcher.status(node.name, "online")
            node.card.wait_for_frames(node.card.frames + 48000)  # running steadily
        for n in range(calls):
            marks = [node.card.frames for node in nodes]
            ident = f"s{n}"
            watcher.publish("pager/call/5", json.dumps({"ticket": f"A{n + 1}", "id": ident}))
            started = [_node_event(watcher, node.name, "started", ident) for node in nodes]
            first = [n.card.wait_for_sound(m) for n, m in zip(nodes, marks, strict=True)]
            dac = [node.card.dac_time(f) for node, f in zip(nodes, first, strict=True)]
            skews.append(abs(dac[0] - dac[1]) * 1000)
            wall = time.time() - time.monotonic()
            if all("sync_at" in s for s in started):
                offsets += [(d + wall - s["sync_at"]) * 1000
                            for d, s in zip(dac, started, strict=True)]  # fmt: skip
                late += [s["late_ms"] for s in started]
            else:
                unsynchronized += 1  # a rack started after the agreed time (its zone was busy)
            watcher.publish("pager/cancel", json.dumps({"id": ident}))
            for node in nodes:
                _node_event(watcher, node.name, "cancelled", ident)
                node.card.wait_for_frames(node.card.frames + 4800)  # the fade has played
    return {
        "calls": calls,
        "skew_ms": _percentiles(skews),
        "after_agreed_ms": _percentiles(offsets),
        "late_reported_ms": _percentiles(late),
        "unsynchronized": unsynchronized,
        "delay_ms": 150,
    }


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def site_load(directory: Path, *, nodes_count: int, counters_count: int, seconds: float,
              calls_per_s: float, probes: int) -> dict[str, Any]:  # fmt: skip
    """`nodes_count` racks of 4 zones each, `counters_count` counters each heard on one to
    three racks, calling at `calls_per_s` in all for `seconds`; meanwhile `probes` calls to
    a zone of two racks that no counter uses (so they never queue behind the rush) measure
    the first sound. Messages through the broker are what a client subscribed to `#` saw."""
    names = [f"rack{i + 1}" for i in range(nodes_count)]
    zones = {f"{n}-z{z}": {"node": n, "channels": [2 * z - 1, 2 * z]}
             for n in names for z in (1, 2, 3, 4)}  # fmt: skip
    rng = random.Random(15)
    counters = {}
    for c in range(1, counters_count + 1):
        racks = rng.sample(names, min(len(names), rng.choice((1, 1, 2, 3))))
        counters[str(c)] = {"zones": [f"{r}-z{rng.randint(1, 3)}" for r in racks]}
    counters["probe"] = {"zones": [f"{names[0]}-z4", f"{names[1]}-z4"]}
    with Mosquitto(directory) as broker, ExitStack() as stack:
        everything = Watcher(broker.port, "#")
        stack.callback(everything.close)
        site = site_config(directory / "site.yaml", broker.port, zones, counters,
                           security=UNLIMITED, scheduling={"max_age_s": 30})  # fmt: skip
        nodes = [Node(n, site, directory / n, stack, audio={"latency": "low"}) for n in names]
        for node in nodes:
            everything.status(node.name, "online", timeout=60)
        cpu_before = {n.name: _cpu_s(n.daemon.process.pid) for n in nodes}
        seen_before, began = _seen(everything), time.monotonic()
        probe_every = seconds / probes
        next_probe, sent, first_ms = began + probe_every / 2, 0, list[float]()
        while time.monotonic() - began < seconds:
            counter = str(rng.randint(1, counters_count))
            everything.publish(
                f"pager/call/{counter}",
                json.dumps({"ticket": f"A{sent % 999 + 1}", "id": f"c{sent}"}),
            )
            sent += 1
            if time.monotonic() >= next_probe:
                first_ms.append(_probe(everything, nodes[:2], len(first_ms)))
                next_probe += probe_every
            time.sleep(rng.expovariate(calls_per_s))
        elapsed = time.monotonic() - began
        messages = _seen(everything) - seen_before
        cpu = {n.name: (_cpu_s(n.daemon.process.pid) - cpu_before[n.name]) / elapsed
               for n in nodes}  # fmt: skip
        statuses = [_status(everything, node.name) for node in nodes]
    return {
        "nodes": nodes_count, "counters": counters_count, "seconds": round(elapsed, 1),
        "calls_sent": sent, "calls_per_s": round(sent / elapsed, 2),
        "broker_messages_per_s": round(messages / elapsed, 1),
        "cpu_per_node_percent": {k: round(v * 100, 1) for k, v in cpu.items()},
        "cpu_mean_percent": round(statistics.fmean(cpu.values()) * 100, 1),
        "probe_first_sound_ms": _percentiles(first_ms),
        "xruns": sum(int(s.get("xruns", 0)) for s in statuses),
    }  # fmt: skip


def _seen(watcher: Watcher) -> int:
    """Messages the watcher has received so far (looked at or not)."""
    return len(watcher.seen) + watcher.messages.qsize()


def _status(watcher: Watcher, node: str) -> Any:
    return watcher.wait_for(lambda t, b: t == f"pager/status/{node}" and "xruns" in b)


def _probe(watcher: Watcher, nodes: list[Node], n: int) -> float:
    """A call for two racks' quiet zones: from its publication to the later first sample
    (the agreed start included: sync.delay_ms)."""
    marks = [node.card.frames for node in nodes]
    ident = f"probe{n}"
    sent = time.monotonic()
    watcher.publish("pager/call/probe", json.dumps({"ticket": f"P{n + 1}", "id": ident}))
    quiet_zone = slice(6, 8)  # outputs 7 and 8: z4 of each rack, the probes' alone
    heard = [node.card.time_of_frame(node.card.wait_for_sound(mark, channels=quiet_zone))
             for node, mark in zip(nodes, marks, strict=True)]  # fmt: skip
    watcher.publish("pager/cancel", json.dumps({"id": ident}))
    return (max(heard) - sent) * 1000


def takeover(directory: Path) -> tuple[float, float]:
    """An active and a standby daemon for one rack; `kill -9` of the active while a call
    plays: (seconds to the standby's lock, seconds to its first sample of that call)."""
    zones = {"hall": {"node": "hall", "channels": [1, 2]}}
    with Mosquitto(directory) as broker, ExitStack() as stack:
        watcher = Watcher(broker.port, ("pager/event/#", "pager/status/#", "pager/lock/#",
                                        "pager/standby/#"))  # fmt: skip
        stack.callback(watcher.close)
        active, standby, first = standby_pair(directory, broker.port, zones, watcher, stack)
        # Past its start-up grace (START_GRACE_S), as a standby on duty is.
        standby.card.wait_for_frames(standby.card.frames + 3 * 48000)
        watcher.publish("pager/call/5", json.dumps({"ticket": "A1", "id": "cut"}))
        watcher.event("started", "cut")
        before, killed = standby.card.frames, time.monotonic()
        active.daemon.process.kill()
        active.stopped = True
        watcher.wait_for(lambda t, b: t == "pager/lock/hall" and isinstance(b, dict)
                         and b["holder"] != first["holder"], past=False)  # fmt: skip
        lock_s = time.monotonic() - killed
        sound_s = standby.card.time_of_frame(standby.card.wait_for_sound(before)) - killed
    return lock_s, sound_s


def measure(directory: Path, smoke: bool) -> dict[str, Any]:
    (directory / "sync").mkdir()
    (directory / "load").mkdir()
    taken = []
    for run in range(1 if smoke else 5):
        (directory / f"takeover{run}").mkdir()
        taken.append(takeover(directory / f"takeover{run}"))
    skew = sync_skew(directory / "sync", 5 if smoke else 100)
    size = ({"nodes_count": 2, "counters_count": 20, "seconds": 5, "calls_per_s": 2, "probes": 2}
            if smoke else {"nodes_count": 5, "counters_count": 200, "seconds": 120,
                           "calls_per_s": 4, "probes": 30})  # fmt: skip
    load = site_load(directory / "load", **size)
    return {"sync": skew, "load": load, "takeover": {
        "runs": len(taken), "lock_s": _percentiles([t[0] for t in taken]),
        "sound_s": _percentiles([t[1] for t in taken])}}  # fmt: skip
