"""One site config for several racks: what each node drives, who names a start time, and
which output frame plays at a given time. Pure logic, no broker, no card."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from typing import Any

import numpy as np
import pytest
import yaml
from rich.console import Console

from pager import config
from pager.audio.timing import DacClock
from pager.core import inputs
from pager.core.effects import (
    Ack,
    Effect,
    JournalAdd,
    Publish,
    PublishStatus,
    PublishSync,
    Retime,
    StartPlay,
)
from pager.core.standby import Ledger
from pager.core.sync import Offer, message_key
from pager.errors import ConfigError, UsageError
from pager.tools import zone_test
from pager.tools.board import Board
from pager.values.messages import Inbound, MessageKind
from pager.zones import Routing
from tests.conftest import ROOT, pager_command
from tests.desk import Desk, call

SITE = ROOT / "config" / "site.yaml"


def site(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SITE.read_text())
    document.update(changes)
    return document


def test_each_node_sees_its_own_zones_and_knows_the_others() -> None:
    hall = config.parse(site(), node="hall")
    market = config.parse(site(), node="market")
    assert list(hall.zones) == ["tenant-hall", "waiting-area", "food-court"]
    assert list(market.zones) == ["market-east", "market-west"]
    assert market.zones["market-east"].channels == hall.zones["tenant-hall"].channels == (1, 2)
    assert hall.site["trade-first"] == "trade" and hall.nodes == ("hall", "market", "trade")
    # Counter 1 goes to the MPP and the market: each rack plays its part.
    assert Routing.of(hall).route("1").zones == ("tenant-hall", "waiting-area")
    assert Routing.of(market).route("1").zones == ("market-east", "market-west")


def test_a_site_config_names_its_mistakes_with_their_paths() -> None:
    zones = site()["zones"]
    clash = {**zones, "market-extra": {"node": "market", "channels": [2]}}
    half = {**zones, "loose": {"channels": [5]}}
    with pytest.raises(ConfigError) as error:
        config.parse(site(zones=clash), node="market")
    assert "zones.market-extra.channels[0]: channel 2 on node market already belongs to zone " \
           "market-east" in str(error.value)  # fmt: skip
    with pytest.raises(ConfigError) as error:
        config.parse(site(zones=half), node="hall")
    assert "zones.loose.node: is missing: the other zones name the node" in str(error.value)
    with pytest.raises(ConfigError) as error:
        config.parse(site(), node="markt")
    assert 'node: markt drives no zone of this site; its nodes are hall, market, trade (did ' \
           'you mean "market"?): start pager with --node NAME' in str(error.value)  # fmt: skip


def test_a_tool_on_another_pc_sees_the_whole_site_and_pager_run_refuses_it() -> None:
    seen = config.parse(site(), node=None)  # this host's name is no node of the site
    assert len(seen.zones) == 7
    with pytest.raises(ConfigError, match="start pager with --node NAME"):
        config.parse(site(), strict=True)


def test_pager_check_node_shows_what_that_node_drives() -> None:
    out = subprocess.run([*pager_command(), "check", "-c", str(SITE), "--node", "market"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "OK: node market, 2 zones" in out
    assert "a site of 3 nodes: hall, market, trade" in out
    assert "  zone market-east: node market, outputs 1, 2" in out
    assert "  counter 1: market-east, market-west" in out
    assert "counter 4:" not in out  # the MPP and the trade centre: not this rack's
    assert "tenant-hall" not in out


def inbound(topic: str, body: str, kind: MessageKind, counter: str | None = None) -> Inbound:
    return Inbound(topic, kind, counter, body.encode(), 0)


def test_the_first_node_names_the_time_and_the_others_take_it() -> None:
    hall, market = (
        Desk(config.parse(site(), node="hall")),
        Desk(config.parse(site(), node="market")),
    )
    hall.now = market.now = 1000.0
    message = call("1", "A1", "x")
    offers = [e for e in hall.take(message) if isinstance(e, PublishSync)]
    assert [o.body["at"] for o in offers] == [1000.15]  # its arrival + sync.delay_ms
    [start] = [e for e in hall.effects if isinstance(e, StartPlay)]
    assert start.at == 1000.15
    market.now = 1000.004  # it got the call 4 ms later: until told, it counts on its own
    assert not [e for e in market.take(message) if isinstance(e, PublishSync)]
    [waiting] = [e for e in market.effects if isinstance(e, StartPlay)]
    assert waiting.at == pytest.approx(1000.154)
    offer = Offer(**{k: v for k, v in offers[0].body.items()})  # type: ignore[arg-type]
    sync = inbound("pager/sync", offer_json(offer), MessageKind.SYNC)
    assert retimes(market.feed(sync)) == [Retime(waiting.play, 1000.15)]
    started = market.feed(inputs.PlayStarted(waiting.play, late_ms=0.2))
    [event] = [e.body for e in started if isinstance(e, Publish)]
    assert (event["event"], event["sync_at"], event["late_ms"]) == ("started", 1000.15, 0.2)


def offer_json(offer: Offer) -> str:
    return json.dumps(offer.body())


def retimes(effects: list[Effect]) -> list[Retime]:
    return [e for e in effects if isinstance(e, Retime)]


def test_an_offer_before_the_call_itself_is_kept_and_a_call_of_one_rack_has_no_time() -> None:
    market = Desk(config.parse(site(), node="market"))
    message = call("1", "A1", "x")
    early = Offer(message_key(message), 1000.2, "hall")
    assert not retimes(market.feed(inbound("pager/sync", offer_json(early), MessageKind.SYNC)))
    market.take(message)
    [start] = [e for e in market.effects if isinstance(e, StartPlay)]
    assert start.at == 1000.2
    hall = Desk(config.parse(site(), node="hall"))
    effects = hall.take(call("3", "B1", "y"))  # the MPP only: the hall's rack alone
    assert not [e for e in effects if isinstance(e, PublishSync)]
    [alone] = [e for e in hall.effects if isinstance(e, StartPlay)]
    assert alone.at is None


def test_a_node_ignores_calls_for_other_racks_and_only_the_first_reports_a_mistake() -> None:
    trade = Desk(config.parse(site(), node="trade"))
    message = call("3", "B1", "y")
    effects = trade.take(message)
    assert [type(e) for e in effects if not isinstance(e, PublishStatus)] == [Ack]
    bad = Inbound("pager/call/1", MessageKind.CALL, "1", b'{"ticket": ""}', 0)
    rejected = {}
    for node in ("hall", "market", "trade"):
        desk = Desk(config.parse(site(), node=node))
        rejected[node] = [e.body["event"] for e in desk.take(bad) if isinstance(e, Publish)]
    assert rejected == {"hall": ["rejected"], "market": [], "trade": []}


def test_the_dac_clock_takes_the_earliest_block_time_and_ignores_late_callbacks() -> None:
    clock = DacClock(48000)
    rng = np.random.default_rng(1)
    origin = 500.0  # stream time of frame 0
    for block in range(400):
        frame = block * 256
        late = rng.uniform(0, 0.004) if block % 7 else 0.0  # callbacks run late, never early
        clock.note(frame, origin + frame / 48000 + late)
    # The stream clock reads 510.0 when the Unix time is 1_700_000_000.0.
    played = clock.frame_at(1_700_000_000.5, stream_now=510.0, wall_now=1_700_000_000.0)
    assert played == (510.5 - origin) * 48000
    assert DacClock(48000).frame_at(1.0, 1.0, 1.0) is None  # no block yet: cannot tell


def test_a_channel_test_names_its_rack_and_only_that_rack_plays_it() -> None:
    market = config.parse(site(), node="market")
    [stop] = zone_test.targets(market, None, 7)
    assert json.loads(stop.payload("t1", tone=False)) == {
        "id": "t1", "channel": 7, "node": "market", "tone": False}  # fmt: skip
    with pytest.raises(UsageError, match="of which rack"):
        zone_test.targets(config.parse(site()), None, 7)  # a PC that is no node of the site
    test = Inbound("pager/test", MessageKind.TEST, None, stop.payload("t1", False).encode(), 0)
    played = {}
    for node in ("hall", "market"):
        desk = Desk(config.parse(site(), node=node))
        played[node] = [e for e in desk.take(test) if isinstance(e, StartPlay)]
    assert not played["hall"] and len(played["market"]) == 1


def event_body(name: str, ident: str, counter: str | None, ticket: str | None) -> bytes:
    return json.dumps({"event": name, "id": ident, "counter": counter, "ticket": ticket,
                       "text": "x"}).encode()  # fmt: skip


def test_a_standby_holds_what_the_active_has_not_finished_and_releases_it_in_order() -> None:
    hall = Desk(config.parse(site(standby={"nodes": ["hall"]}), node="hall"))
    reception = hall.controller._reception
    ledger = Ledger()
    one, two, loose = call("1", "A1", "one"), call("1", "A2", "two"), call("3", "B7")
    for sent in (one, two, loose, call("4", "C1", "ok")):
        message = dataclasses.replace(sent, received=1.0)
        ledger.hold(message, reception.job(message))
    ledger.settle(event_body("started", "one", "1", "A1"))  # still playing: still held
    ledger.settle(event_body("finished", "ok", "4", "C1"))
    ledger.settle(event_body("finished", "made-up-there", "3", "B7"))  # no id: by its ticket
    assert [m.payload for m in ledger.release()] == [one.payload, two.payload]
    assert len(ledger) == 0


def test_a_node_with_a_standby_plays_nothing_until_it_takes_over() -> None:
    hall = Desk(config.parse(site(standby={"nodes": ["hall"]}), node="hall"))
    held = hall.take(call("3", "B1", "y"))
    assert not [e for e in held if isinstance(e, StartPlay | Publish)]
    taken = hall.feed(inputs.TookOver())
    assert [e.body["event"] for e in taken if isinstance(e, Publish)] == []  # journal first
    [add] = [e for e in taken if isinstance(e, JournalAdd)]
    started = hall.feed(inputs.Journaled(add.job_id))
    assert [e.job_id for e in started if isinstance(e, StartPlay)] == ["3/y"]


def test_pager_status_shows_a_racks_standby_pc_until_it_takes_over() -> None:
    board = Board("pager")
    standing = {"state": "standby", "node": "hall", "audio": "ok", "ts": 1000.0}
    board.take("pager/standby/pager-hall-standby", json.dumps(standing).encode())
    console = Console(width=120, record=True)
    console.print(board.render(now=1000.0))
    assert "hall standby (pager-hall-standby)  ● standing by" in console.export_text()
    board.take("pager/standby/pager-hall-standby", b"")  # it is the node's active one now
    assert board.standbys == {}


def test_a_held_call_with_repeats_ends_after_its_last_play() -> None:
    hall = Desk(config.parse(site(standby={"nodes": ["hall"]}), node="hall"))
    ledger = Ledger()
    twice = call("1", "A1", "twice", repeat=1)
    twice = dataclasses.replace(twice, received=1.0)
    ledger.hold(twice, hall.controller._reception.job(twice))
    first = json.loads(event_body("finished", "twice", "1", "A1"))
    ledger.settle(json.dumps({**first, "play": 1}).encode())
    assert len(ledger) == 1  # its repeat is still to come
    ledger.settle(json.dumps({**first, "play": 2}).encode())
    assert len(ledger) == 0


def test_a_lead_in_longer_than_the_start_delay_is_refused_on_a_site_of_several_racks() -> None:
    with pytest.raises(
        ConfigError,
        match=r"sync.delay_ms: 150 ms leaves no time for the "
        r"amplifier lead-in .* at least audio.lead_in_ms \+ 100 \(400\)",
    ):
        config.parse(site(audio={"channels": 8, "lead_in_ms": 300}), node="hall")
    config.parse(site(audio={"channels": 8, "lead_in_ms": 300}, sync={"delay_ms": 400}),
                 node="hall")  # fmt: skip
