"""Validated messages to jobs: where each announcement goes and what it says, phrase by phrase."""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from typing import Literal

from pager.config.announcement import AnnouncementConfig
from pager.config.library import Message
from pager.config.model import Config
from pager.config.privacy import PrivacyConfig, Service
from pager.core.payloads import Call, OperatorMessage, TestRequest
from pager.errors import CallRejected, NotAllowed, NotHere, did_you_mean
from pager.language.lexicon import DEFAULT_LEXICON
from pager.language.normalize import tidy, verbalize
from pager.language.words import Zeros, number_words, ordinal_words, read_counter, ticket_parts
from pager.values.jobs import Job, Sentences, ZoneTest, job_key
from pager.values.priority import Priority
from pager.values.privacy import NameLevel
from pager.values.spoken import Spoken
from pager.zones import Routing, UnknownZone

# Marks in a sentence being built (never in user text: normalization drops such characters).
BREATH = "\ue000"  # a phrase break: announcement.phrase_pause_ms
TICKET = "\ue001"  # between a ticket's letters and its number: announcement.ticket_pause_ms
TEST_SENDER = "~test"  # zone tests' ids are their own (no counter id holds "~")
_AFTER_PUNCTUATION = re.compile(r"([,.;:!?])\s+")
Style = Literal["alone", "busy", "combined", "compact"]


def _spoken_name(zone: str) -> str:
    return re.sub(r"[-_]+", " ", zone)


def _listed(outputs: tuple[int, ...]) -> str:
    """1 -> "satu"; (7, 8) -> "tujuh dan delapan"; (1, 2, 3) -> "satu, dua, dan tiga"."""
    words = [number_words(n) for n in outputs]
    if len(words) <= 2:
        return " dan ".join(words)
    return ", ".join(words[:-1]) + ", dan " + words[-1]


def _variant_levels(
    contents: tuple[tuple[str, str], ...], levels: dict[str, NameLevel]
) -> list[tuple[str, NameLevel]]:
    """Each variant's key with the name level its zones say."""
    found = {key: levels.get(zone, NameLevel.OFF) for zone, key in contents if key}
    return list(found.items())


class Announcer:
    """Routes messages and writes what they say from the template and lexicon."""

    def __init__(
        self, routing: Routing, announcement: AnnouncementConfig,
        privacy: PrivacyConfig | None = None, services: Mapping[str, Service] | None = None,
        library: Mapping[str, Message] | None = None,
    ) -> None:  # fmt: skip
        self.routing = routing
        self.privacy = privacy or PrivacyConfig()
        self.services = services or {}
        self.library = library or {}
        self.lexicon = {**DEFAULT_LEXICON, **announcement.lexicon}
        self.zeros: Zeros = "read" if announcement.ticket_zeros == "read" else "skip"
        self.pauses = {BREATH: announcement.phrase_pause_ms / 1000,
                       TICKET: announcement.ticket_pause_ms / 1000}  # fmt: skip
        self.template = self._compile(announcement.template)
        self.combined_template = self._compile(announcement.combined_template)
        self.busy_template = (
            self._compile(announcement.busy_template) if announcement.busy_template else None
        )
        self.pickup_template = self._compile(announcement.pickup_template)
        self.pickup_combined_template = self._compile(announcement.pickup_combined_template)
        self.compact_template = self._compile(announcement.compact_template)
        self.pickup_compact_template = self._compile(announcement.pickup_compact_template)
        self.name_phrase = self._compile(announcement.name_phrase)
        self.repeat_prefix = announcement.repeat_prefix
        self.final_prefix = announcement.final_prefix
        self.zone_templates = {
            template: self._compile(template)
            for zone in routing.zones.values()
            for template in (zone.template, zone.pickup_template)
            if template
        }

    @classmethod
    def of(cls, config: Config, routing: Routing | None = None) -> Announcer:
        """The announcer of a config (with its routing, unless given)."""
        return cls(routing or Routing.of(config), config.announcement, config.privacy,
                   config.services, config.messages)  # fmt: skip

    def _compile(self, template: str) -> str:
        """The template's own words go through the lexicon too ("No. {ticket}" says
        "nomor"), and the announcer breathes before the ticket."""
        pieces = []
        for text, name, _, _ in string.Formatter().parse(template):
            pieces.append(verbalize(text, self.lexicon))
            if name == "ticket":
                pieces.append(f"{BREATH}{{ticket}}")
            elif name is not None:
                pieces.append(f" {{{name}}} ")
        return " ".join(pieces)

    def call(self, call: Call) -> Job:
        """The job for a call; raises CallRejected when it cannot be routed."""
        try:
            site_zones = self.routing.expand(self.routing.targets_for(call.counter, call.zones))
        except UnknownZone as error:
            raise CallRejected(
                str(error), id=call.id, ticket=call.ticket, counter=call.counter
            ) from None
        zones = self._here(site_zones)
        ceiling = self.routing.max_priority_of(call.counter)
        if call.priority > ceiling:
            raise NotAllowed(
                f"counter {call.counter} may ask for {ceiling.label} at most "
                f"(counters.{call.counter}.max_priority), not {call.priority.label}",
                id=call.id, ticket=call.ticket, counter=call.counter,
            )  # fmt: skip
        pickup = call.kind == "pickup"
        levels = self._name_levels(call, zones)
        strictest = min(levels.values(), default=NameLevel.OFF)
        shown_level = min(self.privacy.names_shown, max(levels.values(), default=NameLevel.OFF))
        combined = self.pickup_combined_template if pickup else self.combined_template
        busy_template = None if pickup else self.busy_template
        compact = self.pickup_compact_template if pickup else self.compact_template
        main_level, contents, variants = self._zone_contents(call, zones, levels)

        written: dict[NameLevel, Sentences] = {}  # a call without a name: one level only

        def sentences(level: NameLevel) -> Sentences:
            if level not in written:
                busy = self.sentence(call, busy_template, level) if busy_template else None
                written[level] = Sentences(self.sentence(call, None, level),
                                           self.sentence(call, combined, level), busy,
                                           self.sentence(call, compact, level))  # fmt: skip
            return written[level]

        said = sentences(strictest)
        shown = None
        if call.name is not None:  # each zone's own sentence with no more name than shown
            shown = replace(sentences(shown_level), variants=tuple(
                (key, self.sentence(call, self._own(call, key), min(level, shown_level)))
                for key, level in _variant_levels(contents, levels)
            ))  # fmt: skip
        speech = sentences(main_level).speech if main_level in written else (
            self.sentence(call, None, main_level)
        )  # fmt: skip
        return Job(
            job_key(call.counter, call.id), call.priority, zones, call.counter, call.ticket,
            call.called_at, call.repeat, speech=speech,
            ref=call.id, combined=said.combined, busy=said.busy, compact=said.compact,
            variants=variants,
            nodes=self.routing.nodes_of(site_zones), kind=call.kind, final=call.final,
            contents=contents, shown=shown, personal=call.name is not None,
            name=(call.name.written(shown_level) or None) if call.name is not None else None,
            service=call.service or self.routing.service_of(call.counter),
        )  # fmt: skip

    def _name_levels(self, call: Call, zones: tuple[str, ...]) -> dict[str, NameLevel]:
        """How much of the call's name each zone says (none: the call has no name): the
        strictest of `privacy.names`, the zone's `names` and the service's `names`."""
        if call.name is None:
            return {}
        service = self.services.get(call.service or self.routing.service_of(call.counter) or "")
        ceiling = self.privacy.names
        if service is not None and service.names is not None:
            ceiling = min(ceiling, service.names)
        zone_levels = {z: self.routing.zones[z].names for z in zones}
        return {z: ceiling if own is None else min(ceiling, own) for z, own in zone_levels.items()}

    def _zone_contents(
        self, call: Call, zones: tuple[str, ...], levels: dict[str, NameLevel]
    ) -> tuple[NameLevel, tuple[tuple[str, str], ...], tuple[tuple[str, Spoken], ...]]:
        """The name level of the main sentence (the one most zones without a template of
        their own say), the zones that hear something else, and those sentences."""
        own = {z: self.routing.zones[z].content(call.kind) for z in zones}
        plain = Counter(levels.get(z, NameLevel.OFF) for z in zones if own[z] is None)
        main = min(plain, key=lambda level: (-plain[level], level), default=NameLevel.OFF)
        contents: list[tuple[str, str]] = []
        variants: dict[str, Spoken] = {}
        for zone in zones:
            template, level = own[zone], levels.get(zone, NameLevel.OFF)
            if template == "" or (template is None and level == main):
                if template == "":
                    contents.append((zone, ""))
                continue
            key = template if call.name is None else f"{template or ''}\x1f{level.label}"
            contents.append((zone, key or ""))
            if key not in variants:
                chosen = self.zone_templates[template] if template else None
                variants[key or ""] = self.sentence(call, chosen, level)
        return main, tuple(contents), tuple(sorted(variants.items()))

    def _own(self, call: Call, key: str) -> str | None:
        """The compiled zone template a variant's key names (None: the kind's own)."""
        own = key.split("\x1f", 1)[0] if call.name is not None else key
        return self.zone_templates[own] if own else None

    def _here(self, site_zones: tuple[str, ...]) -> tuple[str, ...]:
        """This node's zones among them; NotHere when there are none (other racks play it)."""
        zones = self.routing.route_zones(site_zones).zones
        if not zones:
            raise NotHere(f"zones {', '.join(site_zones)} are other nodes' ")
        return zones

    def message(self, message: OperatorMessage) -> Job:
        """The job for an operator message, or a message of the library by its name (all
        zones unless it, or the library, names some)."""
        entry = self._library_entry(message)
        wanted = message.zones or (entry.zones if entry else ()) or tuple(self.routing.site)
        try:
            site_zones = self.routing.expand(wanted)
        except UnknownZone as error:
            raise CallRejected(str(error), id=message.id) from None
        zones = self._here(site_zones)
        text = entry.text if entry is not None else message.text
        speech = self._phrases(verbalize(text, self.lexicon, self.zeros)) if text else Spoken()
        priority = message.priority
        if entry is not None and not message.priority_given:
            priority = entry.priority
        return Job(job_key(None, message.id), priority, zones,
                   called_at=message.received, speech=speech, ref=message.id,
                   nodes=self.routing.nodes_of(site_zones),
                   repeats=entry.repeat if entry else 0, message=message.message,
                   clip=message.message if entry and entry.file else None,
                   chime=entry.chime if entry else True, source=message.source)  # fmt: skip

    def _library_entry(self, message: OperatorMessage) -> Message | None:
        if message.message is None:
            return None
        entry = self.library.get(message.message)
        if entry is None:
            hint = did_you_mean(message.message, self.library)
            known = ", ".join(self.library) or "none: the config has no messages"
            raise CallRejected(f"unknown message {message.message}{hint} (the library: "
                               f"{known})", id=message.id)  # fmt: skip
        return entry

    def zone_test(self, request: TestRequest) -> Job:
        """The job for a zone test: "Tes zona food court, kanal tujuh dan delapan." on the
        zone, or "Tes kanal tujuh, zona food court." on one output (its zone waits for it:
        an output of no zone is a zone of its own, `output-N`)."""
        if request.zone is not None:
            if request.zone in self.routing.site and request.zone not in self.routing.zones:
                raise NotHere(f"zone {request.zone} is node {self.routing.site[request.zone]}'s")
            if request.zone not in self.routing.zones:
                hint = did_you_mean(request.zone, self.routing.zones)
                raise CallRejected(f"unknown zone {request.zone}{hint}", id=request.id)
            zone = request.zone
            outputs = self.routing.zones[zone].channels
            said = f"Tes zona {_spoken_name(zone)}, kanal {_listed(outputs)}."
        else:
            assert request.channel is not None
            owner = self.routing.zone_of_output(request.channel)
            zone = owner or f"output-{request.channel}"
            where = f", zona {_spoken_name(owner)}" if owner else ""
            said = f"Tes kanal {number_words(request.channel)}{where}."
        speech = Spoken() if request.tone else self._phrases(verbalize(said, self.lexicon))
        test = ZoneTest(request.zone, request.channel, request.tone)
        return Job(job_key(TEST_SENDER, request.id), Priority.TEST, (zone,), speech=speech,
                   ref=request.id, test=test)  # fmt: skip

    def sentence(
        self, call: Call, template: str | None = None, level: NameLevel = NameLevel.OFF
    ) -> Spoken:
        """What a call says: the template (by default the call's kind's: `template` or
        `pickup_template`) with the ticket, counter and service read out, and its name as
        far as `level` allows."""
        service = call.service or self.routing.service_of(call.counter) or ""
        pickup = call.kind == "pickup"
        letters, number = ticket_parts(call.ticket, self.zeros, receipt=pickup)
        template = template or (self.pickup_template if pickup else self.template)
        name = call.name.spoken(level, self.lexicon) if call.name is not None else ""
        return self._capitalized(
            self._phrases(
                template.format(
                    ticket=f"{letters}{TICKET}{number}" if letters else number,
                    counter=read_counter(call.counter, self.lexicon),
                    service=verbalize(service, self.lexicon, self.zeros),
                    name=name,
                    name_phrase=self.name_phrase.format(name=name) if name else "",
                )
            )
        )

    def for_play(
        self, job: Job, style: Style = "alone", template: str | None = None, *,
        shown: bool = False,
    ) -> Spoken:  # fmt: skip
        """What the job's play says, alone, alone while its zones are busy, or inside a
        combined announcement; in zones with their own `template`, that sentence when
        alone; repeats of calls say so ("Panggilan kedua, ..."), and final calls
        ("Panggilan terakhir, ..."). `shown`: as events and logs show it (a name only as
        `privacy.names_shown` allows)."""
        display = job.shown if shown and job.shown is not None else None
        speech = display.speech if display else job.speech
        combined = display.combined if display else job.combined
        busy = display.busy if display else job.busy
        compact = display.compact if display else job.compact
        if style == "combined" and combined.phrases:
            speech = combined
        elif style == "compact" and compact is not None:
            speech = compact
        elif template is not None:
            speech = dict(display.variants if display else job.variants)[template]
        elif style == "busy" and busy is not None:
            speech = busy
        if job.priority is Priority.EMERGENCY or job.ticket is None:
            return speech
        if job.final:
            prefix = self.final_prefix
        elif job.play > 1:
            prefix = self.repeat_prefix.format(ordinal=ordinal_words(job.play))
        else:
            return speech
        if not prefix.strip() or not speech.phrases:
            return speech
        first, *rest = speech.phrases
        if prefix.rstrip().endswith(","):
            first = (first[0][:1].lower() + first[0][1:], first[1])
        *said, (words, _) = self._phrases(prefix).phrases
        return Spoken((*said, (words, self.pauses[BREATH]), first, *rest))

    @staticmethod
    def _capitalized(spoken: Spoken) -> Spoken:
        """A sentence begins with a capital ("Be dua belas, loket tujuh."), as events show."""
        if not spoken.phrases:
            return spoken
        (words, pause), *rest = spoken.phrases
        return Spoken(((words[:1].upper() + words[1:], pause), *rest))

    def _phrases(self, marked: str) -> Spoken:
        """A sentence with its marks (and its punctuation) split into timed phrases."""
        marked = _AFTER_PUNCTUATION.sub(rf"\1{BREATH}", marked.strip())
        phrases: list[tuple[str, float]] = []
        for piece in re.split(f"([{BREATH}{TICKET}])", marked):
            if piece in self.pauses:
                if phrases:  # a pause belongs to the phrase before it; none comes first
                    words, pause = phrases[-1]
                    phrases[-1] = (words, max(pause, self.pauses[piece]))
            elif words := tidy(piece):
                phrases.append((words, 0.0))
        if phrases:
            phrases[-1] = (phrases[-1][0], 0.0)  # nothing after the last word
        return Spoken(tuple(phrases))
