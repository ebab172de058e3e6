"""What the call log says about each call: `pager history` and the web page's last calls.

Pure: events in (`pager.io.calllog.Event`), one `CallRecord` per call out.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pager.io.calllog import Event
from pager.translations import N_, Gettext, event_word, translator

# Events that end a call's life (or one play of it); the last one is its outcome.
ENDINGS = ("finished", "expired", "cancelled", "superseded", "merged", "rejected", "failed",
           "preempted", "duplicate")  # fmt: skip
CALL_EVENTS = (*ENDINGS, "queued", "started", "resumed")
CLOCK_STEPPED = "clock-stepped"


@dataclass
class CallRecord:
    """One call's (or operator message's) life, from the events that name it."""

    id: str | None
    counter: str | None
    ticket: str | None
    priority: str | None
    received: float  # its first event (queued, or the rejection)
    zones: tuple[str, ...] = ()
    text: str = ""
    heard: int = 0  # plays that finished
    starts: list[float] = field(default_factory=list)  # started and resumed
    outcome: str = "queued"
    reason: str = ""
    duplicates: int = 0
    events: int = 0
    kind: str | None = None  # calls: "call" or "pickup"
    name: str | None = None  # as events showed it (privacy.names_shown)

    @property
    def wait_s(self) -> float | None:
        """From its arrival to the first sample of its first play; None if it never began."""
        return self.starts[0] - self.received if self.starts else None

    @property
    def label(self) -> str:
        return self.ticket or (f"message {self.id}" if self.id else "message")


def records(events: Iterable[Event]) -> list[CallRecord]:
    """Each call's record, in the order the calls arrived; a step of the wall clock is a
    record of its own (outcome `clock-stepped`), where it happened."""
    found: dict[tuple[object, ...], CallRecord] = {}
    for event in events:
        if event.event == CLOCK_STEPPED:  # a line of its own: the times before it differ
            found[(None, None, event.ts, len(found))] = CallRecord(
                None, None, None, None, event.ts, outcome=CLOCK_STEPPED, reason=event.reason or ""
            )
            continue
        if event.event not in CALL_EVENTS:
            continue
        key: tuple[object, ...] = (event.counter, event.id)
        if event.id is None or (event.event == "rejected" and key not in found):
            key = (event.counter, event.id, event.ts, len(found))  # a rejection: its own
        record = found.get(key)
        if record is None:
            record = found[key] = CallRecord(event.id, event.counter, event.ticket,
                                             event.priority, event.ts)  # fmt: skip
        _apply(record, event)
    return list(found.values())


def _apply(record: CallRecord, event: Event) -> None:
    if event.zones and (not record.zones or event.event in ("started", "resumed")):
        record.zones = event.zones
    if event.text and (not record.text or event.event == "started"):
        record.text = event.text
    record.ticket = record.ticket or event.ticket
    record.kind = record.kind or event.kind
    record.name = record.name or event.name
    record.events += 1
    if event.event == "duplicate" and record.events > 1:
        record.duplicates += 1  # a redelivery of a call already known: it played once
        return
    if event.event in ("started", "resumed"):
        record.starts.append(event.ts)
        record.outcome, record.reason = "playing", ""
        return
    if event.event == "finished":
        record.heard += 1
    record.outcome = event.event
    record.reason = event.reason or ""


def select(
    found: Iterable[CallRecord], counter: str | None = None, ticket: str | None = None
) -> list[CallRecord]:
    """The records of one counter and of one ticket (as written or spoken: "a23" is A023)."""
    wanted = _ticket_key(ticket) if ticket else None
    return [
        r for r in found
        if (counter is None or r.counter == counter)
        and (wanted is None or (r.ticket is not None and _ticket_key(r.ticket) == wanted))
    ]  # fmt: skip


def same_ticket(wanted: str) -> Callable[[str], bool]:
    """Whether a logged ticket is `wanted` as a person says it: "a23" is A023 and A-23."""
    key = _ticket_key(wanted)
    return lambda ticket: _ticket_key(ticket) == key


def _ticket_key(ticket: str) -> tuple[str, int | str]:
    letters = "".join(c for c in ticket if c.isalpha()).upper()
    digits = "".join(c for c in ticket if c.isdigit())
    return letters, int(digits) if digits else ""


ENGLISH = translator("en")


def _clock(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


OUTCOMES = {"finished": N_("heard"), "playing": N_("playing now"), "queued": N_("waiting")}


def _outcome_text(r: CallRecord, _: Gettext = ENGLISH) -> str:
    known = OUTCOMES.get(r.outcome)
    text = _(known) if known else event_word(r.outcome, _)
    if r.outcome == "finished" and r.heard > 1:
        text = _("heard {n} times").format(n=r.heard)
    return f"{text}: {r.reason}" if r.reason and r.outcome != "finished" else text


HEADER = ("received", "ticket", "counter", "outcome", "heard", "first_start", "wait_s", "zones",
          "text", "kind", "name")  # fmt: skip


def as_rows(found: Iterable[CallRecord], _: Gettext = ENGLISH) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for r in found:
        wait = r.wait_s
        rows.append((
            _clock(r.received), r.ticket or "", r.counter or "", _outcome_text(r, _), str(r.heard),
            _clock(r.starts[0]) if r.starts else "", "" if wait is None else f"{wait:.1f}",
            " ".join(r.zones), r.text, r.kind or "", r.name or "",
        ))  # fmt: skip
    return rows


def as_csv(found: Iterable[CallRecord]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(as_rows(found))
    return out.getvalue()


def as_table(found: list[CallRecord], _: Gettext = ENGLISH) -> str:
    """Aligned columns for a terminal: when, what, where, and what became of it."""
    if not found:
        return _("no calls match")
    shown = ("received", "ticket", "counter", "outcome", "wait_s", "zones")
    index = [HEADER.index(name) for name in shown]
    rows = [tuple(row[i] for i in index) for row in as_rows(found, _)]
    rows = [(*row[:4], _("{n} s").format(n=row[4]) if row[4] else "", row[5]) for row in rows]
    kinds = [r.kind for r in found]
    pickup = _("{ticket} (pickup)")
    rows = [(row[0], pickup.format(ticket=row[1]) if kind == "pickup" else row[1], *row[2:])
            for row, kind in zip(rows, kinds, strict=True)]  # fmt: skip
    header = tuple(_(word) for word in (N_("received"), N_("ticket"), N_("counter"),
                                        N_("outcome"), N_("wait"), N_("zones")))  # fmt: skip
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)
