"""Speech rendered ahead, and how a call is said (alone, while its zones are busy, or
inside a combined announcement). Pure."""

from __future__ import annotations

from collections.abc import Callable

from pager.core.announcer import Announcer, Style
from pager.core.effects import Effect, Prerender
from pager.core.scheduler import Scheduler
from pager.values.jobs import Job

# The compact zones among these that are behind.
Behind = Callable[[tuple[str, ...]], frozenset[str]]


def style(
    zones: tuple[str, ...], combined: bool, announcer: Announcer, scheduler: Scheduler,
    busy_queue: int,
) -> Style:  # fmt: skip
    """How a call on these zones is said: in its combined sentence, or alone (shorter while
    more than `busy_queue` calls wait for one of them, when a busy template is set)."""
    if combined:
        return "combined"
    if announcer.busy_template is None:
        return "alone"
    depths = scheduler.queue_depths()
    busy = any(depths.get(zone, 0) > busy_queue for zone in zones)
    return "busy" if busy else "alone"


class RenderAhead:
    """Prerenders the speech of the jobs next in line on each zone, once each."""

    def __init__(self) -> None:
        self._done: set[tuple[str, int, str]] = set()  # (job id, play, style)

    def effects(
        self, scheduler: Scheduler, announcer: Announcer, busy_queue: int, now: float,
        behind: Behind | None = None,
    ) -> list[Effect]:  # fmt: skip
        self._done = {key for key in self._done if scheduler.knows(key[0])}
        effects: list[Effect] = []
        for together in scheduler.upcoming(now):
            said = style(together[0].zones, len(together) > 1, announcer, scheduler, busy_queue)
            for job in (j for j in together if j.speech.phrases):  # a test tone has none
                if (job.id, job.play, said) in self._done:
                    continue
                self._done.add((job.id, job.play, said))
                effects.append(Prerender(job.id, announcer.for_play(job, said)))
                if said != "combined":  # zones with their own sentence
                    effects += [
                        Prerender(job.id, announcer.for_play(job, said, template))
                        for template, _ in job.variants
                    ]
            effects += self._compact(together, announcer, behind)
        return effects

    def _compact(
        self, together: tuple[Job, ...], announcer: Announcer, behind: Behind | None
    ) -> list[Effect]:
        """The compact sentences of calls whose compact zones are behind."""
        first = together[0]
        if behind is None or first.compact is None or not behind(first.zones):
            return []
        effects: list[Effect] = []
        for job in together:
            if (job.id, job.play, "compact") not in self._done:
                self._done.add((job.id, job.play, "compact"))
                effects.append(Prerender(job.id, announcer.for_play(job, "compact")))
        return effects
