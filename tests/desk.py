"""The controller's side of the runtime, played by hand: messages in, effects out, a clock."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from pager import config
from pager.config.model import Config
from pager.core import inputs
from pager.core.controller import Controller
from pager.core.effects import Effect, JournalAdd, Prerender, Publish, StartPlay
from pager.values.jobs import ref_of
from pager.values.messages import Inbound, MessageKind
from tests.conftest import EXAMPLE_CONFIG

EXAMPLE = dataclasses.replace(config.load(EXAMPLE_CONFIG), schedule=())  # no daily messages
FOOD_COURT = 10 ** (-4 / 20)


def call(counter: str, ticket: str, ident: str | None = None, **fields: Any) -> Inbound:
    body = {"ticket": ticket, **({"id": ident} if ident else {}), **fields}
    return Inbound(f"pager/call/{counter}", MessageKind.CALL, counter, json.dumps(body).encode(), 0)


def announce(text: str, ident: str, **fields: Any) -> Inbound:
    body = json.dumps({"text": text, "id": ident, **fields}).encode()
    return Inbound("pager/announce", MessageKind.ANNOUNCE, None, body, 0)


def cancel(ident: str) -> Inbound:
    body = json.dumps({"id": ident}).encode()
    return Inbound("pager/cancel", MessageKind.CANCEL, None, body, 0)


class Desk:
    """A controller and a clock, with the runtime's side played by hand."""

    def __init__(self, cfg: Config = EXAMPLE, now: float = 1000.0) -> None:
        self.controller = Controller(cfg)
        self.now = now
        self.effects: list[Effect] = []

    def feed(self, item: inputs.Input) -> list[Effect]:
        if isinstance(item, Inbound) and not item.received:
            item = dataclasses.replace(item, received=self.now)  # it arrives now
        effects = self.controller.handle(item, self.now)
        self.effects += effects
        return effects

    def take(self, message: Inbound) -> list[Effect]:
        """A message as the runtime takes it when the journal works."""
        effects = self.feed(message)
        adds = [e for e in effects if isinstance(e, JournalAdd)]
        for add in adds:
            effects += self.feed(inputs.Journaled(add.job_id))
        return effects

    def play(self, shown_id: str) -> int:
        """The play number of the latest StartPlay of the job its sender calls `shown_id`."""
        return [
            e for e in self.effects
            if isinstance(e, StartPlay) and ref_of(e.job_id) == shown_id
        ][-1].play  # fmt: skip

    def finish(self, job_id: str, failure: str | None = None) -> list[Effect]:
        play = self.play(job_id)
        return self.feed(inputs.PlayStarted(play)) + self.feed(
            inputs.PlayFinished(play, 6.5, 0.0, failure)
        )

    @property
    def held(self) -> dict[str, str]:
        """Zone -> the id (as its sender gave it) of the job playing there."""
        return {zone: ref_of(key) for zone, key in self.controller.scheduler.playing().items()}

    @property
    def waiting(self) -> int:
        return sum(self.controller.scheduler.queue_depths().values())


def events(effects: Sequence[Effect], name: str | None = None) -> list[dict[str, object]]:
    bodies = [dict(e.body) for e in effects if isinstance(e, Publish)]
    return [b for b in bodies if name is None or b["event"] == name]


def names(effects: Sequence[Effect]) -> list[tuple[object, object]]:
    return [(b["event"], b.get("id")) for b in events(effects)]


def kinds(effects: Sequence[Effect]) -> list[str]:
    return [type(e).__name__ for e in effects]


def prerendered(effects: Sequence[Effect]) -> list[str]:
    return [ref_of(e.job_id) for e in effects if isinstance(e, Prerender)]
