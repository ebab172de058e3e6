"""YAML in, a validated `Config` out; every mistake named by its YAML path, all at once."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml

from pager.config import checks, schema
from pager.config.displays import Display
from pager.config.library import Message
from pager.config.model import Config
from pager.config.privacy import Service
from pager.config.schema import Invalid, Problems, Where
from pager.config.timetable import read_schedule
from pager.config.zoning import Counter, Zone
from pager.errors import ConfigError, ConfigUnreadable, did_you_mean
from pager.language.words import COUNTER_PATTERN

MAX_CONFIG_BYTES = 1024 * 1024
MAX_NODES = 100_000  # the document's size with every alias (*name) expanded
MAX_PROBLEMS = 50
T = TypeVar("T", Message, Display)  # reported at once: a config-rejected event stays small


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many nodes the document holds once every alias is expanded (each shared node is
    measured once, so a "billion laughs" document is measured in microseconds)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, sizes) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    sizes[id(node)] = min(size, MAX_NODES + 1)
    return sizes[id(node)]


def _parse_yaml(text: str) -> Any:
    """The YAML document, refusing one whose aliases expand it past MAX_NODES nodes."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        if _expanded_size(root, {}) > MAX_NODES:
            raise yaml.YAMLError(f"its aliases (*name) expand it past {MAX_NODES} values: refused")
        return loader.construct_document(root)
    finally:
        loader.dispose()


def _load_zones(raw: Any, channels: int, where: Where, problems: Problems) -> dict[str, Zone]:
    if not isinstance(raw, dict) or not raw:
        problems.add("zones", "must map at least one zone name to its output channels")
        return {}
    result: dict[str, Zone] = {}
    owner: dict[tuple[str | None, int], str] = {}  # outputs are numbered per node
    for name, body in raw.items():
        path = f"zones.{name}"
        zone = schema.read(Zone, body, path, problems, where, name=str(name))
        if zone is None:
            continue
        good = []
        for index, output in enumerate(zone.channels):
            at = f"{path}.channels[{index}]"
            if output > channels:
                problems.add(at, f"channel {output} > {channels} channels (audio.channels)")
            elif owner.get((zone.node, output), zone.name) != zone.name:
                other = owner[(zone.node, output)]
                on = f" on node {zone.node}" if zone.node else ""
                problems.add(at, f"channel {output}{on} already belongs to zone {other}")
            else:
                owner[(zone.node, output)] = zone.name
                good.append(output)
        result[zone.name] = dataclasses.replace(zone, channels=tuple(good))
    return result


def _load_groups(
    raw: Any, zones: dict[str, Zone], where: Where, problems: Problems
) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add("groups", "must map group names to lists of zone names")
        return {}
    result: dict[str, tuple[str, ...]] = {}
    for name, members in raw.items():
        path = f"groups.{name}"
        if str(name) in zones:
            problems.add(path, f"a zone is already called {name}; pick another group name")
            continue
        try:
            names = schema.names(members, where)
        except Invalid as error:
            problems.add(path, error.message)
            continue
        for index, member in enumerate(names):
            if member not in zones:
                problems.add(
                    f"{path}[{index}]", f"unknown zone {member}{did_you_mean(member, zones)}"
                )
        result[str(name)] = names
    return result


def _check_targets(
    names: tuple[str, ...], path: str, known: Mapping[str, object], problems: Problems
) -> None:
    """Each name is a zone or a group (`known` holds both)."""
    for index, name in enumerate(names):
        if name not in known:
            problems.add(f"{path}[{index}]",
                         f"unknown zone or group {name}{did_you_mean(name, known)}")  # fmt: skip


def _load_counters(
    raw: Any, known: Mapping[str, object], where: Where, problems: Problems
) -> dict[str, Counter]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add("counters", "must map counter ids to their zones")
        return {}
    result: dict[str, Counter] = {}
    for ident, body in raw.items():
        path = f"counters.{ident}"
        if not COUNTER_PATTERN.match(str(ident)):
            problems.add(path, "counter ids are 1-32 letters, digits, - or _")
            continue
        counter = schema.read(Counter, body, path, problems, where, id=str(ident))
        if counter is not None:
            _check_targets(counter.zones, f"{path}.zones", known, problems)
            result[counter.id] = counter
    return result


def _load_services(raw: Any, where: Where, problems: Problems) -> dict[str, Service]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add("services", "must map service names (as counters.ID.service gives them) "
                     "to their settings")  # fmt: skip
        return {}
    result: dict[str, Service] = {}
    for name, body in raw.items():
        service = schema.read(Service, body, f"services.{name}", problems, where, name=str(name))
        if service is not None:
            result[service.name] = service
    owners: dict[str, str] = {}
    for service in result.values():
        if service.prefix is None:
            continue
        if service.prefix in owners:
            problems.add(f"services.{service.name}.prefix", f"{service.prefix} is services."
                         f"{owners[service.prefix]}'s prefix already: their tickets would be "
                         "the same numbers")  # fmt: skip
        owners.setdefault(service.prefix, service.name)
    return result


def _load_named(
    raw: Any, section: str, cls: type[T], *, what: str, known: Mapping[str, object],
    where: Where, problems: Problems,
) -> dict[str, T]:  # fmt: skip
    """Entries named like counters (`messages.NAME`, `displays.NAME`), each with `zones`."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add(section, f"must map {section[:-1]} names to {what}")
        return {}
    result: dict[str, T] = {}
    for name, body in raw.items():
        path = f"{section}.{name}"
        if not COUNTER_PATTERN.match(str(name)):
            problems.add(path, f"{section[:-1]} names are 1-32 letters, digits, - or _")
            continue
        entry = schema.read(cls, body, path, problems, where, name=str(name))
        if entry is not None:
            _check_targets(entry.zones, f"{path}.zones", known, problems)
            result[str(name)] = entry
    return result


def _check_display_services(
    displays: dict[str, Display], services: Mapping[str, Service],
    counters: Mapping[str, Counter], problems: Problems,
) -> None:  # fmt: skip
    """A display's `services` are services the site knows (declared, or a counter's)."""
    known = {*services, *(c.service for c in counters.values() if c.service)}
    for display in displays.values():
        for index, name in enumerate(display.services):
            if name not in known:
                listed = ", ".join(sorted(known)) or "none"
                problems.add(f"displays.{display.name}.services[{index}]",
                             f"unknown service {name}{did_you_mean(name, known)} (the "
                             f"site's: {listed})")  # fmt: skip


def _this_node(
    zones: dict[str, Zone], name: str, strict: bool, problems: Problems
) -> dict[str, str]:
    """Every zone's node (a site of one rack: `name` for all); problems for a site whose
    zones name nodes only in part, or (`strict`) that `name` is not a node of."""
    named = sorted({zone.node for zone in zones.values() if zone.node})
    if not named:
        return {zone: name for zone in zones}
    for zone in zones.values():
        if zone.node is None:
            problems.add(f"zones.{zone.name}.node", "is missing: the other zones name the "
                         f"node that drives them ({', '.join(named)})")  # fmt: skip
    if strict and name not in named:
        problems.add("node", f"{name} drives no zone of this site; its nodes are "
                     f"{', '.join(named)}{did_you_mean(name, named)}: start pager with "
                     "--node NAME")  # fmt: skip
    return {zone.name: zone.node or name for zone in zones.values()}


def parse(
    document: Any,
    source: str = "<config>",
    base: Path | None = None,
    node: str | None = None,
    strict: bool = False,
) -> Config:
    """Validate a parsed YAML document; raise ConfigError listing every mistake.

    The config is the one of `node` (else the file's `node`, else the host name): its zones
    only. When that is no node of the site, it is an error if `node` was given or `strict`
    (what plays must know its rack); else the config holds every zone (the site seen by a
    tool on another PC).
    """
    where = Where(base or Path.cwd())
    problems = Problems()
    if document is not None and not isinstance(document, dict):
        raise ConfigError(source, [f"must be a mapping of keys, not {schema.type_name(document)}"])
    top, sections, values = _read_keys(document or {}, where, problems)
    zones = _load_zones(values.get("zones"), sections["audio"].channels, where, problems)
    groups = _load_groups(values.get("groups"), zones, where, problems)
    known = {**zones, **groups}
    counters = _load_counters(values.get("counters"), known, where, problems)
    _check_targets(top.default_zones, "default_zones", known, problems)
    services = _load_services(values.get("services"), where, problems)
    messages = _load_named(values.get("messages"), "messages", Message,
                           what="their text or file", known=known, where=where,
                           problems=problems)  # fmt: skip
    displays = _load_named(values.get("displays"), "displays", Display,
                           what="the zones they show", known=known, where=where,
                           problems=problems)  # fmt: skip
    _check_display_services(displays, services, counters, problems)
    schedule = read_schedule(values.get("schedule"), messages, problems)
    if node is not None:
        try:
            checks.node(node, where)
        except Invalid as error:
            problems.add("--node", error.message)
    name = node or top.node or socket.gethostname()
    site = _this_node(zones, name, strict or node is not None, problems)
    own = name if name in site.values() else None
    config = dataclasses.replace(
        top,
        node=name,
        zones=MappingProxyType({z: v for z, v in zones.items() if own is None or site[z] == own}),
        site=MappingProxyType(site),
        groups=MappingProxyType(groups),
        counters=MappingProxyType(counters),
        services=MappingProxyType(services),
        messages=MappingProxyType(messages),
        displays=MappingProxyType(displays),
        schedule=schedule,
        state_dir=str(Path.cwd() / top.state_dir),
        source=source,
        **sections,
    )
    schema.check_rules(config, "", problems)  # the rules that relate keys of several sections
    if problems.items:
        raise ConfigError(source, _bounded(problems.items))
    return config


def _read_keys(
    document: dict[str, Any], where: Where, problems: Problems
) -> tuple[Config, dict[str, Any], dict[str, Any]]:
    """The top-level keys (as a Config of defaults otherwise), each section (with its own
    rules checked), and the document's entries by key (unknown keys reported)."""
    sections = schema.sections(Config)
    top_keys = tuple(f.name for f, _ in schema.specs(Config) if f.name != "groups")
    allowed = (*top_keys, *sections, "zones", "groups", "counters", "services", "messages",
               "schedule", "displays")  # fmt: skip
    values = schema.mapping(document, "", allowed, problems)
    read: dict[str, Any] = {}
    for name, cls in sections.items():
        read[name] = schema.read(cls, values.get(name), name, problems, where) or cls()
    scalars = {k: v for k, v in values.items() if k in top_keys}
    top = schema.read(Config, scalars, "", problems, where, check=False)
    assert top is not None  # no top-level key is required
    return top, read, values


def _bounded(items: list[str]) -> list[str]:
    """At most MAX_PROBLEMS problems of at most 300 characters each."""
    shown = [item if len(item) <= 300 else item[:297] + "..." for item in items[:MAX_PROBLEMS]]
    if len(items) > MAX_PROBLEMS:
        shown.append(f"... and {len(items) - MAX_PROBLEMS} more")
    return shown


def load(path: str | Path, node: str | None = None, strict: bool = False) -> Config:
    """Read and validate a YAML config file (relative file names are relative to it), as
    `node` of the site (else the file's `node`, else the host name) sees it (see parse)."""
    return load_bytes(read(path), path, node, strict)


def read(path: str | Path) -> bytes:
    """The config file's bytes (enough to tell it is too long); ConfigUnreadable if the file
    cannot be read (missing, no permission, an I/O error)."""
    try:
        with Path(path).open("rb") as file:
            return file.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise ConfigUnreadable(
            str(path), [f"cannot read the file: {error.strerror or error}"]
        ) from error


def load_bytes(data: bytes, path: str | Path, node: str | None = None,
               strict: bool = False) -> Config:  # fmt: skip
    """Validate what would be the file `path` (a config not yet written: `pager counter
    add` checks its edit so before it replaces the file)."""
    path = Path(path)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(str(path), [f"the file is over {MAX_CONFIG_BYTES} bytes"])
    try:
        document = _parse_yaml(data.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as error:
        raise ConfigError(str(path), [f"not valid YAML: {error}"]) from error
    return parse(document, str(path), path.resolve().parent, node, strict)


def restart_changes(running: Config, new: Config) -> list[str]:
    """What `new` changes that only a restart can apply, one line per key."""
    changed = []
    pairs: list[tuple[str, object, object]] = [("", running, new)]
    for path, old_part, new_part in pairs:
        pairs += [
            (schema.join(path, name), getattr(old_part, name), getattr(new_part, name))
            for name in schema.sections(type(old_part))
        ]
        for f, spec in schema.specs(type(old_part)):
            before, after = getattr(old_part, f.name), getattr(new_part, f.name)
            if not spec.live and before != after:
                changed.append(
                    f"{schema.join(path, f.name)}: changed from {before!r} to {after!r}; "
                    "this takes a restart (systemctl restart pager)"
                )
    return changed
