"""Per-zone content: which zones of a play hear the main sound, and which their own (a
zone's template, or the chime alone). Pure."""

from __future__ import annotations

from pager.core.announcer import Announcer, Style
from pager.core.effects import Variant
from pager.values.jobs import Job
from pager.values.priority import Priority
from pager.zones import Routing

Gains = tuple[tuple[int, float], ...]


def split(
    job: Job, zones: tuple[str, ...], routing: Routing, announcer: Announcer, *,
    style: Style, gain: float | None, at: float,
) -> tuple[Gains, tuple[Variant, ...]]:  # fmt: skip
    """The main player's channels (the zones that hear the announcement's sentence; none
    when every zone has content of its own, and then it plays on no channel, keeping the
    time of the sentence) and the variants. Only calls have per-zone content; inside a
    combined announcement a zone's own content gives way to the combined sentence (said
    with the name as far as the strictest zone allows), and chime-only zones hear the
    chime."""
    groups: dict[str | None, list[str]] = {}
    own = dict(job.contents) if job.priority is Priority.CALL else {}
    for name in zones:
        content = own.get(name)
        if style == "combined" and content:
            content = None
        groups.setdefault(content, []).append(name)
    main = routing.route_zones(tuple(groups.pop(None, ())), gain, at).channel_gains
    variants = tuple(
        Variant(
            None if content == "" else announcer.for_play(job, style, content),
            routing.route_zones(tuple(names), gain, at).channel_gains,
        )
        for content, names in groups.items()
    )
    return main, variants
