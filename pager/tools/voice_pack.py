"""The voices: which can read Indonesian here (`pager voices`), and what a recorded voice
should hold for a config: the phrases to record, and those a folder of clips lacks
(`pager voice-pack script` and `pager voice-pack check`)."""

from __future__ import annotations

import argparse
import re
import string
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pager import config
from pager.config.model import Config
from pager.language.lexicon import DEFAULT_LEXICON
from pager.language.normalize import verbalize
from pager.language.words import (
    LETTER_NAMES,
    number_words,
    ordinal_words,
    read_counter,
    words_of,
)
from pager.tools.guides import guide

if TYPE_CHECKING:  # the speech stack takes seconds to import: the commands import it
    from pager.speech.pack import VoicePack

EXIT_NO_VOICE = 69  # sysexits EX_UNAVAILABLE, as `pager` uses it


def script(config: Config) -> list[str]:
    """Every word and phrase announcements with this config can say, to record once each:
    the templates' fixed phrases (every zone's too), the repeats' prefix, letters, number
    words, counters and services. Operator messages may say anything: what is not recorded
    is spoken by TTS."""
    a = config.announcement
    lexicon = {**DEFAULT_LEXICON, **a.lexicon}
    phrases: list[str] = []
    templates = [a.template, a.combined_template, a.busy_template, a.compact_template,
                 a.pickup_template, a.pickup_combined_template, a.pickup_compact_template,
                 *(zone.template for zone in config.zones.values()),
                 *(zone.pickup_template for zone in config.zones.values())]  # fmt: skip
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


def cmd_voices(args: argparse.Namespace) -> int:
    from pager.speech import voices

    found = voices.available()
    if not found:
        print("no voice: espeak-ng is not installed (scripts/install)", file=sys.stderr)
        return EXIT_NO_VOICE
    variants = [v.name for v in found if v.kind == "espeak-ng variant"]
    for voice in found:
        if voice.kind == "espeak-ng variant":
            continue
        state = "" if voice.installed else "  (not installed: scripts/install --mbrola)"
        print(f"{voice.name:10} {voice.kind:10} {voice.description}{state}")
    if variants:
        print(f"variants ({len(variants)}; f1-f5 female, m1-m7 male): {' '.join(variants)}")
    print('hear one: pager say --voice NAME --text "Nomor antrean A satu" -o sample.wav')
    return 0


def cmd_pack_script(args: argparse.Namespace) -> int:
    cfg = config.load(args.config)
    print("# Record each line as its own clip, named by the line: nomor antrean.wav, be.wav …")
    print("# One breath, no pause before or after (pager trims silence and adds its own).")
    for phrase in script(cfg):
        print(phrase)
    return 0


def cmd_pack_check(args: argparse.Namespace) -> int:
    from pager.speech.pack import VoicePack

    cfg = config.load(args.config)
    recorded = VoicePack.load(args.folder, cfg.audio.sample_rate)
    needed, absent = script(cfg), missing(recorded, cfg)
    print(f"{args.folder}: {len(recorded.clips)} clips; {len(needed) - len(absent)} of "
          f"{len(needed)} needed phrases are recorded")  # fmt: skip
    if absent:
        print("missing (spoken by the speech engine until recorded): " + ", ".join(absent))
        return 1
    return 0


def add_to(sub: argparse._SubParsersAction[argparse.ArgumentParser], config: Path) -> None:
    """Declare `pager voices`, `pager voice-pack script` and `pager voice-pack check`."""
    packs = sub.add_parser("voice-pack", help="a recorded voice: what to record, what is there",
                           epilog=guide("voice-pack"))  # fmt: skip
    pack_commands = packs.add_subparsers(dest="pack_command", required=True)
    to_record = pack_commands.add_parser("script", help="print the phrases to record",
                                         epilog=guide("voice-pack"))  # fmt: skip
    to_record.add_argument("--config", "-c", type=Path, default=config)
    to_record.set_defaults(func=cmd_pack_script)
    checking = pack_commands.add_parser("check", help="list the phrases a folder lacks",
                                        epilog=guide("voice-pack"))  # fmt: skip
    checking.add_argument("folder", type=Path)
    checking.add_argument("--config", "-c", type=Path, default=config)
    checking.set_defaults(func=cmd_pack_check)
    listing = sub.add_parser("voices", help="list the voices that can read Indonesian here",
                             epilog=guide("voices"))  # fmt: skip
    listing.set_defaults(func=cmd_voices)
