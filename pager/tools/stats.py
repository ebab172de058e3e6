"""A day in numbers, from the call log: `pager stats [--day DATE] [--png FILE]`."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pager.tools.history import CLOCK_STEPPED, CallRecord
from pager.translations import Gettext, event_word, translator

ENGLISH = translator("en")

NOT_HEARD = ("expired", "cancelled", "superseded", "merged", "failed")


@dataclass(frozen=True)
class Waits:
    count: int
    mean_s: float | None
    p95_s: float | None

    @classmethod
    def of(cls, waits: list[float]) -> Waits:
        if not waits:
            return cls(0, None, None)
        return cls(len(waits), float(np.mean(waits)), float(np.percentile(waits, 95)))


@dataclass(frozen=True)
class DayStats:
    day: dt.date
    calls: int  # calls taken (priority call): each counts once, however often it played
    heard: int
    outcomes: dict[str, int]  # calls not heard, by why (expired, cancelled, ...)
    rejected: int
    messages: int  # operator announcements and emergencies
    waits: Waits
    per_hour: dict[int, tuple[int, Waits]]
    per_counter: dict[str, tuple[int, Waits]]
    per_zone: dict[str, tuple[int, Waits]]


def day_bounds(day: dt.date) -> tuple[float, float]:
    """The day's first and last second, in local time, as Unix seconds."""
    start = dt.datetime.combine(day, dt.time()).astimezone()
    return start.timestamp(), (start + dt.timedelta(days=1)).timestamp()


def compute(day: dt.date, found: Iterable[CallRecord]) -> DayStats:
    calls = []
    rejected = messages = 0
    for record in found:
        if record.outcome == CLOCK_STEPPED:
            continue
        if record.outcome == "rejected" and not record.starts:
            rejected += 1
        elif record.priority == "call":
            calls.append(record)
        else:
            messages += 1
    waits: dict[str, list[float]] = defaultdict(list)
    counts: Counter[str] = Counter()
    for record in calls:
        hour = dt.datetime.fromtimestamp(record.received).hour
        keys = [f"hour:{hour}", f"counter:{record.counter}",
                *(f"zone:{z}" for z in record.zones)]  # fmt: skip
        counts.update(keys)
        if record.wait_s is not None:
            for key in ["all", *keys]:
                waits[key].append(record.wait_s)

    def grouped(prefix: str) -> dict[str, tuple[int, Waits]]:
        return {
            key[len(prefix) :]: (count, Waits.of(waits[key]))
            for key, count in sorted(counts.items())
            if key.startswith(prefix)
        }

    hours = {int(k): v for k, v in grouped("hour:").items()}
    return DayStats(
        day=day,
        calls=len(calls),
        heard=sum(1 for r in calls if r.heard),
        outcomes=dict(Counter(r.outcome for r in calls if not r.heard and r.outcome in NOT_HEARD)),
        rejected=rejected,
        messages=messages,
        waits=Waits.of(waits["all"]),
        per_hour=dict(sorted(hours.items())),
        per_counter=dict(sorted(grouped("counter:").items(), key=lambda kv: _natural(kv[0]))),
        per_zone=grouped("zone:"),
    )


def _natural(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isdigit() else (1 << 30, text)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def as_text(stats: DayStats, _: Gettext = ENGLISH) -> str:
    def seconds(value: float | None) -> str:
        return "-" if value is None else _("{n} s").format(n=f"{value:.1f}")

    lines = [_("{day}: {calls} calls, {heard} heard").format(
        day=stats.day.isoformat(), calls=stats.calls, heard=stats.heard)]  # fmt: skip
    outcomes = sorted(stats.outcomes.items())
    not_heard = ", ".join(f"{n} {event_word(why, _)}" for why, n in outcomes)
    lines.append("  " + _("not heard: {list}; rejected messages: {rejected}; operator messages: "
                          "{messages}").format(list=not_heard or _("none"),
                                               rejected=stats.rejected,
                                               messages=stats.messages))  # fmt: skip
    lines.append("  " + _("wait (arrival to first sound): mean {mean}, p95 {p95}").format(
        mean=seconds(stats.waits.mean_s), p95=seconds(stats.waits.p95_s)))  # fmt: skip
    columns = (_("calls"), _("mean wait"), _("p95 wait"))
    for title, table in ((_("hour"), {f"{h:02d}:00": v for h, v in stats.per_hour.items()}),
                         (_("counter"), stats.per_counter),
                         (_("zone"), stats.per_zone)):  # fmt: skip
        lines.append("")
        width = max([len(title), *(len(k) for k in table)])
        lines.append(f"  {title.ljust(width)}  " + "  ".join(columns))
        for name, (count, w) in table.items():
            cells = (str(count), seconds(w.mean_s), seconds(w.p95_s))
            aligned = "  ".join(c.rjust(len(h)) for c, h in zip(cells, columns, strict=True))
            lines.append(f"  {name.ljust(width)}  {aligned}")
    return "\n".join(lines)


def chart(stats: DayStats, path: Path, _: Gettext = ENGLISH) -> None:
    """Calls per hour with their p95 wait, and calls per counter, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (hours, counters) = plt.subplots(2, 1, figsize=(10, 7.5), layout="constrained")
    title = _("pager: calls on {day} ({calls} calls, {heard} heard, p95 wait {p95})")
    figure.suptitle(title.format(day=stats.day.isoformat(), calls=stats.calls,
                                 heard=stats.heard, p95=_seconds(stats.waits.p95_s)))  # fmt: skip
    span = list(range(min(stats.per_hour, default=8), max(stats.per_hour, default=16) + 1))
    hours.bar(span, [stats.per_hour.get(h, (0, None))[0] for h in span], color="#4c72b0",
              label=_("calls"))  # fmt: skip
    hours.set_xticks(span, [f"{h:02d}:00" for h in span])
    hours.set_xlabel(_("hour"))
    hours.set_ylabel(_("calls"))
    waits = hours.twinx()
    p95 = [stats.per_hour[h][1].p95_s if h in stats.per_hour else None for h in span]
    waits.plot(span, [np.nan if v is None else v for v in p95], color="#dd8452", marker="o",
               label=_("p95 wait"))  # fmt: skip
    waits.set_ylabel(_("p95 wait (s)"))
    waits.set_ylim(bottom=0)
    waits.legend(loc="upper right")
    names = list(stats.per_counter)
    places = list(range(len(names)))
    counters.bar(places, [stats.per_counter[n][0] for n in names], color="#55a868")
    counters.set_xticks(places, names)
    counters.set_xlabel(_("counter"))
    counters.set_ylabel(_("calls"))
    figure.savefig(path, dpi=100)
    plt.close(figure)
