"""Several racks, one site, end to end: two daemons (nodes), each with its own virtual card,
on one real broker, reading one site config."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.broker import Mosquitto, Watcher
from tests.conftest import DaemonProcess, write_config
from tests.virtual_card import VirtualCard

SITE_ZONES = {
    "hall-front": {"node": "hall", "channels": [1, 2]},
    "hall-back": {"node": "hall", "channels": [3]},
    "market": {"node": "market", "channels": [1, 2]},  # the same outputs, on another rack
}
SITE_COUNTERS = {"5": {"zones": ["hall-front", "market"]}, "3": {"zones": ["hall-back"]},
                 "9": {"zones": ["market"]}}  # fmt: skip


def site_config(path: Path, port: int, **overrides: Any) -> Path:
    """The one site config; each node's copy differs only in its state directory (two
    daemons on one test machine must not share a call journal)."""
    write_config(
        path, replace=("zones", "groups", "counters"), zones=SITE_ZONES, groups={},
        counters=SITE_COUNTERS, default_zones=["hall-front"], mqtt={"port": port}, **overrides,
    )  # fmt: skip
    document = yaml.safe_load(path.read_text())
    del document["node"]  # each node is told which it is: pager run --node NAME
    path.write_text(yaml.safe_dump(document))
    return path


class Node:
    """One rack: its card and its daemon."""

    def __init__(self, name: str, tmp_path: Path, port: int, stack: ExitStack, **cfg: Any) -> None:
        self.name = name
        folder = tmp_path / name
        folder.mkdir()
        self.card = stack.enter_context(VirtualCard(folder / "card"))
        config = site_config(folder / "site.yaml", port, audio={"device": self.card.name}, **cfg)
        document = yaml.safe_load(config.read_text())
        document["state_dir"] = str(folder / "state")
        config.write_text(yaml.safe_dump(document))
        self.daemon = DaemonProcess(["run", "-c", str(config), "--node", name], self.card.env(),
                                    folder / "daemon.log")  # fmt: skip
        stack.callback(self.stop)

    def stop(self) -> None:
        assert self.daemon.stop() == 0, self.daemon.log


@pytest.fixture
def site(tmp_path: Path, broker: Mosquitto, watcher: Watcher) -> Iterator[dict[str, Node]]:
    with ExitStack() as stack:
        nodes = {n: Node(n, tmp_path, broker.port, stack) for n in ("hall", "market")}
        for name in nodes:
            watcher.status(name, "online")
        yield nodes


def node_event(watcher: Watcher, node: str, name: str, call_id: str, timeout: float = 20) -> Any:
    return watcher.wait_for(
        lambda t, b: t == f"pager/event/{node}" and b.get("event") == name
        and b.get("id") == call_id, timeout,
    )  # fmt: skip


def test_each_node_plays_its_own_zones_and_a_call_for_both_starts_together(
    site: dict[str, Node], watcher: Watcher
) -> None:
    hall, market = site["hall"], site["market"]
    marks = {name: node.card.frames for name, node in site.items()}
    watcher.publish("pager/call/5", json.dumps({"ticket": "A1", "id": "both"}))
    started = {n: node_event(watcher, n, "started", "both") for n in site}
    for n in site:
        node_event(watcher, n, "finished", "both", timeout=30)
    offers = [b for t, b in watcher.seen if t == "pager/sync"]
    assert [o["node"] for o in offers] == ["hall"]  # the first node names the time
    assert started["hall"]["zones"] == ["hall-front"] and started["market"]["zones"] == ["market"]
    assert started["hall"]["sync_at"] == started["market"]["sync_at"] == offers[0]["at"]
    first = {n: node.card.wait_for_sound(marks[n]) for n, node in site.items()}
    # Outputs 1 and 2 on both racks (hall-front, market), never 3 (hall-back).
    for n, node in site.items():
        heard = node.card.segment(first[n], first[n] + 48000)
        assert [bool(abs(heard[:, c]).max() > 0) for c in range(4)] == [True, True, False, False]
    skew_ms = abs(hall.card.dac_time(first["hall"]) - market.card.dac_time(first["market"])) * 1000
    assert skew_ms < 10, f"first samples {skew_ms:.1f} ms apart"


def test_a_call_for_one_rack_is_played_by_it_alone_and_the_other_stays_silent(
    site: dict[str, Node], watcher: Watcher
) -> None:
    watcher.publish("pager/call/3", json.dumps({"ticket": "B2", "id": "hall-only"}))
    watcher.publish("pager/call/9", json.dumps({"ticket": "C3", "id": "market-only"}))
    hall = node_event(watcher, "hall", "finished", "hall-only", timeout=30)
    market = node_event(watcher, "market", "finished", "market-only", timeout=30)
    assert hall["zones"] == ["hall-back"] and market["zones"] == ["market"]
    by_node = {(t.rsplit("/", 1)[-1], b["id"]) for t, b in watcher.seen
               if t.startswith("pager/event/") and b.get("id")}  # fmt: skip
    assert ("market", "hall-only") not in by_node and ("hall", "market-only") not in by_node
    assert not [b for t, b in watcher.seen if t == "pager/sync"]  # one rack: no time to agree
    time.sleep(0)  # (nothing to wait for: the events above are the end of both)
