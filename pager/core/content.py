"""Per-zone content: which zones of a play hear the main sound, and which their own (a
zone's template, the compact sentence of a zone that is behind, or the chime alone). Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pager.core.announcer import Announcer, Style
from pager.core.effects import Variant
from pager.values.jobs import Job
from pager.values.priority import Priority
from pager.zones import Routing

Gains = tuple[tuple[int, float], ...]
COMPACT = "\x1e"  # the content of a compact zone that is behind: the compact sentence


@dataclass(frozen=True)
class Split:
    """How a play's zones share it out."""

    main: Gains  # the zones that hear the main sentences (none: it only keeps the time)
    style: Style  # how the main sentences are said ("compact" when every speaking zone is)
    variants: tuple[Variant, ...]  # the other zones: their own sentence(s), or the chime
    texts: tuple[tuple[tuple[str, str], ...], ...]  # per job: zone -> what it hears, as shown
    # (empty for a job whose zones all hear the same)


def behind(
    zones: Iterable[str], compact: Iterable[str], wait_s: dict[str, float],
    compacting: Iterable[str], *, after_s: float, until_s: float,
) -> frozenset[str]:  # fmt: skip
    """The compact zones among `zones` that are behind: their estimated wait is above
    `after_s`, or above `until_s` for those that were behind already (`compacting`)."""
    compact, was = set(compact), set(compacting)
    return frozenset(
        zone for zone in zones
        if zone in compact and wait_s.get(zone, 0.0) > (until_s if zone in was else after_s)
    )  # fmt: skip


def split(
    jobs: Sequence[Job], zones: tuple[str, ...], routing: Routing, announcer: Announcer, *,
    style: Style, compacted: frozenset[str] = frozenset(), gain: float | None, at: float,
) -> Split:  # fmt: skip
    """The main player's channels and the variants of a play of `jobs` (one alone, or
    several combined). Only calls have per-zone content. Inside a combined announcement a
    zone's own template gives way to the combined sentence (said with the name as far as
    the strictest zone allows), chime-only zones hear the chime, and compacted zones their
    compact sentences, each in step with the others' (a lane). When every zone that speaks
    is compacted, the compact sentences are the main ones, and the play is shorter."""
    first = jobs[0]
    calls = first.priority is Priority.CALL and first.test is None
    own = dict(first.contents) if calls else {}
    groups: dict[str | None, list[str]] = {}
    for name in zones:
        content = own.get(name)
        if style == "combined" and content:
            content = None
        if calls and name in compacted and content != "":
            content = COMPACT
        groups.setdefault(content, []).append(name)
    main_style: Style = style
    if None not in groups and COMPACT in groups:
        groups[None] = groups.pop(COMPACT)
        main_style = "compact"
    main = routing.route_zones(tuple(groups.get(None, ())), gain, at).channel_gains
    variants = tuple(
        _variant(
            jobs,
            content,
            routing.route_zones(tuple(names), gain, at).channel_gains,
            announcer,
            style,
        )
        for content, names in groups.items()
        if content is not None
    )
    texts = tuple(
        _texts(job, zones, own, compacted, announcer=announcer, style=style) for job in jobs
    )
    return Split(main, main_style, variants, texts)


def _variant(
    jobs: Sequence[Job], content: str, gains: Gains, announcer: Announcer, style: Style
) -> Variant:
    if content == "":
        return Variant(None, gains)
    if content == COMPACT and style == "combined":
        return Variant(None, gains, tuple(announcer.for_play(j, "compact") for j in jobs))
    if content == COMPACT:
        return Variant(announcer.for_play(jobs[0], "compact"), gains)
    return Variant(announcer.for_play(jobs[0], style, content), gains)


def _texts(
    job: Job, zones: tuple[str, ...], own: dict[str, str], compacted: frozenset[str], *,
    announcer: Announcer, style: Style,
) -> tuple[tuple[str, str], ...]:  # fmt: skip
    """Zone -> the sentence it hears of `job`, as events show it, when they differ."""
    texts: dict[str, str] = {}
    for zone in zones:
        content = own.get(zone)
        if content == "":
            texts[zone] = ""
        elif zone in compacted:
            texts[zone] = announcer.for_play(job, "compact", shown=True).text
        elif content and style != "combined":
            texts[zone] = announcer.for_play(job, style, content, shown=True).text
        else:
            texts[zone] = announcer.for_play(job, style, shown=True).text
    return tuple(texts.items()) if len(set(texts.values())) > 1 else ()
