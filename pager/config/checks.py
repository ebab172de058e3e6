"""How config values are checked: one function per kind of value, named in the declarations
of `pager.config.model`. Each returns the value as the config holds it or raises Invalid.
"""

from __future__ import annotations

import re
import ssl
import string
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pager.config import schema, tokens
from pager.config.schema import Invalid, Where, accepts
from pager.errors import did_you_mean
from pager.language.phonemes import to_espeak
from pager.values.priority import Priority

TEMPLATE_FIELDS = ("ticket", "counter", "service", "name", "name_phrase")


@accepts("topic level")
def topic_level(value: Any, where: Where) -> str:
    text: str = schema.text(value, where).strip("/")
    if any(c in text for c in "+#") or not text.isprintable():
        raise Invalid("must not contain MQTT wildcards + or #, nor control characters")
    return text


@accepts("name or index")
def device(value: Any, where: Where) -> str | int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Invalid("must be a device name or index (see `pager devices`)")
    return value


@accepts("`low`, `high`, seconds 0..1")
def latency(value: Any, where: Where) -> str | float:
    if value in ("low", "high"):
        return str(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1:
        return float(value)
    raise Invalid("must be low, high or seconds (0 < latency <= 1)")


def _fields(text: str) -> list[str]:
    """The {fields} a template names, in order; Invalid when it is not a template."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as error:
        raise Invalid(f"is not a valid template: {error}") from None


@accepts("template")
def template(value: Any, where: Where) -> str:
    template: str = schema.text(value, where)
    names = _fields(template)
    for name in names:
        if name not in TEMPLATE_FIELDS:
            fields = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
            hint = did_you_mean(name, TEMPLATE_FIELDS)
            raise Invalid(f"unknown field {{{name}}}{hint}; use {fields}")
    if "ticket" not in names:
        raise Invalid("must contain {ticket}")
    return template


@accepts("template")
def repeat_prefix(value: Any, where: Where) -> str:
    if not isinstance(value, str):
        raise Invalid("must be a string with {ordinal}")
    try:
        value.format(ordinal="kedua")
    except (KeyError, IndexError, ValueError) as error:
        raise Invalid(f"only {{ordinal}} may be used: {error}") from None
    return value


@accepts("template")
def name_phrase(value: Any, where: Where) -> str:
    text: str = schema.text(value, where)
    if _fields(text) != ["name"]:
        raise Invalid("must hold {name} once, and no other field")
    return text


@accepts("text")
def prefix(value: Any, where: Where) -> str:
    """Words said before a sentence, with no {fields}."""
    text: str = schema.text(value, where)
    fields = _fields(text)
    if fields:
        raise Invalid(f"takes no {{fields}}, but holds {{{fields[0]}}}")
    return text


@accepts("`bell`, `none`, audio file")
def chime(value: Any, where: Where) -> str:
    if value in ("bell", "none"):
        return str(value)
    try:
        return str(schema.existing_file(value, where))
    except Invalid as error:
        raise Invalid(f"{error.message} (or use bell / none)") from None


@accepts("words → words")
def lexicon(value: Any, where: Where) -> Mapping[str, str]:
    if not isinstance(value, dict):
        raise Invalid("must map written words to how they are spoken")
    for written, spoken in value.items():
        if not isinstance(spoken, str) or not spoken.strip():
            raise Invalid("must be the spoken form, a non-empty string", at=f".{written}")
    return MappingProxyType({str(w): s for w, s in value.items()})


@accepts("words → IPA")
def pronunciations(value: Any, where: Where) -> Mapping[str, str]:
    if not isinstance(value, dict):
        raise Invalid('must map words to their IPA, like {loket: "l o k e t"}')
    for word, ipa in value.items():
        if not isinstance(word, str) or not re.fullmatch(r"[A-Za-z]+", word):
            raise Invalid("must be one word of letters", at=f".{word}")
        if not isinstance(ipa, str):
            raise Invalid('must be IPA, like "l o k e t"', at=f".{word}")
        try:
            to_espeak(ipa)
        except ValueError as error:
            raise Invalid(str(error), at=f".{word}") from None
    return MappingProxyType({str(w).lower(): str(i) for w, i in value.items()})


@accepts("list of priorities")
def priorities(value: Any, where: Where) -> frozenset[Priority]:
    if not isinstance(value, list) or not all(v in Priority.labels() for v in value):
        raise Invalid(f"must be a list of {', '.join(Priority.labels())}")
    return frozenset(Priority.from_label(v) for v in value)


def first_line(path: str | Path) -> str:
    """The secret a password file holds: its first line (IndexError when it has none)."""
    return Path(path).read_text(encoding="utf-8").splitlines()[0]


@accepts("file, mode 600")
def password_file(value: Any, where: Where) -> str:
    path = Path(schema.existing_file(value, where))
    if path.stat().st_mode & 0o077:
        raise Invalid(f"{path} is readable by group or others: chmod 600 it (and own it)")
    try:
        first = path.read_text(encoding="utf-8").splitlines()[:1]
    except (OSError, UnicodeError) as error:
        raise Invalid(f"cannot read {path}: {error}") from None
    if not first or not first[0].strip():
        raise Invalid(f"{path} holds no password on its first line")
    return str(path)


@accepts("file")
def tokens_file(value: Any, where: Where) -> str:
    """A tokens file (pager.config.tokens): checked if it exists; missing, no token is valid
    until `pager counter token` makes one."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid("must be a file name")
    path = where.base / value
    if path.exists():
        try:
            tokens.read(path)
        except tokens.TokenFileError as error:
            raise Invalid(str(error)) from None
    return str(path)


@accepts("PEM file")
def readable_file(value: Any, where: Where) -> str:
    path = Path(schema.existing_file(value, where))
    try:
        with path.open("rb"):
            pass
    except OSError as error:
        raise Invalid(f"cannot read {path}: {error.strerror}") from None
    return str(path)


@accepts("PEM file")
def pem(value: Any, where: Where) -> str:
    path = schema.existing_file(value, where)
    try:
        ssl.create_default_context(cafile=path)
    except (ssl.SSLError, ValueError) as error:
        raise Invalid(f"{path} is not a PEM certificate: {error}") from None
    return str(path)


@accepts("text")
def node(value: Any, where: Where) -> str:
    name: str = schema.text(value, where)
    if any(c in name for c in "/+#") or not name.isprintable():
        raise Invalid("must not contain / + or #, nor control characters")
    return name


LOOPBACK = ("127.0.0.1", "::1", "localhost")


@accepts("`host:port`")
def listen_address(value: Any, where: Where) -> str:
    text = str(schema.text(value, where))
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise Invalid(f'"{text}" is not host:port, like 127.0.0.1:8080 or 0.0.0.0:8080')
    return text


def listen_host(address: str) -> str:
    return address.rpartition(":")[0].strip("[]")
