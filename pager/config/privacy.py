"""Names in calls, as the law allows (UU PDP, UU 27/2022): the `privacy` section and the
`services.NAME` entries (see `pager.config.model` for how a key is declared)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pager.config.schema import Invalid, Where, accepts, key
from pager.values.privacy import NameLevel

LEVELS = "`off`, `initials`, `short`, `full`"


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
