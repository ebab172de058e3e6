"""The configuration reference's tables, generated from the key declarations and rules.

Each table sits between `<!-- config:NAME -->` and `<!-- /config -->` in
docs/reference/configuration.md. `python -m pager.config.docs` rewrites them in place;
`--check` exits 1 if they are stale (the test command runs the same check).
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from pager.config import schema
from pager.config.announcement import AnnouncementConfig
from pager.config.displays import Display, UiConfig
from pager.config.library import Message
from pager.config.listening import NoiseSensor, SupervisionConfig
from pager.config.model import AudioConfig, Config, SchedulingConfig
from pager.config.notify import NotifyConfig, Webhook
from pager.config.privacy import PrivacyConfig, Service
from pager.config.services import (
    HistoryConfig,
    HttpConfig,
    MqttConfig,
    MusicConfig,
    SecurityConfig,
    StandbyConfig,
    SyncConfig,
)
from pager.config.timetable import ENTRY_KEYS
from pager.config.zoning import Counter, Zone

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference" / "configuration.md"
_TABLE = re.compile(r"(<!-- config:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /config -->)", re.S)


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float | int):
        return f"{value:g}"
    if value is None or value == ():
        return "none"
    return f"`{value}`"


def _rows(cls: type, prefix: str, names: tuple[str, ...] = ()) -> Iterator[str]:
    """A row per declared key of `cls` (only `names`, in that order, if given)."""
    declared = {f.name: (f, spec) for f, spec in schema.specs(cls)}
    for name, part in schema.sections(cls).items():
        if not names:
            yield from _rows(part, f"{prefix}{name}.")
    for name in names or tuple(declared):
        f, spec = declared[name]
        if spec.shown is not None:
            default = spec.shown
        else:
            default = _shown(f.default_factory() if callable(f.default_factory) else f.default)
        reload = "applied" if spec.live else "restart"
        path = f"{prefix}{name}.NAME" if name == "groups" else f"{prefix}{name}"
        yield f"| `{path}` | {spec.check.accepts} | {default} | {reload} | {spec.doc} |"
        if spec.part is not None:
            yield from _rows(spec.part, f"{path}.")


TABLES: dict[str, Callable[[], Iterator[str]]] = {
    "general": lambda: _rows(Config, "", ("node", "state_dir")),
    "mqtt": lambda: _rows(MqttConfig, "mqtt."),
    "audio": lambda: _rows(AudioConfig, "audio."),
    "announcement": lambda: _rows(AnnouncementConfig, "announcement."),
    "zones": lambda: _rows(Zone, "zones.NAME."),
    "routing": lambda: itertools.chain(
        _rows(Config, "", ("groups",)),
        _rows(Counter, "counters.ID."),
        _rows(Config, "", ("default_zones",)),
    ),
    "scheduling": lambda: _rows(SchedulingConfig, "scheduling."),
    "music": lambda: _rows(MusicConfig, "music."),
    "security": lambda: _rows(SecurityConfig, "security."),
    "history": lambda: _rows(HistoryConfig, "history."),
    "messages": lambda: _rows(Message, "messages.NAME."),
    "schedule": lambda: itertools.chain(
        _rows(Config, "", ("timezone", "schedule_grace_s")),
        (
            f"| `schedule[].{k}` | {values} | {default} | applied | {doc} |"
            for k, values, default, doc in ENTRY_KEYS
        ),
    ),
    "privacy": lambda: itertools.chain(
        _rows(PrivacyConfig, "privacy."), _rows(Service, "services.NAME.")
    ),
    "http": lambda: _rows(HttpConfig, "http."),
    "notify": lambda: itertools.chain(
        _rows(NotifyConfig, "notify."), _rows(Webhook, "notify.webhooks[].")
    ),
    "displays": lambda: itertools.chain(_rows(Display, "displays.NAME."), _rows(UiConfig, "ui.")),
    "sync": lambda: _rows(SyncConfig, "sync."),
    "standby": lambda: _rows(StandbyConfig, "standby."),
    "supervision": lambda: _rows(SupervisionConfig, "supervision."),
}


def _rules() -> Iterator[str]:
    """A row per rule between keys: where it applies, and what it asks (its docstring)."""
    sections: list[tuple[str, type]] = [("(the whole config)", Config), ("zones.NAME", Zone),
                                        ("counters.ID", Counter),
                                        ("messages.NAME", Message),
                                        ("displays.NAME", Display),
                                        ("zones.NAME.noise_sensor", NoiseSensor)]  # fmt: skip
    pending: list[tuple[str, type]] = [("", Config)]
    while pending:
        path, cls = pending.pop(0)
        for name, part in schema.sections(cls).items():
            sections.append((f"{path}{name}", part))
            pending.append((f"{path}{name}.", part))
    shown = {cls for _, cls in sections}
    unlisted = [cls.__name__ for cls in schema.ruled() if cls not in shown]
    if unlisted:
        raise KeyError(f"rules of {', '.join(unlisted)} have no place in the reference")
    for path, cls in sections:
        for check in schema.rules(cls):
            doc = " ".join((check.__doc__ or check.__name__).split())
            yield f"| `{path}` | {doc} |" if cls is not Config else f"| {path} | {doc} |"


def table(name: str) -> str:
    """One table in Markdown: key, values, default, what a reload does with it, meaning."""
    if name == "rules":
        return "| where | rule |\n|---|---|\n" + "\n".join(_rules()) + "\n"
    head = "| key | values | default | on reload | meaning |\n|---|---|---|---|---|\n"
    return head + "\n".join(TABLES[name]()) + "\n"


def update(text: str) -> str:
    """`text` with every marked table generated afresh."""

    def fill(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in TABLES and name != "rules":
            raise KeyError(f"the reference marks an unknown config table {name!r}")
        return match[1] + table(name) + match[4]

    return _TABLE.sub(fill, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("reference", nargs="?", type=Path, default=REFERENCE)
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    args = parser.parse_args(argv)
    text = args.reference.read_text(encoding="utf-8")
    fresh = update(text)
    if args.check:
        if fresh != text:
            print(f"{args.reference}: the config tables are out of date", file=sys.stderr)
            return 1
        return 0
    args.reference.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
