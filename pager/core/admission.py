"""What a message asks for, and whether its sender may ask it. Pure, with explicit time.

Parsing the payload, the rights a sender has (a counter's highest
priority, operator messages of bounded length), the rate each sender may send at (a token
bucket per counter, one shared by unlisted counters, one for the operator desk), and how
many rejections are reported one by one (about three a second per sender; the rest in one
summary).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pager.config.model import Config
from pager.core.payloads import (
    Call,
    Cancel,
    OperatorMessage,
    TestRequest,
    parse_announce,
    parse_call,
    parse_cancel,
    parse_test,
)
from pager.errors import CallRejected, RateLimited
from pager.language.words import COUNTER_PATTERN, WPM_PER_SYLLABLE_PER_S, syllables
from pager.values.jobs import Job, ref_of
from pager.values.messages import Inbound, MessageKind
from pager.zones import Routing, UnknownZone

REJECTIONS_PER_SECOND = 3.0  # reported one by one, per sender...
REJECTIONS_BURST = 10.0  # ...after the first few (a counter's integrator sends a few bad ones)
SUMMARY_AFTER_S = 1.0
UNLISTED = "(unlisted counters)"
OPERATOR = "(operator desk)"
UNKNOWN = "(unknown topics)"


@dataclass
class TokenBucket:
    """`burst` at once, then `rate` a second."""

    rate: float
    burst: float
    tokens: float
    last: float

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def wait_s(self) -> float:
        """How long until it has room for one more (after a refused `take`)."""
        return max(0.0, (1 - self.tokens) / self.rate) if self.rate > 0 else 60.0


@dataclass
class _Suppressed:
    count: int = 0
    since: float = 0.0
    first: str = ""


class Admission:
    """Turns messages into what they ask for, or raises CallRejected with the reason.
    `configure` it before use (the reception does, at start and on every reload)."""

    def shift(self, step: float) -> None:
        """The wall clock was stepped: allowances and held summaries keep their times."""
        for bucket in (*self._buckets.values(), *self._reports.values()):
            bucket.last += step
        for held in self._suppressed.values():
            held.since += step

    def __init__(self) -> None:
        self._buckets: dict[str, TokenBucket] = {}
        self._reports: dict[str, TokenBucket] = {}
        self._suppressed: dict[str, _Suppressed] = {}

    def configure(self, config: Config, routing: Routing) -> None:
        """A new config: its limits apply from now (allowances start full again)."""
        self._config = config
        self._routing = routing
        self._buckets.clear()

    # -- senders -----------------------------------------------------------------------------

    def sender(self, message: Inbound) -> str:
        """Whose allowance a message uses: a listed counter's own, or a shared one."""
        if message.kind is MessageKind.UNKNOWN:
            return UNKNOWN
        if message.counter is None:
            return OPERATOR
        if message.counter in self._config.counters:
            return message.counter
        return UNLISTED

    def answers_for(self, message: Inbound) -> bool:
        """Whether this node reports what is wrong with the message: on a site of several
        racks, only the first node of those that play its counter (for other senders, the
        site's first node), so that one mistake makes one `rejected` event."""
        config = self._config
        if len(config.nodes) <= 1:
            return True
        routing = self._routing
        try:
            targets = routing.targets_for(message.counter) if message.counter else ()
            nodes = routing.nodes_of(routing.expand(targets)) or config.nodes
        except UnknownZone:
            nodes = config.nodes
        return nodes[0] == config.node

    def admit(self, message: Inbound, now: float) -> None:
        """CallRejected when the sender is over its rate (replays from the journal and the
        daily schedule's messages pass)."""
        if message.journaled is not None or message.scheduled:
            return
        if message.kind is MessageKind.UNKNOWN:
            return
        who = self.sender(message)
        limits = self._config.security.rate_limit
        per_minute = limits.operator_per_minute if who == OPERATOR else limits.calls_per_minute
        bucket = self._buckets.setdefault(
            who, TokenBucket(per_minute / 60, limits.burst, limits.burst, now)
        )
        if not bucket.take(now):
            name = who if who in (OPERATOR, UNLISTED) else f"counter {who}"
            raise RateLimited(
                f"{name} sends more than {per_minute:g} a minute (bursts of {limits.burst}): "
                "this one is dropped (security.rate_limit)",
                retry_after=bucket.wait_s(),
            )

    # -- what a message asks for -------------------------------------------------------------

    def request(self, message: Inbound) -> Call | OperatorMessage:
        """The call or operator message a message asks for; CallRejected says why not."""
        if message.kind is MessageKind.CALL:
            assert message.counter is not None
            max_repeats = self._config.scheduling.max_repeats
            call = parse_call(message.counter, message.payload, message.received, max_repeats)
            if message.journaled:  # the id it was taken as (it may have been made up here)
                call = dataclasses.replace(call, id=ref_of(message.journaled))
            if message.retained and not call.caller_id:
                raise CallRejected(
                    "retained call without an id: it would be read out again at every "
                    "reconnect; publish calls without retain, or give them an id",
                    ticket=call.ticket,
                )
            return call
        if message.kind is MessageKind.ANNOUNCE:
            operator = parse_announce(message.payload, message.received)
            if message.journaled:
                operator = dataclasses.replace(operator, id=ref_of(message.journaled))
            elif message.retained and not operator.caller_id:
                raise CallRejected(
                    "retained announcement without an id: it would be read out again at every "
                    "reconnect; publish it without retain, or give it an id",
                )
            return operator
        raise CallRejected(f"topic {message.topic[:200]!r} is not one pager listens to")

    def cancel(self, message: Inbound) -> Cancel:
        return parse_cancel(message.counter, message.payload)

    def test(self, message: Inbound) -> TestRequest:
        """A zone test (or a stop of all tests); CallRejected says why not."""
        request = parse_test(message.payload)
        if message.retained:
            raise CallRejected("a retained test would play again at every reconnect; publish "
                               "tests without retain", id=request.id)  # fmt: skip
        outputs = self._config.audio.channels
        if request.channel is not None and request.channel > outputs:
            raise CallRejected(f"channel {request.channel}: the interface has {outputs} "
                               "outputs (audio.channels)", id=request.id)  # fmt: skip
        return request

    def check_length(self, job: Job) -> None:
        """Operator text is bounded in the audio it would make, before it is queued (the
        library's messages are the technician's, checked by `pager check`)."""
        if job.message is not None:
            return
        a, limit = self._config.announcement, self._config.security.max_speech_s
        seconds = sum(
            syllables(words) / (a.rate / WPM_PER_SYLLABLE_PER_S) + pause
            for words, pause in job.speech.phrases
        )
        if seconds > limit:
            raise CallRejected(
                f"the message would take about {seconds:.0f} s to say; at most {limit:g} s "
                "(security.max_speech_s)",
                id=job.shown_id,
            )

    # -- reporting rejections ----------------------------------------------------------------

    def rejection(
        self, message: Inbound, rejected: CallRejected, now: float
    ) -> dict[str, object] | None:
        """The fields of this rejection's `rejected` event, or None while its sender's
        rejections are being summed up."""
        if not self.report(message, rejected.reason, now):
            return None
        counter = message.counter
        return {
            "id": ref_of(message.journaled) if message.journaled else None, "ticket": None,
            "counter": counter if counter and COUNTER_PATTERN.match(counter) else None,
            **rejected.known, "reason": rejected.reason,
        }  # fmt: skip

    def summary_events(self, now: float) -> list[dict[str, object]]:
        """The fields of a `rejected` event for each sender whose unreported rejections are
        due to be summed up."""
        due = [who for who, held in self._suppressed.items() if now >= held.since + SUMMARY_AFTER_S]
        out: list[dict[str, object]] = []
        for who in due:
            held = self._suppressed.pop(who)
            count, first = held.count, held.first
            counter = who if COUNTER_PATTERN.match(who) else None
            messages = "message was" if count == 1 else "messages were"
            out.append({
                "id": None, "ticket": None, "counter": counter, "count": count,
                "reason": f"{count} more {messages} rejected from this sender in the last "
                          f"second, not each reported; the first: {first}",
            })  # fmt: skip
        return out

    def report(self, message: Inbound, reason: str, now: float) -> bool:
        """Whether this rejection gets an event of its own (else it is counted for a summary)."""
        who = self.sender(message)
        bucket = self._reports.setdefault(
            who, TokenBucket(REJECTIONS_PER_SECOND, REJECTIONS_BURST, REJECTIONS_BURST, now)
        )
        if bucket.take(now):
            return True
        held = self._suppressed.setdefault(who, _Suppressed(since=now, first=reason))
        held.count += 1
        return False

    def next_deadline(self) -> float | None:
        """When the next summary is due."""
        times = [held.since + SUMMARY_AFTER_S for held in self._suppressed.values()]
        return min(times) if times else None
