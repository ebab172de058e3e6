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

from pager.translations import N_, Gettext, event_word, translator

EVENTS_SHOWN = 12
ENGLISH = translator("en")


def _clock(ts: object) -> str:
    if not isinstance(ts, int | float):
        return ""
    return time.strftime("%H:%M:%S", time.localtime(float(ts)))


def _call_name(entry: Mapping[str, Any], _: Gettext = ENGLISH) -> str:
    ticket, counter = entry.get("ticket"), entry.get("counter")
    if not ticket:
        return _("message {id}").format(id=entry.get("id"))
    what = str(ticket)
    if entry.get("kind") == "pickup":
        what = _("document {ticket}").format(ticket=ticket)
    if counter:
        return _("{call} (counter {counter})").format(call=what, counter=counter)
    return what


class Board:
    """The nodes' statuses by node name, and the last events of all of them."""

    def __init__(self, prefix: str, language: str = "en", words: Gettext | None = None) -> None:
        self.prefix = prefix
        self.words = self._ = words or translator(language)
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
            s.get("state") == "online"
            and s.get("audio", "ok") == "ok"
            and s.get("storage", "ok") == "ok"
            and s.get("inputs", "off") in ("ok", "off")
            and "fault" not in (s.get("lines") or {}).values()
            for s in self.nodes.values()
        )

    def render(self, now: float | None = None) -> RenderableType:
        _ = self._
        now = time.time() if now is None else now
        if not self.nodes and not self.standbys:
            return Text(_("no pager has published a status on {topic}").format(
                topic=f"{self.prefix}/status/+"), "yellow")  # fmt: skip
        parts: list[RenderableType] = [
            self._node(name, status, now) for name, status in sorted(self.nodes.items())
        ]
        for client, status in sorted(self.standbys.items()):
            ready = status.get("state") == "standby"
            standby = _("{node} standby").format(node=status.get("node", "?"))
            health = _("audio {audio}  updated {time}").format(
                audio=status.get("audio", "?"), time=_clock(status.get("ts")))  # fmt: skip
            parts.append(Text.assemble(
                (f"{standby} ", "bold"), f"({client})  ",
                (_("● standing by") if ready else _("○ offline"), "green" if ready else "red"),
                f"  {health}",
            ))  # fmt: skip
        if self.events:
            parts.append(self._events())
        return Group(*parts)

    def _node(self, name: str, status: Mapping[str, Any], now: float) -> RenderableType:
        _ = self._
        online = status.get("state") == "online"
        audio = status.get("audio", "?")
        disk = status.get("storage", "ok")  # a daemon from before storage was reported
        title = Text.assemble(
            (f"{name}  ", "bold"),
            (_("● online") if online else _("○ offline"), "green" if online else "red"),
            "  " + _("audio") + " ", (str(audio), "green" if audio == "ok" else "red"),
            "  " + _("disk") + " ",
            ("ok", "green") if disk == "ok" else (_("failing"), "red"),
            ("  " + _("clock not set"), "red") if status.get("clock") == "unsynchronized" else "",
            ("  " + _("inputs failing"), "red") if status.get("inputs") == "failed" else "",
            "  " + _("xruns {n}").format(n=status.get("xruns", 0)) + "  "
            + _("callback errors {n}").format(n=status.get("callback_errors", 0))
            + f"  v{status.get('version', '?')}  "
            + _("updated {time}").format(time=_clock(status.get("ts"))),
        )  # fmt: skip
        if not online:
            since = _("offline since {time}").format(time=_clock(status.get("ts")))
            return Panel(Text(since, "red"), title=title,
                         title_align="left")  # fmt: skip
        recent = status.get("recent") or []
        tickets = {entry.get("id"): _call_name(entry, _) for entry in recent}
        zones = self._zones(status, tickets)
        calls = Table(box=None, pad_edge=False, title=_("Last calls"), title_justify="left")
        for column in (N_("time"), N_("call"), N_("what happened"), N_("zones")):
            calls.add_column(_(column))
        for entry in recent:
            what = str(entry.get("event"))
            style = {"finished": "green", "started": "bold cyan", "queued": ""}.get(what, "yellow")
            calls.add_row(_clock(entry.get("ts")), _call_name(entry, _),
                          Text(event_word(what, _), style),
                          ", ".join(entry.get("zones") or []))  # fmt: skip
        body: list[RenderableType] = [zones]
        listening = self._listening(status)
        if listening is not None:
            body += [Text(""), listening]
        failing = status.get("storage_failing") or []
        if failing:
            stores = "; ".join(f"{f.get('store')} {f.get('path')} ({f.get('reason')})"
                               for f in failing)  # fmt: skip
            body.insert(0, Text(_("disk failing: {stores}").format(stores=stores), "red"))
        if recent:
            body += [Text(""), calls]
        return Panel(Group(*body), title=title, title_align="left")

    def _zones(self, status: Mapping[str, Any], tickets: Mapping[object, str]) -> Table:
        """A row per zone: its queue, what plays, the wait."""
        _ = self._
        zones = Table(box=None, pad_edge=False, expand=False)
        for column, left in ((N_("zone"), True), (N_("waiting"), False), (N_("playing"), True),
                             (N_("next call waits"), False)):  # fmt: skip
            zones.add_column(_(column), justify="left" if left else "right")
        queues: Mapping[str, int] = status.get("queues") or {}
        playing: Mapping[str, str] = status.get("playing") or {}
        waits: Mapping[str, int] = status.get("waits") or {}
        compact = set(status.get("compact") or ())  # saying the ticket alone while behind
        for zone in queues:
            play = playing.get(zone)
            shown = tickets.get(play, str(play)) if play else "-"
            wait = waits.get(zone)
            said = _("{n} s, compact") if zone in compact else _("{n} s")
            seconds = "-" if wait is None else said.format(n=wait)
            zones.add_row(zone, str(queues[zone]), shown, seconds)
        return zones

    def _listening(self, status: Mapping[str, Any]) -> Table | None:
        """A row per zone an input listens to: its speaker line's state and its noise (None
        when there is none)."""
        _ = self._
        lines: Mapping[str, str] = status.get("lines") or {}
        ambient: Mapping[str, Mapping[str, float]] = status.get("ambient") or {}
        if not lines and not ambient:
            return None
        shown = Table(box=None, pad_edge=False, expand=False)
        for column in (N_("zone"), N_("line"), N_("noise")):
            shown.add_column(_(column))
        for zone in sorted({*lines, *ambient}):
            shown.add_row(zone, _line_state(lines.get(zone), _), _ambient(ambient.get(zone), _))
        return shown

    def _events(self) -> RenderableType:
        _ = self._
        lines = Table(box=None, pad_edge=False, title=_("Events"), title_justify="left")
        for column in (N_("time"), N_("node"), N_("event"), N_("about")):
            lines.add_column(_(column))
        for event in self.events:
            about = _call_name(event, _) if event.get("id") or event.get("ticket") else ""
            about = about or str(event.get("zone") or "")  # a speaker line's events
            reason = event.get("reason")
            lines.add_row(_clock(event.get("ts")), str(event.get("node", "")),
                          event_word(str(event.get("event")), _),
                          f"{about} {reason or ''}".strip())  # fmt: skip
        return lines


def _ambient(sensed: Mapping[str, float] | None, _: Gettext) -> str:
    """A sensed zone's noise level and the gain its calls get for it."""
    if sensed is None:
        return "-"
    gain = f"{sensed.get('gain_db', 0.0):.1f}"
    return _("{level} dB, gain +{gain} dB").format(level=sensed.get("level_db"), gain=gain)


def _line_state(state: str | None, _: Gettext) -> Text:
    """A supervised line's state, red when it is faulty."""
    if state is None:
        return Text("-")
    words = {"ok": (N_("line ok"), "green"), "fault": (N_("LINE FAULT"), "bold white on red"),
             "unknown": (N_("line unknown"), "yellow")}  # fmt: skip
    text, style = words.get(state, (state, ""))
    return Text(_(text), style)


def event_line(event: Mapping[str, Any], _: Gettext = ENGLISH) -> str:
    """One event as a log line, for `pager status --follow` into a file or a pipe (the
    event by its contract name, for grep; what it is about in the page's language)."""
    about = _call_name(event, _) if event.get("id") or event.get("ticket") else ""
    zones = ", ".join(event.get("zones") or ([event["zone"]] if event.get("zone") else []))
    parts = [_clock(event.get("ts")), str(event.get("node", "")), str(event.get("event")), about]
    if zones:
        parts.append(f"[{zones}]")
    if event.get("reason"):
        parts.append(f"({event['reason']})")
    return " ".join(p for p in parts if p)
