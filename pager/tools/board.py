"""What `pager status` shows: every node's retained status and the events as they come.

Pure: messages in (`take`), a rich renderable out (`render`).
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

EVENTS_SHOWN = 12


def _clock(ts: object) -> str:
    if not isinstance(ts, int | float):
        return ""
    return time.strftime("%H:%M:%S", time.localtime(float(ts)))


def _call_name(entry: Mapping[str, Any]) -> str:
    ticket, counter = entry.get("ticket"), entry.get("counter")
    if ticket:
        what = f"document {ticket}" if entry.get("kind") == "pickup" else str(ticket)
        return f"{what} (loket {counter})" if counter else what
    return f"message {entry.get('id')}"


class Board:
    """The nodes' statuses by node name, and the last events of all of them."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.nodes: dict[str, dict[str, Any]] = {}
        self.standbys: dict[str, dict[str, Any]] = {}  # standby PCs by client id
        self.events: deque[dict[str, Any]] = deque(maxlen=EVENTS_SHOWN)

    def take(self, topic: str, payload: bytes | bytearray) -> dict[str, Any] | None:
        """Take one message; the event it carried, if it was one."""
        kind, _, node = topic[len(self.prefix) + 1 :].partition("/")
        if kind == "standby" and not payload:
            self.standbys.pop(node, None)  # it became the active one
            return None
        try:
            body = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        if not isinstance(body, dict):
            return None
        if kind == "status" and node:
            self.nodes[node] = body
            return None
        if kind == "standby" and node:
            self.standbys[node] = body
            return None
        if kind == "event":
            self.events.append(body)
            return body
        return None

    def healthy(self) -> bool:
        """Every node online with its audio working."""
        return bool(self.nodes) and all(
            s.get("state") == "online" and s.get("audio", "ok") == "ok" for s in self.nodes.values()
        )

    def render(self, now: float | None = None) -> RenderableType:
        now = time.time() if now is None else now
        if not self.nodes and not self.standbys:
            return Text(f"no pager has published a status on {self.prefix}/status/+", "yellow")
        parts: list[RenderableType] = [
            self._node(name, status, now) for name, status in sorted(self.nodes.items())
        ]
        for client, status in sorted(self.standbys.items()):
            ready = status.get("state") == "standby"
            parts.append(Text.assemble(
                (f"{status.get('node', '?')} standby ", "bold"), f"({client})  ",
                ("● standing by" if ready else "○ offline", "green" if ready else "red"),
                f"  audio {status.get('audio', '?')}  updated {_clock(status.get('ts'))}",
            ))  # fmt: skip
        if self.events:
            parts.append(self._events())
        return Group(*parts)

    def _node(self, name: str, status: Mapping[str, Any], now: float) -> RenderableType:
        online = status.get("state") == "online"
        audio = status.get("audio", "?")
        title = Text.assemble(
            (f"{name}  ", "bold"),
            ("● online" if online else "○ offline", "green" if online else "red"),
            "  audio ", (str(audio), "green" if audio == "ok" else "red"),
            f"  xruns {status.get('xruns', 0)}  callback errors {status.get('callback_errors', 0)}"
            f"  v{status.get('version', '?')}  updated {_clock(status.get('ts'))}",
        )  # fmt: skip
        if not online:
            return Panel(Text(f"offline since {_clock(status.get('ts'))}", "red"), title=title,
                         title_align="left")  # fmt: skip
        recent = status.get("recent") or []
        tickets = {entry.get("id"): _call_name(entry) for entry in recent}
        zones = Table(box=None, pad_edge=False, expand=False)
        for column in ("zone", "waiting", "playing", "next call waits"):
            zones.add_column(column, justify="left" if column in ("zone", "playing") else "right")
        queues: Mapping[str, int] = status.get("queues") or {}
        playing: Mapping[str, str] = status.get("playing") or {}
        waits: Mapping[str, int] = status.get("waits") or {}
        for zone in queues:
            play = playing.get(zone)
            shown = tickets.get(play, str(play)) if play else "-"
            wait = waits.get(zone)
            zones.add_row(zone, str(queues[zone]), shown, "-" if wait is None else f"{wait} s")
        calls = Table(box=None, pad_edge=False, title="last calls", title_justify="left")
        for column in ("time", "call", "what happened", "zones"):
            calls.add_column(column)
        for entry in recent:
            what = str(entry.get("event"))
            style = {"finished": "green", "started": "bold cyan", "queued": ""}.get(what, "yellow")
            calls.add_row(_clock(entry.get("ts")), _call_name(entry), Text(what, style),
                          ", ".join(entry.get("zones") or []))  # fmt: skip
        body: list[RenderableType] = [zones]
        if recent:
            body += [Text(""), calls]
        return Panel(Group(*body), title=title, title_align="left")

    def _events(self) -> RenderableType:
        lines = Table(box=None, pad_edge=False, title="events", title_justify="left")
        for column in ("time", "node", "event", "about"):
            lines.add_column(column)
        for event in self.events:
            about = _call_name(event) if event.get("id") or event.get("ticket") else ""
            reason = event.get("reason")
            lines.add_row(_clock(event.get("ts")), str(event.get("node", "")),
                          str(event.get("event")), f"{about} {reason or ''}".strip())  # fmt: skip
        return lines


def event_line(event: Mapping[str, Any]) -> str:
    """One event as a log line, for `pager status --follow` into a file or a pipe."""
    about = _call_name(event) if event.get("id") or event.get("ticket") else ""
    zones = ", ".join(event.get("zones") or [])
    parts = [_clock(event.get("ts")), str(event.get("node", "")), str(event.get("event")), about]
    if zones:
        parts.append(f"[{zones}]")
    if event.get("reason"):
        parts.append(f"({event['reason']})")
    return " ".join(p for p in parts if p)
