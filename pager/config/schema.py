"""Config keys declared once: a key is a dataclass field carrying its check and its doc.

`key(default, check, doc, live=...)` declares a field with its type (the annotation), range
(the check), default, description and whether a reload applies it or it needs a restart.
The loader (`read`), the reload check (`restart_changes`) and the configuration reference
(`pager.config.docs`) all walk these declarations; nothing else repeats them.

A rule that relates several keys (a certificate needs its key; a zone says a template or the
chime alone, not both) is a named function declared with `@rule(Section)` beside those keys:
`read` runs a section's rules on every instance it builds, and the loader runs the whole
config's rules (`Config`'s) once everything is read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from pager.errors import did_you_mean

T = TypeVar("T")
RuleCheck = Callable[[Any], Iterator[tuple[str, str]]]
SPEC = "pager.key"
SECTION = "pager.section"  # marks a field that is itself a section of keys


class Invalid(ValueError):
    """A value a check refuses; `at` is a suffix of its YAML path (like "[1]")."""

    def __init__(self, message: str, at: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.at = at


@dataclass(frozen=True)
class Where:
    """What checks may need to know about the file being read."""

    base: Path  # relative file names are relative to this folder (the config file's)


@dataclass(frozen=True)
class Check:
    """A key's check: what it accepts, in words for the README, and the function that
    returns the value as the config stores it or raises Invalid."""

    accepts: str
    parse: Callable[[Any, Where], Any]

    def __call__(self, value: Any, where: Where) -> Any:
        return self.parse(value, where)


def accepts(words: str) -> Callable[[Callable[[Any, Where], Any]], Check]:
    """Make a parse function a Check that accepts what `words` say."""

    def wrap(parse: Callable[[Any, Where], Any]) -> Check:
        return Check(words, parse)

    return wrap


@dataclass(frozen=True)
class Spec:
    """Everything about one config key but its name and default (the field has those)."""

    check: Check
    doc: str
    live: bool  # a reload applies it; False: it takes a restart
    shown: str | None = None  # the default as the README shows it, where repr() would not do
    required: bool = False
    part: type | None = None  # an optional mapping of keys of its own (`zones.NAME.line_sense`)


def key(default: T, check: Check, doc: str, *, live: bool = True, shown: str | None = None) -> T:
    """Declare a config key as a dataclass field (see the module docstring)."""
    spec = {SPEC: Spec(check, doc, live, shown)}
    if type(default).__hash__ is None:  # a read-only mapping: dataclasses wants a factory
        return field(default_factory=lambda: default, metadata=spec)
    return field(default=default, metadata=spec)


def required(check: Check, doc: str, *, live: bool = True) -> Any:
    """Declare a config key that has no default."""
    return field(metadata={SPEC: Spec(check, doc, live, shown="required", required=True)})


def optional_part(cls: type[T], doc: str) -> T | None:
    """Declare a key that is absent (None) or a mapping of keys of its own, read into `cls`
    with its checks and rules (`zones.NAME.noise_sensor`)."""

    def parse(value: Any, where: Where) -> T:
        problems = _PartProblems()
        read_value = read(cls, value, "", problems, where)
        if problems.found or read_value is None:
            (at, message), *rest = problems.found or [("", "is incomplete")]
            more = "".join(f"; {path}: {text}" for path, text in rest)
            raise Invalid(message + more, at=f".{at}" if at else "")
        return read_value

    check = Check(f"mapping: `{cls.__name__}` keys below", parse)
    return cast(T | None, field(default=None, metadata={SPEC: Spec(check, doc, True, "none",
                                                                   part=cls)}))  # fmt: skip


def section(cls: type[T], doc: str) -> T:
    """Declare a field that is a section of keys of its own (`security.rate_limit`)."""
    return field(default_factory=cls, metadata={SECTION: doc})


def sections(cls: type) -> dict[str, type]:
    """The sections declared in a config dataclass, by name, and their dataclasses."""
    return {
        f.name: type(cast(Callable[[], object], f.default_factory)())
        for f in dataclasses.fields(cls)
        if SECTION in f.metadata
    }


def specs(cls: type) -> Iterator[tuple[dataclasses.Field[Any], Spec]]:
    """The declared keys of a config dataclass, in order."""
    for f in dataclasses.fields(cls):
        spec = f.metadata.get(SPEC)
        if isinstance(spec, Spec):
            yield f, spec


_RULES: dict[type, list[RuleCheck]] = {}


def rule(cls: type) -> Callable[[RuleCheck], RuleCheck]:
    """Declare a rule relating keys of the config dataclass `cls`: a function of an instance
    that yields (the YAML path below the instance's, what is wrong) for each mistake."""

    def register(check: RuleCheck) -> RuleCheck:
        _RULES.setdefault(cls, []).append(check)
        return check

    return register


def ruled() -> list[type]:
    """The config dataclasses that have rules."""
    return list(_RULES)


def rules(cls: type) -> list[RuleCheck]:
    """The rules declared for `cls`, in order (for the reference's list of rules)."""
    return list(_RULES.get(cls, ()))


def check_rules(value: object, path: str, problems: Problems) -> None:
    """Run the rules of `value`'s dataclass; each mistake is added with its YAML path."""
    for check in _RULES.get(type(value), ()):
        for at, message in check(value):
            problems.add(join(path, at), message)


class Problems:
    """Collects every mistake (with its YAML path) so that one run reports them all."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}" if path else message)


class _PartProblems(Problems):
    """The mistakes in an optional part, kept with their paths below it."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        super().add(path, message)
        self.found.append((path, message))


def join(path: str, name: str) -> str:
    """A YAML path one level down (`name` may be empty: the path itself)."""
    if not name:
        return path
    return f"{path}.{name}" if path else name


def type_name(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


def mapping(raw: Any, path: str, allowed: tuple[str, ...], problems: Problems) -> dict[str, Any]:
    """A YAML mapping's entries whose keys are allowed; the others are reported with a hint."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add(path, f"must be a mapping of keys, not {type_name(raw)}")
        return {}
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if str(name) in allowed:
            values[str(name)] = value
        else:
            problems.add(join(path, str(name)), f"unknown key{did_you_mean(str(name), allowed)}")
    return values


def read(
    cls: type[T], raw: Any, path: str, problems: Problems, where: Where, *,
    check: bool = True, **given: Any,
) -> T | None:  # fmt: skip
    """An instance of the config dataclass `cls` from a YAML mapping, every key checked and
    (unless `check` is False) its rules.

    Keys that are absent (or null) keep their defaults; `given` fills fields that are not
    keys (a zone's name). None when a required key is missing or invalid.
    """
    declared = dict(specs(cls))
    nested = sections(cls)
    values = mapping(raw, path, (*(f.name for f in declared), *nested), problems)
    result: dict[str, Any] = dict(given)
    for name, part in nested.items():
        result[name] = read(part, values.get(name), join(path, name), problems, where) or part()
    complete = True
    for f, spec in declared.items():
        value = values.get(f.name)
        if value is None:
            if spec.required:
                problems.add(join(path, f.name), f"is missing: {spec.doc.split('. ')[0]}")
                complete = False
            continue
        try:
            result[f.name] = spec.check(value, where)
        except Invalid as error:
            problems.add(join(path, f.name) + error.at, error.message)
            complete = complete and not spec.required
    if not complete:
        return None
    value = cls(**result)
    if check:
        check_rules(value, path, problems)
    return value


# -- checks: each returns the value as the config stores it, or raises Invalid --------------


@accepts("text")
def text(value: Any, where: Where) -> str:
    if isinstance(value, str) and value.strip():
        return value
    raise Invalid("must be a non-empty string")


def text_up_to(limit: int) -> Check:
    """Non-empty text of at most `limit` characters."""

    def check(value: Any, where: Where) -> str:
        given: str = text(value, where)
        if len(given) > limit:
            raise Invalid(f"is {len(given)} characters long; at most {limit}")
        return given

    return Check(f"text, at most {limit} characters", check)


@accepts("`true`, `false`")
def boolean(value: Any, where: Where) -> bool:
    if isinstance(value, bool):
        return value
    raise Invalid(f"must be true or false, not {type_name(value)} {value!r}")


def integer(low: int, high: int) -> Check:
    def check(value: Any, where: Where) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise Invalid(f"must be a whole number, not {type_name(value)} {value!r}")
        if not low <= value <= high:
            raise Invalid(f"{value} is outside {low}..{high}")
        return value

    return Check(f"whole number {low}..{high}", check)


def number(low: float, high: float) -> Check:
    def check(value: Any, where: Where) -> float:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise Invalid(f"must be a number, not {type_name(value)} {value!r}")
        if not low <= value <= high:
            raise Invalid(f"{value} is outside {low:g}..{high:g}")
        return float(value)

    return Check(f"number {low:g}..{high:g}", check)


def one_of(*choices: str) -> Check:
    def check(value: Any, where: Where) -> str:
        if value in choices:
            return str(value)
        hint = did_you_mean(str(value), choices)
        raise Invalid(f"{value!r} is not one of {', '.join(choices)}{hint}")

    return Check(", ".join(f"`{c}`" for c in choices), check)


@accepts("zone and group names")
def names(value: Any, where: Where) -> tuple[str, ...]:
    """One name or a non-empty list of them (zones and groups)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise Invalid("must be a non-empty list of zone or group names")
    return tuple(str(name) for name in value)


@accepts("file")
def existing_file(value: Any, where: Where) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid("must be a file name")
    full = where.base / value
    if not full.is_file():
        raise Invalid(f"file {full} does not exist")
    return str(full)


@accepts("folder")
def existing_folder(value: Any, where: Where) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid("must be a folder name")
    full = where.base / value
    if not full.is_dir():
        raise Invalid(f"folder {full} does not exist")
    return str(full)


@accepts("audio files")
def files(value: Any, where: Where) -> tuple[str, ...]:
    """An audio file or a non-empty list of them, relative to the config file."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise Invalid("must be an audio file or a list of them")
    found = []
    for index, name in enumerate(items):
        try:
            found.append(existing_file(name, where))
        except Invalid as error:
            raise Invalid(error.message, at=f"[{index}]") from None
    return tuple(found)
