"""The operators' message library: `messages.NAME`, said every day (opening, the Friday
prayer break, closing), from text or from a recorded file (see `pager.config.model` for how
a key is declared)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pager.config import schema
from pager.config.schema import Invalid, Where, accepts, key, rule
from pager.values.priority import Priority

MAX_MESSAGE_CHARS = 500  # as an operator message's text


@accepts("`announcement`, `emergency`")
def _priority(value: Any, where: Where) -> Priority:
    if value in ("announcement", "emergency"):
        return Priority.from_label(str(value))
    raise Invalid("must be announcement or emergency")


@dataclass(frozen=True)
class Message:
    """A message the operators use every day, announced by its name."""

    name: str
    text: str | None = key(
        None,
        schema.text_up_to(MAX_MESSAGE_CHARS),
        "What is said, read like an operator message (numbers, times and the lexicon), "
        "spoken by the configured voice.",
        shown="none",
    )
    file: str | None = key(
        None,
        schema.existing_file,
        "Or a recorded clip (any format libsndfile reads, any sample rate, relative to the "
        "config file), brought to the announcement loudness and peak like speech.",
        shown="none",
    )
    zones: tuple[str, ...] = key(
        (), schema.names, "The zones or groups that hear it.", shown="every zone"
    )
    priority: Priority = key(
        Priority.ANNOUNCEMENT, _priority,
        "`announcement`, or `emergency` (pre-empts calls, at `scheduling.emergency_gain_db`).",
        shown="`announcement`",
    )  # fmt: skip
    chime: bool = key(True, schema.boolean, "The chime before it.")
    repeat: int = key(
        0, schema.integer(0, 10),
        "How many times it is said again after the first, `scheduling.repeat_interval_s` "
        "apart (an emergency repeats until cancelled).",
    )  # fmt: skip


@rule(Message)
def _text_or_a_recording(message: Message) -> Iterator[tuple[str, str]]:
    """A message is `text` or `file`, one of the two."""
    if (message.text is None) == (message.file is None):
        yield ("text", "give text (what the voice says) or file (a recording), one of the two")
