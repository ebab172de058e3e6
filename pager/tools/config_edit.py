"""The config file edited in place: ruamel.yaml's round trip keeps its comments, order and
layout; the result is validated as a reload would validate it before it replaces the file
(atomically, the previous one kept as `.bak`)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.tokens import CommentToken

from pager import config, files
from pager.config.model import Config
from pager.errors import ConfigError


def _yaml() -> YAML:
    yaml = YAML()  # round trip
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line the technician wrote on one
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


class ConfigEdit:
    """One edit of the config file: read, changed, validated, written."""

    def __init__(self, path: str | Path, node: str | None = None) -> None:
        self.path = Path(path)
        self.node = node
        self.before = config.load(self.path, node)  # a broken file is fixed by hand first
        try:
            self.document: Any = _yaml().load(self.path.read_text(encoding="utf-8"))
        except YAMLError as error:  # pragma: no cover - config.load read it already
            raise ConfigError(str(self.path), [f"not valid YAML: {error}"]) from error

    def counters(self) -> CommentedMap:
        """The `counters` mapping (added at the end of the file when it has none)."""
        counters = self.document.get("counters")
        if counters is None:
            counters = CommentedMap()
            self.document["counters"] = counters
        if not isinstance(counters, CommentedMap):
            raise ConfigError(str(self.path), ["counters: must map counter ids to their zones"])
        return counters

    def set_counter(self, ident: str, fields: dict[str, Any]) -> None:
        """Add (or replace) a counter, written in the style of the counters around it."""
        counters = self.counters()
        siblings = list(counters.items())
        flow = not siblings or _is_flow(siblings[-1][1])
        entry = CommentedMap()
        last = list(fields)[-1]
        for name, value in fields.items():
            entry[name] = _flow_list(value) if isinstance(value, list) else value
        if flow:
            entry.fa.set_flow_style()
        quoted = not siblings or isinstance(siblings[0][0], DoubleQuotedScalarString)
        key = DoubleQuotedScalarString(ident) if quoted else ident
        counters[key] = entry
        if siblings:
            _move_trailing_lines(siblings[-1][1], (counters, key) if flow else (entry, last))

    def remove_counter(self, ident: str) -> None:
        del self.counters()[ident]

    def text(self) -> str:
        out = io.StringIO()
        _yaml().dump(self.document, out)
        return out.getvalue()

    def save(self) -> Config:
        """Validate the edited file as a reload would (every key, and nothing that only a
        restart could apply), then replace the file, the previous one kept as `.bak`."""
        text = self.text()
        after = config.load_bytes(text.encode("utf-8"), self.path, self.node)
        changes = config.restart_changes(self.before, after)
        if changes:
            raise ConfigError(str(self.path), changes)
        files.replace_atomically(self.path, text, backup=True)
        return after


def _move_trailing_lines(previous: object, to: tuple[CommentedMap, str]) -> None:
    """The comment lines and blank lines after what was the last counter (ruamel keeps them
    with its last value) moved after the new one: they belong to what follows the counters.
    The previous counter's own end-of-line comment stays with it."""
    found = [slot for slot in _comment_slots(previous) if "\n" in slot[2].value.rstrip("\n")
             or slot[2].value.startswith("\n")]  # fmt: skip
    if not found:
        return
    holder, index, token = max(found, key=lambda slot: slot[2].start_mark.line)
    head, _, rest = token.value.partition("\n")
    if not rest:
        return
    holder[index] = CommentToken(head + "\n", token.start_mark, None) if head else None
    mapping, key = to
    mapping.ca.items[key] = [None, None, CommentToken("\n" + rest, CommentMark(0), None), None]


def _comment_slots(node: object) -> list[tuple[list[Any], int, CommentToken]]:
    """Every place in `node`'s subtree that holds a comment: (its list, index, the token)."""
    slots: list[tuple[list[Any], int, CommentToken]] = []
    attached = getattr(node, "ca", None)
    if attached is not None:
        for entry in attached.items.values():
            for index, token in enumerate(entry):
                if isinstance(token, CommentToken):
                    slots.append((entry, index, token))
                elif isinstance(token, list):
                    slots += [(token, i, t) for i, t in enumerate(token)
                              if isinstance(t, CommentToken)]  # fmt: skip
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        slots += _comment_slots(child)
    return slots


def _flow_list(items: list[Any]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _is_flow(node: object) -> bool:
    return isinstance(node, CommentedMap) and bool(node.fa.flow_style())
