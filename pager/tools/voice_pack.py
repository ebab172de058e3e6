"""What a recorded voice should hold for a config: the phrases to record, and those a folder
of clips lacks (`pager voice-pack script` and `pager voice-pack check`)."""

from __future__ import annotations

import re
import string

from pager.config.model import Config
from pager.language.lexicon import DEFAULT_LEXICON
from pager.language.normalize import verbalize
from pager.language.words import LETTER_NAMES, number_words, ordinal_words, read_counter
from pager.speech.pack import VoicePack, words_of


def script(config: Config) -> list[str]:
    """Every word and phrase announcements with this config can say, to record once each:
    the templates' fixed phrases (every zone's too), the repeats' prefix, letters, number
    words, counters and services. Operator messages may say anything: what is not recorded
    is spoken by TTS."""
    a = config.announcement
    lexicon = {**DEFAULT_LEXICON, **a.lexicon}
    phrases: list[str] = []
    templates = [a.template, a.combined_template, a.busy_template,
                 *(zone.template for zone in config.zones.values())]  # fmt: skip
    for template in (t for t in templates if t):
        for literal, _, _, _ in string.Formatter().parse(template):
            phrases += _phrases(verbalize(literal, lexicon))
    for play in range(2, config.scheduling.max_repeats + 2):
        phrases += _phrases(a.repeat_prefix.format(ordinal=ordinal_words(play)))
    phrases += [name.lower() for name in LETTER_NAMES.values()]
    phrases += sorted({w for n in range(10000) for w in number_words(n).split()})
    for counter in config.counters.values():
        phrases.append(" ".join(words_of(read_counter(counter.id, lexicon))))
        if counter.service:
            phrases.append(" ".join(words_of(verbalize(counter.service, lexicon))))
    return list(dict.fromkeys(p for p in phrases if p))


def _phrases(text: str) -> list[str]:
    return [" ".join(words_of(part)) for part in re.split(r"[,.;:!?]", text)]


def missing(pack: VoicePack, config: Config) -> list[str]:
    """What `script(config)` asks for that the pack does not say (by any clips)."""
    return [
        phrase for phrase in script(config) if any(isinstance(p, str) for p in pack.split(phrase))
    ]
