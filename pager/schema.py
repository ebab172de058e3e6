"""Small building blocks for validating YAML: collect every problem with its path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pager.errors import did_you_mean

T = TypeVar("T")


class Problems:
    """Collects every mistake (with its YAML path) so that one run reports them all."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}" if path else message)


def type_name(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


class Section:
    """One YAML mapping being read: unknown keys are reported with a "did you mean" hint."""

    def __init__(self, raw: Any, path: str, allowed: tuple[str, ...], problems: Problems) -> None:
        self.path = path
        self.problems = problems
        self.values: dict[str, Any] = {}
        if raw is None:
            return
        if not isinstance(raw, dict):
            problems.add(path, f"must be a mapping of keys, not {type_name(raw)}")
            return
        for key, value in raw.items():
            if str(key) in allowed:
                self.values[str(key)] = value
            else:
                problems.add(
                    self.key_path(str(key)), f"unknown key{did_you_mean(str(key), allowed)}"
                )

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def raw(self, key: str) -> Any:
        return self.values.get(key)

    def get(self, key: str, default: T, check: Callable[[Any], str | None]) -> T:
        """The value if `check` (which returns a complaint or None) accepts it, else default."""
        value = self.values.get(key)
        if value is None:
            return default
        complaint = check(value)
        if complaint:
            self.problems.add(self.key_path(key), complaint)
            return default
        accepted: T = value
        return accepted


def is_text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be a non-empty string"


def is_bool(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    return f"must be true or false, not {type_name(value)} {value!r}"


def int_in(low: float, high: float) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return f"must be a whole number, not {type_name(value)} {value!r}"
        return None if low <= value <= high else f"{value} is outside {low}..{high}"

    return check


def number_in(low: float, high: float) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return f"must be a number, not {type_name(value)} {value!r}"
        return None if low <= value <= high else f"{value} is outside {low}..{high}"

    return check


def one_of(choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value in choices:
            return None
        return f"{value!r} is not one of {', '.join(choices)}{did_you_mean(str(value), choices)}"

    return check
