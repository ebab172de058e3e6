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

from pager.core.intake import Intake
from pager.core.model import EventName, Inbound, MessageKind, ref_of
from pager.errors import PagerError

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


class Ledger:
    """The messages the active PC has not finished, in the order they came."""

    def __init__(self) -> None:
        self._held: list[Held] = []

    def __len__(self) -> int:
        return len(self._held)

    def hold(self, message: Inbound, intake: Intake) -> None:
        """A call or operator message (a bad one is the active's to report; tests are for
        who listens now; cancels are the active's, or are replayed after their call)."""
        if message.kind in (MessageKind.CALL, MessageKind.ANNOUNCE):
            try:
                job = intake.job(message)
            except PagerError as error:  # rejected, or for other racks' zones
                log.debug("not held (%s): %s", message.topic, error)
                return
            given = message.journaled is not None or _gives_id(message.payload)
            ref = ref_of(job.id) if given else None
            self._held.append(Held(message, ref, job.counter, job.ticket, job.text))
        elif message.kind is MessageKind.CANCEL and self._held:
            self._held.append(Held(message, None, message.counter, None, ""))

    def settle(self, payload: bytes) -> None:
        """An event of the active PC: a call or message it has ended is no longer held."""
        try:
            body = json.loads(payload)
            ended = EventName(body["event"]) in ENDED
        except (ValueError, KeyError, TypeError):
            return
        if not ended:
            return
        for index, held in enumerate(self._held):
            if held.message.kind is MessageKind.CANCEL:
                continue
            same_sender = held.counter == body.get("counter")
            if held.ref is not None and held.ref == body.get("id") and same_sender:
                del self._held[index]
                return
            if (
                held.ref is None
                and same_sender
                and held.ticket == body.get("ticket")
                and (held.ticket is not None or held.text == body.get("text"))
            ):
                del self._held[index]  # no id given: the oldest of the same call
                return

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
