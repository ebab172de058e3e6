"""What a node's daemon holds while it is not the active one (a standby, or any daemon of a
node with a standby PC until it has won the lock): every call and message the broker hands
it, until the active PC's events say that one has ended. When it takes over, what it still
holds is what the active had taken and not finished (or never got): played once, in order.
Pure: messages and events in, messages out.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from pager.values.events import EventName
from pager.values.jobs import Job, ref_of
from pager.values.messages import Inbound, MessageKind

log = logging.getLogger(__name__)

ENDED = {EventName.FINISHED, EventName.CANCELLED, EventName.EXPIRED, EventName.SUPERSEDED,
         EventName.MERGED, EventName.DUPLICATE, EventName.REJECTED, EventName.FAILED}  # fmt: skip


@dataclass(frozen=True)
class Held:
    message: Inbound
    ref: str | None  # the sender's id, when it gave one (else ours, made up: no match)
    counter: str | None
    ticket: str | None
    text: str
    plays: int = 1  # with its repeats: it has ended after the `finished` of the last


class Ledger:
    """The messages the active PC has not finished, in the order they came."""

    def __init__(self) -> None:
        self._held: list[Held] = []

    def __len__(self) -> int:
        return len(self._held)

    def hold(self, message: Inbound, job: Job) -> None:
        """A call or operator message, and the job it asks for."""
        given = message.journaled is not None or _gives_id(message.payload)
        ref = ref_of(job.id) if given else None
        self._held.append(Held(message, ref, job.counter, job.ticket, job.text, 1 + job.repeats))

    def hold_cancel(self, message: Inbound) -> None:
        """A cancel, after what it may cancel (with nothing held, the active had it)."""
        if self._held:
            self._held.append(Held(message, None, message.counter, None, ""))

    def settle(self, payload: bytes) -> None:
        """An event of the active PC: a call or message it has ended is no longer held (a
        call with repeats, once the last has finished)."""
        try:
            body = json.loads(payload)
            event = EventName(body["event"])
            play = int(body.get("play") or 1)
        except (ValueError, KeyError, TypeError):
            return
        if event not in ENDED:
            return
        for index, held in enumerate(self._held):
            if held.message.kind is MessageKind.CANCEL or not self._same(held, body):
                continue
            if event is not EventName.FINISHED or play >= held.plays:
                del self._held[index]
            return

    @staticmethod
    def _same(held: Held, body: dict[str, object]) -> bool:
        """Whether the event is about this call: by its id, or without one (the active
        made its own up) by its counter and ticket, the oldest such first."""
        if held.counter != body.get("counter"):
            return False
        if held.ref is not None:
            return held.ref == body.get("id")
        if held.ticket is not None:
            return held.ticket == body.get("ticket")
        return held.text == body.get("text")

    def release(self) -> list[Inbound]:
        """What is still held, in order (cancels first dropped if nothing before them is
        left to cancel); the ledger is empty after."""
        held, self._held = self._held, []
        out: list[Inbound] = []
        for each in held:
            if each.message.kind is MessageKind.CANCEL and not out:
                continue
            out.append(each.message)
        return out


def _gives_id(payload: bytes) -> bool:
    """Whether the sender gave the message an id (else this daemon made one up, which the
    active PC's events cannot show)."""
    try:
        body = json.loads(payload)
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("id") not in (None, "")
