"""The message intake: what arrives from the broker becomes a job, a cancel, a zone test or a
racks' start time, is held while this daemon is a standby, or is rejected with its reason.
Pure: messages in, effects out, with explicit time.

A message that would queue is first journaled (`JournalAdd`); only once the runtime answers
`Journaled` does it reach the scheduler (through the stage); a `JournalFailed` answers it
with a `failed` event instead, unless the journal's disk fails (then it is taken at most
once). Whether a sender may ask what it asks is `Admission`'s.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from pager.config.model import Config
from pager.core import events, inputs
from pager.core.admission import Admission
from pager.core.announcer import Announcer
from pager.core.effects import (
    Ack,
    Effect,
    JournalAdd,
    JournalRemove,
    PublishSync,
    Refusal,
    Retime,
)
from pager.core.payloads import Call
from pager.core.scheduler import Scheduler
from pager.core.stage import Stage
from pager.core.standby import Ledger
from pager.core.sync import Sync, parse_offer
from pager.errors import CallRejected, NotHere, NothingToCancel, PagerError
from pager.values.events import EventName
from pager.values.jobs import Job, job_key
from pager.values.messages import Inbound, MessageKind
from pager.values.priority import Priority
from pager.zones import Routing

log = logging.getLogger(__name__)


class Reception:
    """Takes each message to its effects; composed by the controller."""

    def __init__(self, config: Config, scheduler: Scheduler, stage: Stage, sync: Sync) -> None:
        self.admission = Admission()
        self._scheduler = scheduler
        self._stage = stage
        self._sync = sync
        # Until it has won its node's lock (a node with a standby PC), it only holds.
        self._ledger = Ledger() if config.node in config.standby.nodes else None
        self._awaiting_journal: dict[str, tuple[Job, Inbound]] = {}
        self._closed = False

    def configure(self, config: Config, routing: Routing, announcer: Announcer) -> None:
        """Take a config (at start and on reload)."""
        self._config = config
        self._announcer = announcer
        self.admission.configure(config, routing)

    def close(self) -> None:
        """Stopping: take no new message (what the broker still hands over stays there)."""
        self._closed = True

    # -- what the controller hands over ------------------------------------------------------

    def receive(self, message: Inbound, now: float) -> list[Effect]:
        """Any message from the broker."""
        if message.kind is MessageKind.EVENT:  # the active PC's, as a standby hears them
            if self._ledger is not None:
                self._ledger.settle(message.payload)
            return [Ack(message)]
        if message.kind is MessageKind.SYNC:
            return self._on_offer(message, now)
        if self._ledger is not None:
            self._hold(message)
            return [Ack(message)]
        return self._take(message, now) if not self._closed else []

    def replay(self, item: Sequence[Inbound], seen_ids: Sequence[str], now: float
               ) -> list[Effect]:  # fmt: skip
        """The journal's calls at start: taken again (or held, while not yet active)."""
        effects: list[Effect] = []
        for message in item:
            if self._ledger is not None:
                self._hold(message)
            else:
                effects += self._take(message, now)
        self._scheduler.remember(tuple(seen_ids))
        return effects

    def take_over(self, now: float) -> list[Effect]:
        """Active now: what the active PC had not finished (or never got) plays, in order."""
        if self._ledger is None:
            return []
        held, self._ledger = self._ledger.release(), None
        log.warning("active for node %s; taking %d calls and messages the active PC had not "
                    "finished", self._config.node, len(held))  # fmt: skip
        return [e for message in held for e in self._take(message, now)]

    def journaled(self, job_id: str, now: float) -> list[Effect]:
        """The message is safe on disk: its job is submitted, the message acknowledged."""
        if job_id not in self._awaiting_journal:
            log.error("ignored Journaled(%r): nothing waits for it", job_id)
            return []
        job, message = self._awaiting_journal.pop(job_id)
        return [*self._stage.submit(job, now), Ack(message)]

    def journal_failed(self, failure: inputs.JournalFailed, now: float) -> list[Effect]:
        """The journal could not keep it. Its disk fails: the call is taken all the same, at
        most once (announced unless the daemon stops before it ends). The message itself
        could not be stored: a `failed` event, and the message acknowledged."""
        job_id, reason = failure.job_id, failure.reason
        if job_id not in self._awaiting_journal:
            log.error("ignored JournalFailed(%r): nothing waits for it", job_id)
            return []
        job, message = self._awaiting_journal.pop(job_id)
        if failure.unavailable:
            log.warning("%s taken at most once: %s", job_id, reason)
            return [*self._stage.submit(job, now), Ack(message)]
        log.error("%s not taken: cannot write it to the journal: %s", job_id, reason)
        why = f"cannot keep the call in the journal: {reason}"
        return [events.job_event(self._config.node, EventName.FAILED, job, job.zones, now,
                                 reason=why),
                Ack(message, Refusal("unavailable", why))]  # fmt: skip

    def summaries(self, now: float) -> list[Effect]:
        """A `rejected` event for each sender whose rejections were summed up, when due."""
        effects: list[Effect] = []
        for fields in self.admission.summary_events(now):
            log.warning("rejected from %s: %s", fields["counter"] or "a sender", fields["reason"])
            effects.append(events.event(self._config.node, EventName.REJECTED, now, **fields))
        return effects

    def next_deadline(self) -> float | None:
        """When the next summary of rejections is due."""
        return self.admission.next_deadline()

    # -- a message's way ---------------------------------------------------------------------

    def job(self, message: Inbound) -> Job:
        """The job a call or operator message asks for; CallRejected says why not."""
        request = self.admission.request(message)
        if isinstance(request, Call):
            job = self._announcer.call(request)
        else:
            job = self._announcer.message(request)
            self.admission.check_length(job)
        # A replayed job keeps the key its journal entry has (older journals: a bare id).
        return dataclasses.replace(job, id=message.journaled) if message.journaled else job

    def _take(self, message: Inbound, now: float) -> list[Effect]:
        """Reject it, answer it, or take it (journaled first unless replayed from there)."""
        try:
            self.admission.admit(message, now)
            if message.kind is MessageKind.CANCEL:
                return [*self._cancel(message, now), Ack(message)]
            if message.kind is MessageKind.TEST:  # never journaled: it is for who listens now
                return [*self._test(message, now), Ack(message)]
            job = self.job(message)
        except NotHere as elsewhere:
            log.debug("not for this node: %s", elsewhere)
            return [Ack(message)]
        except CallRejected as rejected:
            effects = self._rejected(message, rejected, now)
            if message.journaled:
                effects.append(JournalRemove(message.journaled))
            return [*effects, Ack(message, Refusal.of(rejected))]
        offer = self._sync.take(job, message, now)
        timing: list[Effect] = [PublishSync(offer.body())] if offer is not None else []
        if message.journaled is None and self._scheduler.takes(job, now):
            self._awaiting_journal[job.id] = (job, message)
            return [*timing, JournalAdd(job.id, message, personal=job.personal)]
        return [*timing, *self._stage.submit(job, now), Ack(message)]

    def _hold(self, message: Inbound) -> None:
        """Not the active daemon yet: a call or operator message is held (a bad one is the
        active's to report); a cancel is held after what it may cancel; nothing else."""
        assert self._ledger is not None
        if message.kind is MessageKind.CANCEL:
            self._ledger.hold_cancel(message)
        elif message.kind in (MessageKind.CALL, MessageKind.ANNOUNCE):
            try:
                self._ledger.hold(message, self.job(message))
            except PagerError as error:  # rejected, or for other racks' zones
                log.debug("not held (%s): %s", message.topic, error)

    def _on_offer(self, message: Inbound, now: float) -> list[Effect]:
        """The first rack's start time for an announcement: a play waiting for its time
        moves to it (one not started yet takes it when it starts)."""
        try:
            offer = parse_offer(message.payload)
        except ValueError as error:
            log.warning("ignored a bad message on %s: %s", message.topic, error)
            return []
        taken = self._sync.offered(offer, now)
        play = self._stage.plays.waiting(taken[0]) if taken is not None else None
        if taken is None or play is None:
            return []
        return [Retime(play, taken[1])]

    def _rejected(self, message: Inbound, rejected: CallRejected, now: float) -> list[Effect]:
        """A `rejected` event, unless its sender's rejections are being summed up."""
        if not self.admission.answers_for(message):
            log.debug("rejected on %.200r (another node reports it): %r", message.topic,
                      rejected.reason)  # fmt: skip
            return []
        fields = self.admission.rejection(message, rejected, now)
        if fields is None:
            return []
        log.warning("rejected message on %.200r: %r", message.topic, rejected.reason)
        return [events.event(self._config.node, EventName.REJECTED, now, **fields)]

    def _cancel(self, message: Inbound, now: float) -> list[Effect]:
        cancel = self.admission.cancel(message)
        if cancel.id is not None and cancel.counter is not None:  # that counter's own call
            outcomes = self._scheduler.cancel(now, job_id=job_key(cancel.counter, cancel.id))
        elif cancel.id is not None:  # the operator desk: whoever sent it
            outcomes = self._scheduler.cancel(now, ref=cancel.id)
        else:
            outcomes = self._scheduler.cancel(now, ticket=cancel.ticket, counter=cancel.counter)
        if not any(o.event is EventName.CANCELLED for o in outcomes):
            if not self.admission.answers_for(message):
                raise NotHere("nothing to cancel here")
            what = f"id {cancel.id}" if cancel.id else f"ticket {cancel.ticket}"
            raise NothingToCancel(f"nothing to cancel: no queued or playing {what}",
                                  id=cancel.id, ticket=cancel.ticket)  # fmt: skip
        return self._stage.apply(outcomes, now)

    def _test(self, message: Inbound, now: float) -> list[Effect]:
        """A zone test joins the queue below calls; a stop ends every test."""
        request = self.admission.test(message)
        if request.node not in (None, self._config.node):
            raise NotHere(f"a test of node {request.node}'s output")
        if not request.stop:
            return self._stage.submit(self._announcer.zone_test(request), now)
        outcomes = [o for job_id in self._scheduler.jobs_of(Priority.TEST)
                    for o in self._scheduler.cancel(now, job_id=job_id)]  # fmt: skip
        return self._stage.apply(outcomes, now)
