"""The daily schedule: `schedule` (a list of entries: at a time, on some days, a message of
the library), with the top-level keys `timezone` and `schedule_grace_s`.

An entry's keys include `except`, which is no Python name, so entries are read here by
hand; their documentation is declared once in ENTRY_KEYS for the reference.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pager.config.schema import Invalid, Problems, Where, accepts
from pager.errors import did_you_mean

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The days' names in full, in English and in Indonesian, are taken too.
_FULL_NAMES = (("monday", "senin"), ("tuesday", "selasa"), ("wednesday", "rabu"),
               ("thursday", "kamis"), ("friday", "jumat"), ("saturday", "sabtu"),
               ("sunday", "minggu"))  # fmt: skip
DAY_SETS: Mapping[str, frozenset[int]] = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekend": frozenset({5, 6}),
    **{name: frozenset({index}) for index, name in enumerate(DAY_NAMES)},
    **{name: frozenset({index}) for index, names in enumerate(_FULL_NAMES) for name in names},
}
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
MAX_ENTRIES = 500

# (key, values, default, meaning): the reference's rows for `schedule[]`.
ENTRY_KEYS = (
    ("at", "`HH:MM`", "required", "The time of day, in `timezone` (`HH:MM:SS` to the second)."),
    ("message", "a name of `messages`", "required",
     "The message of the library to announce, in its zones, at its priority."),
    ("days", "`mon`…`sun`, `weekdays`, `weekend`, `daily`", "`daily` (none with `dates`)",
     "The days of the week it plays on: one, or a list."),
    ("dates", "list of `YYYY-MM-DD`", "none",
     "One-off days it plays on as well (or only, without `days`)."),
    ("except", "list of `YYYY-MM-DD`", "none", "Days it does not play (holidays)."),
)  # fmt: skip


@dataclass(frozen=True)
class ScheduleEntry:
    """One entry of the daily schedule."""

    at: dt.time
    message: str
    days: frozenset[int] = DAY_SETS["daily"]  # 0 = Monday
    dates: frozenset[dt.date] = frozenset()
    skipped: frozenset[dt.date] = frozenset()  # `except`

    @property
    def key(self) -> str:
        """What the entry is known by in ids: its message and time ("closing-1600")."""
        seconds = f"{self.at.second:02d}" if self.at.second else ""
        return f"{self.message}-{self.at.hour:02d}{self.at.minute:02d}{seconds}"

    def plays_on(self, day: dt.date) -> bool:
        if day in self.skipped:
            return False
        return day.weekday() in self.days or day in self.dates


@accepts("an IANA time zone name")
def time_zone(value: Any, where: Where) -> str:
    if not isinstance(value, str) or not value:
        raise Invalid("must be an IANA time zone name, like Asia/Jakarta")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zones = zoneinfo.available_timezones()
        raise Invalid(f"unknown time zone {value}{did_you_mean(value, zones)}") from None
    return value


def _time(value: Any) -> dt.time:
    match = _TIME.match(value) if isinstance(value, str) else None
    if match is None:
        raise Invalid('must be a time of day "HH:MM", like "07:30" (quoted)')
    return dt.time(int(match[1]), int(match[2]), int(match[3] or 0))


def _days(value: Any) -> frozenset[int]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names:
        raise Invalid("must be a day or a list of days: mon ... sun, weekdays, weekend, daily")
    days: set[int] = set()
    for given in names:
        name = given.lower() if isinstance(given, str) else given
        if name not in DAY_SETS:
            hint = did_you_mean(str(name), DAY_SETS)
            raise Invalid(f"unknown day {name}{hint}; use mon ... sun, weekdays, weekend, daily")
        days |= DAY_SETS[name]
    return frozenset(days)


def _dates(value: Any) -> frozenset[dt.date]:
    items = value if isinstance(value, list) else [value]
    found = set()
    for item in items:
        if isinstance(item, dt.date):  # YAML reads an unquoted 2026-09-15 as a date
            found.add(item)
            continue
        try:
            found.add(dt.date.fromisoformat(str(item)))
        except ValueError:
            raise Invalid(f"{item!r} is not a date YYYY-MM-DD") from None
    return frozenset(found)


def read_schedule(
    raw: Any, messages: Mapping[str, object], problems: Problems
) -> tuple[ScheduleEntry, ...]:
    """The schedule's entries; each mistake goes to `problems` by its path."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add("schedule", 'must be a list of entries like {at: "16:45", message: closing}')
        return ()
    if len(raw) > MAX_ENTRIES:
        problems.add("schedule", f"has {len(raw)} entries; at most {MAX_ENTRIES}")
        return ()
    entries = []
    for index, body in enumerate(raw):
        entry = _entry(body, f"schedule[{index}]", messages, problems)
        if entry is not None:
            entries.append(entry)
    return tuple(entries)


def _entry(
    body: Any, path: str, messages: Mapping[str, object], problems: Problems
) -> ScheduleEntry | None:
    if not isinstance(body, dict):
        problems.add(path, 'must be a mapping like {at: "16:45", message: closing}')
        return None
    known = [name for name, *_ in ENTRY_KEYS]
    for name in body:
        if name not in known:
            problems.add(f"{path}.{name}", f"unknown key{did_you_mean(str(name), known)}")
    fields: dict[str, Any] = {}
    readers = {"at": _time, "days": _days, "dates": _dates, "except": _dates}
    for name, read in readers.items():
        if body.get(name) is not None:
            try:
                fields[name] = read(body[name])
            except Invalid as error:
                problems.add(f"{path}.{name}", error.message)
    message = body.get("message")
    if not isinstance(message, str) or message not in messages:
        hint = did_you_mean(str(message), messages) if message is not None else ""
        problems.add(f"{path}.message", f"must name a message of the library (messages){hint}")
    if "at" not in fields:
        if body.get("at") is None:
            problems.add(f"{path}.at", 'is missing: the time of day, "HH:MM"')
        return None
    if not isinstance(message, str) or message not in messages:
        return None
    days = fields.get("days", frozenset() if "dates" in fields else DAY_SETS["daily"])
    return ScheduleEntry(fields["at"], message, days, fields.get("dates", frozenset()),
                         fields.get("except", frozenset()))  # fmt: skip
