"""Racks of one site on one test machine: each node its own virtual card and daemon, all
reading the same site config (each copy differs only in its state directory: two daemons on
one machine must not share a call journal)."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

import yaml

from tests.broker import Watcher
from tests.conftest import DaemonProcess, write_config
from tests.virtual_card import VirtualCard


def site_config(path: Path, port: int, zones: dict[str, Any], counters: dict[str, Any],
                **overrides: Any) -> Path:  # fmt: skip
    """The example config with the site's zones and counters, and no `node` of its own."""
    write_config(path, replace=("zones", "groups", "counters"), zones=zones, groups={},
                 counters=counters, mqtt={"port": port}, **overrides)  # fmt: skip
    document = yaml.safe_load(path.read_text())
    del document["node"]  # each node is told which it is: pager run --node NAME
    document["default_zones"] = [next(iter(zones))]
    path.write_text(yaml.safe_dump(document))
    return path


class Node:
    """One rack: its card and its daemon, stopped (and checked) when `stack` closes."""

    def __init__(self, name: str, site: Path, folder: Path, stack: ExitStack, *,
                 audio: dict[str, Any] | None = None, standby: bool = False) -> None:  # fmt: skip
        self.name = name
        self.stopped = False  # killed on purpose: no clean exit to check
        folder.mkdir(parents=True, exist_ok=True)
        self.card = stack.enter_context(VirtualCard(folder / "card"))
        document = yaml.safe_load(site.read_text())
        document["state_dir"] = str(folder / "state")
        document["audio"] = {**document["audio"], "device": self.card.name, **(audio or {})}
        own = folder / "site.yaml"
        own.write_text(yaml.safe_dump(document))
        flags = ["--standby"] if standby else []
        self.daemon = DaemonProcess(["run", "-c", str(own), "--node", name, *flags],
                                    self.card.env(), folder / "daemon.log")  # fmt: skip
        stack.callback(self.stop)

    def stop(self) -> None:
        code = self.daemon.stop()
        assert code == 0 or self.stopped, self.daemon.log


def standby_pair(directory: Path, port: int, zones: dict[str, Any], watcher: Watcher,
                 stack: ExitStack) -> tuple[Node, Node, dict[str, Any]]:  # fmt: skip
    """Rack `hall` (which counter 5 calls) with a standby PC: the active daemon, then the
    standby once it stands by, each with its card; and the lock as the active holds it.
    `watcher` hears the status, standby and lock topics."""
    site = site_config(directory / "site.yaml", port, zones, {"5": {"zones": ["hall"]}},
                       standby={"nodes": ["hall"]})  # fmt: skip
    active = Node("hall", site, directory / "active", stack)
    watcher.status("hall", "online")  # it holds the lock: only then is it the node
    standby = Node("hall", site, directory / "standby", stack, standby=True)
    watcher.wait_for(lambda t, b: t == "pager/standby/pager-hall-standby"
                     and b["state"] == "standby")  # fmt: skip
    holder = watcher.wait_for(lambda t, b: t == "pager/lock/hall" and isinstance(b, dict))
    return active, standby, holder
