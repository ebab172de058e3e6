"""The runtime carries the controller's effects out on real parts and reports their failures.

No broker and no sound card: the MQTT link's outputs are collected, the journal is the real
SQLite file and the speech worker the real one.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pytest

from pager import config, memory
from pager.audio.sinks import Health, Report, Source
from pager.config.zoning import Zone
from pager.core import inputs
from pager.daemon import soundkit
from pager.daemon.runtime import Runtime
from pager.values.messages import Inbound, MessageKind
from pager.values.storage import StorageReport
from tests.conftest import EXAMPLE_CONFIG


class QuietSink:
    """A sink that is never started: the test renders blocks itself."""

    description = "nothing"

    def __init__(self) -> None:
        self.report: Report = lambda fact: None

    def start(self, source: Source) -> None:
        pass

    def stop(self) -> None:
        pass

    def health(self) -> Health:
        return Health()

    def set_zones(self, zones: Mapping[str, Zone]) -> None:
        pass

    def frame_at(self, when: float) -> int | None:
        return None


class Published(list[dict[str, object]]):
    def names(self) -> list[tuple[object, object]]:
        return [(e["event"], e.get("id")) for e in self]


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[tuple[Runtime, Published]]:
    cfg = dataclasses.replace(config.load(EXAMPLE_CONFIG), state_dir=str(tmp_path), schedule=())
    rt = Runtime(cfg, QuietSink())
    published = Published()
    rt.link.publish_event = lambda body: published.append(dict(body))  # type: ignore[assignment,method-assign]
    rt.link.publish_status = lambda details: None  # type: ignore[method-assign]
    rt.kit = soundkit.build(cfg)
    yield rt, published
    rt.kit.synthesizer.close()
    rt.journal.close()


def call(counter: str, ticket: str, ident: str) -> Inbound:
    body = json.dumps({"ticket": ticket, "id": ident}).encode()
    return Inbound(f"pager/call/{counter}", MessageKind.CALL, counter, body, time.time())


def idle(rt: Runtime) -> bool:
    return rt.mixer.idle


def reports(rt: Runtime) -> None:
    """Hand the controller what the stores reported on the control queue."""
    while not rt.control.empty():
        item = rt.control.get()
        if isinstance(item, StorageReport):
            rt._step(item)


def test_a_call_the_journal_cannot_write_is_announced_at_most_once_and_the_disk_reported(
    runtime: tuple[Runtime, Published],
) -> None:
    rt, published = runtime
    assert rt.journal._db is not None
    rt.journal._db.execute("PRAGMA query_only = ON")  # the next write fails, as on a full disk
    rt._step(call("5", "A1", "unjournaled"))
    reports(rt)
    assert published.names() == [("queued", "unjournaled"), ("storage-failed", None)]
    failed = published[1]
    assert failed["store"] == "journal" and failed["path"] == str(rt.journal.path)
    assert "readonly" in str(failed["reason"])
    playing = {"tenant-hall": "5/unjournaled", "food-court": "5/unjournaled"}
    assert rt.controller.scheduler.playing() == playing
    assert not idle(rt)  # it is announced all the same
    assert rt.controller._storage.shown()["storage"] == "failed"

    rt._step(call("5", "A2", "kept"))  # the disk works again: the next call is journaled
    reports(rt)
    assert published.names()[-2:] == [("queued", "kept"), ("storage-restored", None)]
    assert published[-1]["store"] == "journal" and published[-1]["lost"] == 0
    assert [m.journaled for m in rt.journal.pending()] == ["5/kept"]
    assert rt.controller._storage.shown() == {"storage": "ok", "storage_failing": []}


def test_a_message_the_journal_cannot_store_is_answered_failed_and_holds_no_zone(
    runtime: tuple[Runtime, Published],
) -> None:
    rt, published = runtime
    message = dataclasses.replace(call("5", "A1", "odd"), topic="pager/call/\ud800")
    rt._step(message)
    assert published.names() == [("failed", "odd")]
    assert "cannot keep the call in the journal" in str(published[0]["reason"])
    assert rt.controller.scheduler.playing() == {} and idle(rt)
    assert rt.journal.pending() == [] and not rt.journal.watch.failing


def test_a_call_the_speech_worker_refuses_is_answered_failed_and_holds_no_zone(
    runtime: tuple[Runtime, Published],
) -> None:
    rt, published = runtime
    assert rt.kit is not None
    synthesizer = rt.kit.synthesizer
    synthesizer.close()  # the worker is gone: every submit raises
    rt._step(call("5", "A1", "unspoken"))
    names = published.names()
    assert names[:2] == [("queued", "unspoken"), ("failed", "unspoken")], names
    assert "the speech worker is closed" in str(published[1]["reason"])
    assert rt.controller.scheduler.playing() == {}
    assert rt.journal.pending() == []
    out = np.zeros((512, 8), dtype=np.float32)
    rt.mixer.render(out)
    assert not np.any(out), "a player still sounds for a call that failed"


def test_the_callbacks_health_reaches_the_controller_and_its_first_error_the_log(
    runtime: tuple[Runtime, Published], caplog: pytest.LogCaptureFixture
) -> None:
    rt, _ = runtime
    try:
        raise ValueError("a bug in the mix")
    except ValueError as error:
        failed = Health(xruns=3, callback_errors=1, first_error=error)
    rt.sink.health = lambda: failed  # type: ignore[method-assign]
    stop = threading.Event()
    monitor = threading.Thread(target=rt.monitor.run, args=(stop,))
    monitor.start()
    try:
        report = rt.control.get(timeout=10)
    finally:
        stop.set()
        monitor.join()
    assert report == inputs.AudioHealth(3, 1, "ValueError: a bug in the mix")
    logged = [r for r in caplog.records if "the audio callback failed" in r.getMessage()]
    assert logged and logged[0].exc_info is not None and logged[0].exc_info[1] is failed.first_error


def test_free_heap_memory_is_given_back_once_after_something_played(
    runtime: tuple[Runtime, Published], monkeypatch: pytest.MonkeyPatch
) -> None:
    rt, _ = runtime
    trims: list[bool] = []

    def trim() -> bool:
        trims.append(True)
        return True

    monkeypatch.setattr(memory, "give_back_free_memory", trim)
    quiet = memory.QUIET_BEFORE_TRIM_S
    rt._give_back_memory(100.0)
    rt._give_back_memory(100.0 + quiet)
    assert trims == []  # nothing played since the start: nothing owed
    rt._step(call("5", "A1", "played"))
    assert not rt.plays.idle()
    rt._give_back_memory(200.0)
    assert trims == []  # never while something plays
    rt.plays.reset()
    rt._give_back_memory(300.0)
    rt._give_back_memory(300.0 + quiet / 2)
    assert trims == []  # a gap between calls, not yet quiet
    rt._give_back_memory(300.0 + quiet)
    rt._give_back_memory(400.0)
    assert trims == [True]  # once it has been quiet a while, and once only
