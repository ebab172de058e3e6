"""Names in calls, as the law allows (UU PDP, UU 27/2022): the `privacy` section; and the
`services.NAME` entries: what a service's calls may say, and its tickets' prefix (see
`pager.config.model` for how a key is declared)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pager.config.schema import Invalid, Where, accepts, key
from pager.values.privacy import NameLevel

LEVELS = "`off`, `initials`, `short`, `full`"
_PREFIX = re.compile(r"^[A-Za-z]{1,3}$")


@accepts("1 to 3 letters")
def ticket_prefix(value: Any, where: Where) -> str:
    if not isinstance(value, str) or not _PREFIX.match(value):
        raise Invalid(f"{str(value)[:20]!r} is not 1 to 3 letters, like A or PJK")
    return value.upper()


@accepts(LEVELS)
def name_level(value: Any, where: Where) -> NameLevel:
    if value is False:  # YAML reads a bare `off` as false
        return NameLevel.OFF
    try:
        return NameLevel.from_label(value if isinstance(value, str) else "")
    except ValueError:
        raise Invalid(f"must be one of {', '.join(NameLevel.labels())}") from None


@dataclass(frozen=True)
class PrivacyConfig:
    names: NameLevel = key(
        NameLevel.OFF,
        name_level,
        'Whether a name a call carries (`"name"`) is said at all, and how much of it: '
        '`off` (never), `initials` ("B. S."), `short` (the first given name and the '
        'initials of the rest: "Budi S.") or `full`. `zones.NAME.names` and '
        "`services.NAME.names` may only say less: the strictest of the three wins.",
        shown="`off`",
    )
    names_shown: NameLevel = key(
        NameLevel.INITIALS,
        name_level,
        "How much of a name events, the status, the call log, `pager history`, the pages and "
        "the logs keep and show: never more than the most any zone said.",
        shown="`initials`",
    )


@dataclass(frozen=True)
class Service:
    """A service (an agency's desk, as `counters.ID.service` names it) and what its calls
    may say."""

    name: str
    names: NameLevel | None = key(
        None,
        name_level,
        "How much of a name this service's calls may say (its passport or tax calls may say "
        "none), within `privacy.names`; none: as `privacy.names` and the zone allow.",
        shown="none",
    )
    prefix: str | None = key(
        None,
        ticket_prefix,
        "The letters of this service's tickets (`A`: A001, A002...), for the caller page's "
        "*Panggil berikutnya*: each day's numbers start at 1 and are shared by every counter "
        "of the service, so two counters never call the same ticket (kept across restarts, in "
        "`tickets.db` in `state_dir`). Two services may not share a prefix.",
        shown="none",
    )
