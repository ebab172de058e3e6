"""Racks starting an announcement together: who names the start time, and when it is.

Every node of a site receives the same message. For an announcement that several nodes
play, the first of them (by name, `Job.nodes[0]`) names the start time, its own arrival of
the message plus `sync.delay_ms`, on `{prefix}/sync`; the others take that time when it
comes. Until it comes (and if it never does: that node is down or cut off), a node counts
on its own arrival plus the same delay, which differs from the first node's only by how
much later the broker handed it the message. Each node then places the chime's first
sample at that time at its interface's output (`Player.start_frame`). The nodes' clocks
agree through NTP or PTP (chrony); the message is matched by a digest of its topic and
payload, which every node sees alike (ids made up here would differ). Pure, explicit time.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

from pager.values.jobs import Job
from pager.values.messages import Inbound

log = logging.getLogger(__name__)

FORGET_S = 30.0  # a time for a message not (yet) seen here is kept this long
# A start time further than this from this rack's own clock means one of the two clocks is
# wrong (a rack that booted with a dead clock battery): not waited for, nor taken as long gone.
SANE_OFFER_S = 10.0


def message_key(message: Inbound) -> str:
    """The same for one message on every node."""
    digest = hashlib.blake2b(message.topic.encode() + b"\0" + message.payload, digest_size=12)
    return digest.hexdigest()


@dataclass(frozen=True)
class Offer:
    """The first node's start time for a message (the body of a `{prefix}/sync` message)."""

    key: str
    at: float  # Unix time of the chime's first sample at the outputs
    node: str

    def body(self) -> dict[str, object]:
        return {"key": self.key, "at": self.at, "node": self.node}


def parse_offer(payload: bytes) -> Offer:
    """ValueError when it is not an offer."""
    body = json.loads(payload)
    if not isinstance(body, dict):
        raise ValueError("not a JSON object")
    key, at, node = body.get("key"), body.get("at"), body.get("node")
    if not isinstance(key, str) or not isinstance(node, str):
        raise ValueError('"key" and "node" must be text')
    if not isinstance(at, int | float) or isinstance(at, bool):
        raise ValueError('"at" must be a Unix time')
    return Offer(key, float(at), node)


class Sync:
    """Start times of announcements that several nodes play."""

    def __init__(self, node: str, delay_s: float) -> None:
        self.node = node
        self.delay_s = delay_s
        self._times: dict[str, float] = {}  # job id -> start time (tentative or agreed)
        self._waiting: dict[str, tuple[str, float]] = {}  # key -> (job id, taken at)
        self._early: dict[str, tuple[float, float]] = {}  # key -> (offered time, came at)

    def shift(self, step: float) -> None:
        """The wall clock was stepped: the start times held move with it."""
        self._times = {job: at + step for job, at in self._times.items()}
        self._waiting = {key: (job, at + step) for key, (job, at) in self._waiting.items()}
        # An early offer's time is the other rack's, in the site's time: only when it came
        # moves.
        self._early = {key: (at, came + step) for key, (at, came) in self._early.items()}

    def configure(self, node: str, delay_s: float) -> None:
        self.node, self.delay_s = node, delay_s

    def take(self, job: Job, message: Inbound, now: float) -> Offer | None:
        """A job was taken: note its start time; the offer to publish if this node names it."""
        if len(job.nodes) <= 1 or message.journaled is not None:
            return None  # one rack; or replayed after a restart, its time long gone
        key = message_key(message)
        if job.nodes[0] == self.node:
            at = round(message.received + self.delay_s, 6)  # as the offer carries it
            self._times[job.id] = at
            return Offer(key, at, self.node)
        early = self._early.pop(key, None)
        if early is not None and self._sane(early[0], now):
            self._times[job.id] = early[0]
        else:
            self._times[job.id] = message.received + self.delay_s
            self._waiting[key] = (job.id, now)
        return None

    def offered(self, offer: Offer, now: float) -> tuple[str, float] | None:
        """The first node's time came: (job id, time) of the job it names, if taken here."""
        self._expire(now)
        waiting = self._waiting.pop(offer.key, None)
        if waiting is None:
            if offer.node != self.node:
                self._early[offer.key] = (offer.at, now)  # the message itself is on its way
            return None
        job_id = waiting[0]
        if job_id not in self._times or not self._sane(offer.at, now):
            return None  # a time far off: this rack keeps its own (about at once)
        self._times[job_id] = offer.at
        return job_id, offer.at

    def _sane(self, at: float, now: float) -> bool:
        if abs(at - now) <= SANE_OFFER_S + self.delay_s:
            return True
        log.warning("a start time %+.1f s from this rack's clock was refused: a rack's clock "
                    "is wrong (check NTP on every rack); starting at once instead",
                    at - now)  # fmt: skip
        return False

    def start_at(self, job_id: str) -> float | None:
        """When the job's first play starts (None: at once, for jobs of one rack)."""
        return self._times.get(job_id)

    def forget(self, job_id: str) -> None:
        """The job has started (or ended): its time is used."""
        self._times.pop(job_id, None)

    def _expire(self, now: float) -> None:
        for job_id in [j for j, at in self._times.items() if now - at > FORGET_S]:
            del self._times[job_id]  # it was dropped or cancelled before it started
        for key in [k for k, (_, came) in self._early.items() if now - came > FORGET_S]:
            del self._early[key]
        for key in [k for k, (_, taken) in self._waiting.items() if now - taken > FORGET_S]:
            del self._waiting[key]
