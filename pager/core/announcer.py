"""Validated messages to jobs: where each announcement goes and the sentence it speaks."""

from __future__ import annotations

import string

from pager.config.model import AnnouncementConfig
from pager.core.messages import Call, OperatorMessage
from pager.core.model import Job, Priority
from pager.errors import CallRejected
from pager.speech.lexicon import DEFAULT_LEXICON
from pager.speech.normalize import tidy, verbalize
from pager.speech.words import Zeros, ordinal_words, read_counter, read_ticket
from pager.zones import Routing, UnknownZone


class Announcer:
    """Routes messages and writes their sentences from the template and lexicon."""

    def __init__(self, routing: Routing, announcement: AnnouncementConfig) -> None:
        self.routing = routing
        self.lexicon = {**DEFAULT_LEXICON, **announcement.lexicon}
        self.zeros: Zeros = "read" if announcement.ticket_zeros == "read" else "skip"
        # The template's own words go through the lexicon too ("No. {ticket}" says "nomor").
        self.template = "".join(
            verbalize(text, self.lexicon) + (f" {{{name}}} " if name is not None else "")
            for text, name, _, _ in string.Formatter().parse(announcement.template)
        )
        self.repeat_prefix = announcement.repeat_prefix

    def call(self, call: Call) -> Job:
        """The job for a call; raises CallRejected when it cannot be routed."""
        try:
            zones = self.routing.route(call.counter, call.zones).zones
        except UnknownZone as error:
            raise CallRejected(
                str(error), id=call.id, ticket=call.ticket, counter=call.counter
            ) from None
        return Job(
            call.id, call.priority, zones, call.counter, call.ticket, call.called_at,
            call.repeat, text=self.sentence(call),
        )  # fmt: skip

    def message(self, message: OperatorMessage) -> Job:
        """The job for an operator message (all zones unless it names some)."""
        try:
            zones = self.routing.expand(message.zones or tuple(self.routing.zones))
        except UnknownZone as error:
            raise CallRejected(str(error), id=message.id) from None
        text = verbalize(message.text, self.lexicon, self.zeros)
        return Job(message.id, message.priority, zones, called_at=message.received, text=text)

    def sentence(self, call: Call) -> str:
        service = call.service or self.routing.service_of(call.counter) or ""
        return tidy(
            self.template.format(
                ticket=read_ticket(call.ticket, self.zeros),
                counter=read_counter(call.counter, self.lexicon),
                service=verbalize(service, self.lexicon, self.zeros),
            )
        )

    def text_for_play(self, job: Job) -> str:
        """The sentence for the job's play: repeats of calls say so ("Panggilan kedua, ...")."""
        if job.play <= 1 or job.priority is Priority.EMERGENCY or job.ticket is None:
            return job.text
        prefix = self.repeat_prefix.format(ordinal=ordinal_words(job.play))
        text = job.text
        if prefix.rstrip().endswith(","):
            text = text[:1].lower() + text[1:]
        return prefix + text
