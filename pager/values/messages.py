"""A message as it arrived from the broker (or the status page), not yet validated."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class MessageKind(enum.StrEnum):
    """What a topic carries: {prefix}/call/{counter}, /announce, /cancel[/{counter}], /test,
    /sync, /event/{node}."""

    CALL = "call"
    ANNOUNCE = "announce"
    CANCEL = "cancel"
    TEST = "test"
    SYNC = "sync"  # {prefix}/sync: the first rack's start time for an announcement
    EVENT = "event"  # {prefix}/event/{node}: the active PC's events, as a standby hears them
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Inbound:
    """A message as it arrived, not yet validated.

    `counter` is the topic's last level for calls and counter cancels, else None.
    """

    topic: str
    kind: MessageKind
    counter: str | None
    payload: bytes
    received: float
    retained: bool = False  # delivered from the broker's retained store
    mid: int | None = None  # to acknowledge it (QoS 1); None when replayed from the journal
    qos: int = 0
    connection: int = 0  # which connection it came on: an ack is only valid on that one
    journaled: str | None = None  # replayed from the journal, where it was taken under this id
    scheduled: bool = False  # made by the daily schedule, not received from a sender
    request: int | None = None  # came in an HTTP request that waits for its answer (`Ack`)
