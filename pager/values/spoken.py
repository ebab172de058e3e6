"""What an announcement says, as phrases of plain words and the pauses between them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Spoken:
    """What an announcement says: phrases of plain words, each followed by a pause.

    The pauses are where a professional announcer breathes (after "Nomor antrean", between
    a ticket's letters and its number, at a comma); the speech engine renders each phrase
    and pager joins them with exactly these silences.
    """

    phrases: tuple[tuple[str, float], ...] = ()  # (plain words, seconds of silence after)

    @classmethod
    def plain(cls, text: str) -> Spoken:
        """One phrase, no pause."""
        return cls(((text, 0.0),))

    @property
    def text(self) -> str:
        """The words as one sentence (what events show)."""
        return " ".join(words for words, _ in self.phrases)
