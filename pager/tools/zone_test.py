"""`pager test-zone`: the technician's walk, zone by zone, through the running daemon.

The command asks the daemon on `{prefix}/test` (the daemon keeps owning the card) for one
test at a time, follows its test-queued / test-started / test-finished events, then pauses
long enough to walk to the next zone. Ctrl-C stops the walk and the test that plays: the
signal only sets a flag that the walk looks at between short waits (a KeyboardInterrupt
raised anywhere, inside the MQTT client's locks too, could leave it hanging).
"""

from __future__ import annotations

import argparse
import itertools
import json
import queue
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from pager import config
from pager.config.model import Config
from pager.errors import BrokerError, UsageError
from pager.tools.connect import Session, add_login_options
from pager.zones import Routing, UnknownZone

ANSWER_TIMEOUT_S = 10.0
HEARD_TIMEOUT_S = 5.0  # what the inputs heard comes about a second after the test ends
LOOK_S = 0.2  # how often a wait looks whether Ctrl-C was pressed


class Stopped(Exception):
    """Ctrl-C: the walk ends."""


@dataclass(frozen=True)
class Target:
    """One stop of the walk: a zone, or one output."""

    zone: str | None = None
    channel: int | None = None
    node: str | None = None  # the rack whose output `channel` is, on a site of several

    @property
    def label(self) -> str:
        rack = f" of {self.node}" if self.node else ""
        return self.zone if self.zone is not None else f"output {self.channel}{rack}"

    def payload(self, test_id: str, tone: bool) -> str:
        where: dict[str, object] = (
            {"zone": self.zone} if self.zone is not None else {"channel": self.channel}
        )
        if self.node is not None:
            where["node"] = self.node
        return json.dumps({"id": test_id, **where, "tone": tone})


def targets(cfg: Config, name: str | None, channel: int | None) -> list[Target]:
    """The walk's stops: one output, or the zones of a zone, a group or `all`."""
    if channel is not None:
        if not 1 <= channel <= cfg.audio.channels:
            raise UsageError(f"--channel {channel}: the interface has outputs 1 to "
                             f"{cfg.audio.channels} (audio.channels)")  # fmt: skip
        if len(cfg.nodes) <= 1:
            return [Target(channel=channel)]
        if cfg.node not in cfg.nodes:
            raise UsageError(f"--channel {channel}: of which rack? give --node NAME "
                             f"({', '.join(cfg.nodes)})")  # fmt: skip
        return [Target(channel=channel, node=cfg.node)]
    if name is None:
        raise UsageError("name a zone, a group or all, or give --channel N")
    if name == "all":
        return [Target(zone=zone) for zone in cfg.zones]
    try:
        return [Target(zone=zone) for zone in Routing.of(cfg).expand((name,))]
    except UnknownZone as error:
        raise UsageError(str(error)) from None


def check_listened(cfg: Config, stops: list[Target]) -> None:
    """`--listen` needs zones with an input listening to them."""

    def listened(target: Target) -> bool:
        zone = cfg.zones.get(target.zone) if target.zone is not None else None
        return zone is not None and (zone.line_sense or zone.noise_sensor) is not None

    deaf = [target.label for target in stops if not listened(target)]
    if deaf:
        raise UsageError(f"--listen: no input listens to {', '.join(deaf)} (give the zone a "
                         "line_sense or a noise_sensor, on audio.inputs)")  # fmt: skip


def _events_of(
    session: Session, test_id: str, timeout: float | None, stop: threading.Event
) -> Iterator[dict[str, object]]:
    """The events about this test, as they come (BrokerError if none comes in `timeout`;
    Stopped on Ctrl-C)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        if stop.is_set():
            raise Stopped
        try:
            message = session.messages.get(timeout=LOOK_S)
        except queue.Empty:
            if deadline is not None and time.monotonic() >= deadline:
                raise BrokerError(
                    f"no pager answered the test on {session.config.mqtt.topic_prefix}/test: "
                    "is the daemon running? (pager status)"
                ) from None
            continue
        try:
            body = json.loads(message.payload)
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(body, dict) and body.get("id") == test_id:
            deadline = None  # it is answered: it may wait for calls as long as they last
            yield body


def run_one(session: Session, target: Target, tone: bool, stop: threading.Event,
            listen: bool = False) -> bool:  # fmt: skip
    """Ask for one test and follow it to its end; whether it played to the end (and, when
    `listen`, was heard back on every input listening to its zone). Stopped on Ctrl-C."""
    test_id = f"walk-{uuid.uuid4().hex[:10]}"
    session.publish(f"{session.config.mqtt.topic_prefix}/test", target.payload(test_id, tone))
    for event in _events_of(session, test_id, ANSWER_TIMEOUT_S, stop):
        name = event.get("event")
        if name == "rejected":
            raise UsageError(f"the daemon refused the test: {event.get('reason')}")
        if name == "test-queued":
            print(f"{target.label}: waiting for the calls playing there", flush=True)
        elif name == "test-started":
            said = event.get("text") or "a 1 kHz tone"
            print(f"{target.label}: playing: {said}", flush=True)
        elif name == "test-finished":
            if not event.get("completed"):
                print(f"{target.label}: cut short: {event.get('reason')}", flush=True)
                return False
            print(f"{target.label}: done", flush=True)
            return not listen or heard_back(session, target, test_id, stop)
    return False  # pragma: no cover - the events never end


def heard_back(session: Session, target: Target, test_id: str, stop: threading.Event) -> bool:
    """Wait for what the zone's inputs heard of the test (`test-heard`), and say it: whether
    every input heard it."""
    try:
        for event in _events_of(session, test_id, HEARD_TIMEOUT_S, stop):
            if event.get("event") == "test-heard":
                return _say_heard(target.label, event)
    except BrokerError:
        pass
    print(f"{target.label}: nothing came back from its inputs within {HEARD_TIMEOUT_S:g} s "
          "(are audio.inputs open?)", flush=True)  # fmt: skip
    return False


def _say_heard(label: str, event: dict[str, object]) -> bool:
    heard = event.get("inputs")
    if not isinstance(heard, list) or not heard:
        print(f"{label}: too short to compare with what came back: test it with speech",
              flush=True)  # fmt: skip
        return False
    every = True
    for each in heard:
        what = "line sense" if each.get("purpose") == "line_sense" else "noise sensor"
        where = f"{label}: input {each.get('input')} ({what})"
        if not each.get("heard"):
            every = False
            print(f"{where}: NOT heard back (correlation {each.get('correlation')}, level "
                  f"{each.get('level_db')} dBFS)", flush=True)  # fmt: skip
            continue
        print(f"{where}: heard back {each.get('delay_ms')} ms later at {each.get('gain_db')} dB "
              f"from the output ({each.get('level_db')} dBFS, correlation "
              f"{each.get('correlation')})", flush=True)  # fmt: skip
        if each.get("purpose") == "noise_sensor":
            print(f"{label}: measured reference_db {each.get('gain_db')}: put it in "
                  f"zones.{label}.noise_sensor.reference_db", flush=True)  # fmt: skip
    return every


def cmd_test_zone(args: argparse.Namespace) -> int:
    cfg = config.load(args.config, args.node)
    stops = targets(cfg, args.target, args.channel)
    if args.listen:
        check_listened(cfg, stops)
    session = Session(cfg, args, "test")
    completed = True
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
    try:
        session.subscribe(f"{cfg.mqtt.topic_prefix}/event/+")
        for turn in itertools.count():
            for index, target in enumerate(stops):
                if (turn or index) and args.pause:
                    print(f"next: {target.label} in {args.pause:g} s", flush=True)
                    if stop.wait(args.pause):
                        raise Stopped
                completed = run_one(session, target, args.tone, stop, args.listen) and completed
            if not args.cycle:
                break
    except Stopped:
        session.publish(f"{cfg.mqtt.topic_prefix}/test", json.dumps({"stop": True}))
        print("stopped", flush=True)
    finally:
        session.close()
    return 0 if completed else 1


def declare(walk: argparse.ArgumentParser) -> None:
    """The options of `pager test-zone`."""
    walk.add_argument("target", nargs="?", help="a zone, a group, or all")
    walk.add_argument("--channel", type=int, help="test one output of the interface instead")
    walk.add_argument("--tone", action="store_true", help="a 1 kHz tone instead of speech")
    walk.add_argument("--cycle", action="store_true", help="start again after the last zone")
    walk.add_argument(
        "--listen",
        action="store_true",
        help="report whether the zone's line sense input and noise sensor heard "
        "the test, how loud and how late (the noise sensor's reference_db)",
    )
    walk.add_argument("--pause", type=float, default=20.0,
                      help="seconds between zones, to walk (default 20)")  # fmt: skip
    add_login_options(walk)
    walk.set_defaults(func=cmd_test_zone)
