"""The public screens and the pages' language: `displays.NAME` and the `ui` section (see
`pager.config.model` for how a key is declared)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pager.config import schema
from pager.config.schema import Invalid, Where, accepts, key

LANGUAGES = ("id", "en")
MAX_TITLE_CHARS = 60
MAX_URL_CHARS = 300
_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.ASCII)


@accepts("an http:// or https:// address")
def _public_url(value: Any, where: Where) -> str:
    url = str(value).strip() if isinstance(value, str) else ""
    if not _URL.fullmatch(url) or len(url) > MAX_URL_CHARS:
        raise Invalid(f"{value!r} is not an http:// or https:// address (at most "
                      f"{MAX_URL_CHARS} characters)")  # fmt: skip
    return url


@accepts("service names")
def _services(value: Any, where: Where) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise Invalid("must be a non-empty list of service names (as counters.ID.service "
                      "gives them)")  # fmt: skip
    return tuple(str(name) for name in value)


@dataclass(frozen=True)
class Display:
    """A public screen ("now calling") beside some zones' speakers, served without a
    password at `/display/NAME`."""

    name: str
    zones: tuple[str, ...] = key(
        (), schema.names, "The zones or groups whose calls it shows.", shown="every zone"
    )
    title: str = key(
        "",
        schema.text_up_to(MAX_TITLE_CHARS),
        "The heading on the screen.",
        shown='"Panggilan" (the page\'s language)',
    )
    rows: int = key(
        6, schema.integer(1, 20), "How many recent calls it lists beside the current one."
    )
    services: tuple[str, ...] = key(
        (),
        _services,
        "Only calls of these services (`counters.ID.service`, or the call's `service`).",
        shown="every service",
    )
    public_url: str | None = key(
        None,
        _public_url,
        "The address people can open on their phones to follow this screen: shown as a QR "
        "code on it (for example `http://10.0.0.5:8080/display/food-court`).",
        shown="none (no QR code)",
    )


@dataclass(frozen=True)
class UiConfig:
    language: str = key(
        "id",
        schema.one_of(*LANGUAGES),
        "The language of the status page, the display pages, and what `pager status`, "
        "`pager history` and `pager stats` print for people: `id` (Indonesian) or `en`. "
        "Events, config keys, logs and the technician's errors stay in English.",
    )
