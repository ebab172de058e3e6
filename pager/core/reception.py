"""The controller's message intake: what arrives from the broker, turned into jobs, cancels,
tests, start times, or held while a standby; rejections and their summaries.

A part of `Controller` (pager.core.controller), kept apart because it is its own concern:
the state it uses is the controller's, declared below.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from pager.config.model import Config
from pager.core.admission import Intake
from pager.core.announcer import Announcer
from pager.core.effects import Ack, Effect, JournalAdd, JournalRemove, Publish, PublishSync, Retime
from pager.core.plays import Plays
from pager.core.scheduler import Outcome, Scheduler
from pager.core.standby import Ledger
from pager.core.sync import Sync, parse_offer
from pager.errors import CallRejected, NotHere
from pager.values.events import EventName
from pager.values.jobs import Job, job_key
from pager.values.messages import Inbound, MessageKind
from pager.values.priority import Priority

log = logging.getLogger("pager.core.controller")


class _Event(Protocol):
    def __call__(self, name: EventName, now: float, **fields: object) -> Publish: ...


class Receiving:
    """Messages in, effects out (a mixin of Controller)."""

    scheduler: Scheduler
    _config: Config
    _intake: Intake
    _announcer: Announcer
    _sync: Sync
    _ledger: Ledger | None
    _taking: dict[str, tuple[Job, Inbound]]
    _plays: Plays
    _stop_by: float | None

    # The Controller's own methods, used here.
    _submit: Callable[[Job, float], list[Effect]]
    _apply: Callable[[list[Outcome], float], list[Effect]]
    _event: _Event

    def _receive(self, message: Inbound, now: float) -> list[Effect]:
        """Any message from the broker."""
        if message.kind is MessageKind.EVENT:  # the active PC's, as a standby hears them
            if self._ledger is not None:
                self._ledger.settle(message.payload)
            return [Ack(message)]
        if message.kind is MessageKind.SYNC:
            return self._on_offer(message, now)
        if self._ledger is not None:
            self._ledger.hold(message, self._intake)
            return [Ack(message)]
        return self._on_message(message, now) if self._stop_by is None else []

    def _replay(self, messages: Sequence[Inbound], seen_ids: Sequence[str], now: float
                ) -> list[Effect]:  # fmt: skip
        """The journal's calls at start: taken again (or held, while not yet active)."""
        if self._ledger is not None:
            for message in messages:
                self._ledger.hold(message, self._intake)
            effects: list[Effect] = []
        else:
            effects = [e for m in messages for e in self._on_message(m, now)]
        self.scheduler.remember(tuple(seen_ids))
        return effects

    def _on_message(self, message: Inbound, now: float) -> list[Effect]:
        """Reject it, answer it, or take it (journaled first unless replayed from there)."""
        try:
            self._intake.admit(message, now)
            if message.kind is MessageKind.CANCEL:
                return [*self._cancel(message, now), Ack(message)]
            if message.kind is MessageKind.TEST:  # never journaled: it is for who listens now
                return [*self._test(message, now), Ack(message)]
            job = self._intake.job(message)
        except NotHere as elsewhere:
            log.debug("not for this node: %s", elsewhere)
            return [Ack(message)]
        except CallRejected as rejected:
            effects = self._rejected(message, rejected, now)
            if message.journaled:
                effects.append(JournalRemove(message.journaled))
            return [*effects, Ack(message)]
        offer = self._sync.take(job, message, now)
        timing = [PublishSync(offer.body())] if offer is not None else []
        if message.journaled is None and self.scheduler.takes(job, now):
            self._taking[job.id] = (job, message)
            return [*timing, JournalAdd(job.id, message)]
        return [*timing, *self._submit(job, now), Ack(message)]

    def _take_over(self, now: float) -> list[Effect]:
        """Active now: what the active PC had not finished (or never got) plays, in order."""
        if self._ledger is None:
            return []
        held, self._ledger = self._ledger.release(), None
        log.warning("active for node %s; taking %d calls and messages the active PC had not "
                    "finished", self._config.node, len(held))  # fmt: skip
        return [e for message in held for e in self._on_message(message, now)]

    def _on_offer(self, message: Inbound, now: float) -> list[Effect]:
        """The first rack's start time for an announcement: a play waiting for its time
        moves to it (one not started yet takes it when it starts)."""
        try:
            offer = parse_offer(message.payload)
        except ValueError as error:
            log.warning("ignored a bad message on %s: %s", message.topic, error)
            return []
        taken = self._sync.offered(offer, now)
        play = self._plays.waiting(taken[0]) if taken is not None else None
        if taken is None or play is None:
            return []
        return [Retime(play, taken[1])]

    def _rejected(self, message: Inbound, rejected: CallRejected, now: float) -> list[Effect]:
        """A `rejected` event, unless its sender's rejections are being summed up."""
        if not self._intake.answers_for(message):
            log.debug("rejected on %.200r (another node reports it): %r", message.topic,
                      rejected.reason)  # fmt: skip
            return []
        fields = self._intake.rejection(message, rejected, now)
        if fields is None:
            return []
        log.warning("rejected message on %.200r: %r", message.topic, rejected.reason)
        return [self._event(EventName.REJECTED, now, **fields)]

    def _summaries(self, now: float) -> list[Effect]:
        effects: list[Effect] = []
        for fields in self._intake.summary_events(now):
            log.warning("rejected from %s: %s", fields["counter"] or "a sender", fields["reason"])
            effects.append(self._event(EventName.REJECTED, now, **fields))
        return effects

    def _cancel(self, message: Inbound, now: float) -> list[Effect]:
        cancel = self._intake.cancel(message)
        if cancel.id is not None and cancel.counter is not None:  # that counter's own call
            outcomes = self.scheduler.cancel(now, job_id=job_key(cancel.counter, cancel.id))
        elif cancel.id is not None:  # the operator desk: whoever sent it
            outcomes = self.scheduler.cancel(now, ref=cancel.id)
        else:
            outcomes = self.scheduler.cancel(now, ticket=cancel.ticket, counter=cancel.counter)
        if not any(o.event is EventName.CANCELLED for o in outcomes):
            if not self._intake.answers_for(message):
                raise NotHere("nothing to cancel here")
            what = f"id {cancel.id}" if cancel.id else f"ticket {cancel.ticket}"
            raise CallRejected(f"nothing to cancel: no queued or playing {what}",
                               id=cancel.id, ticket=cancel.ticket)  # fmt: skip
        return self._apply(outcomes, now)

    def _test(self, message: Inbound, now: float) -> list[Effect]:
        """A zone test joins the queue below calls; a stop ends every test."""
        request = self._intake.test(message)
        if request.node not in (None, self._config.node):
            raise NotHere(f"a test of node {request.node}'s output")
        if not request.stop:
            return self._submit(self._announcer.zone_test(request), now)
        outcomes = [o for job_id in self.scheduler.jobs_of(Priority.TEST)
                    for o in self.scheduler.cancel(now, job_id=job_id)]  # fmt: skip
        return self._apply(outcomes, now)
