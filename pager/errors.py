"""The one exception tree of the daemon: every error a technician may see is a PagerError."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class PagerError(Exception):
    """Base of every error the daemon reports on purpose."""


class ConfigError(PagerError):
    """The configuration file has mistakes; `problems` lists each one with its YAML path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        count = len(self.problems)
        noun = "mistake" if count == 1 else "mistakes"
        super().__init__(f"{source}: {count} {noun} in the configuration:\n{lines}")


class ConfigUnreadable(ConfigError):
    """The configuration file cannot be read at all (missing, no permission, an I/O error)."""


class NotHere(PagerError):
    """A message for other racks' zones only (a site of several nodes): not this node's."""


class CallRejected(PagerError):
    """A call (or its routing) is invalid; the message says why, for the `rejected` event."""

    def __init__(self, reason: str, **known: object) -> None:
        self.reason = reason
        self.known = known
        super().__init__(reason)


class NotAllowed(CallRejected):
    """Beyond the sender's rights (a priority above its counter's `max_priority`)."""


class RateLimited(CallRejected):
    """Over the sender's rate limit; `retry_after` is when its bucket has room again (s)."""

    def __init__(self, reason: str, retry_after: float, **known: object) -> None:
        super().__init__(reason, **known)
        self.retry_after = retry_after


class NothingToCancel(CallRejected):
    """A cancel that found no queued or playing call of that id or ticket."""


class UsageError(PagerError):
    """A command was given something it cannot read (a time, a zone name)."""


class SpeechError(PagerError):
    """Speech synthesis failed or the configured voice does not exist."""


class AudioError(PagerError):
    """The audio output (sound device or recorder) cannot be opened or has failed."""


class BrokerError(PagerError):
    """The MQTT broker cannot be reached or refused us."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' (did you mean "x"?)' hint for a misspelt name, or '' when nothing is close."""
    options = list(choices)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close and len(word) >= 3:
        close = [o for o in options if o.startswith(word) or word.startswith(o)][:1]
    return f' (did you mean "{close[0]}"?)' if close else ""
