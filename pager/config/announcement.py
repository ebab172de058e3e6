"""The `announcement` section: what is said, and how it sounds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from pager.config import checks, schema
from pager.config.schema import key

# Without a name said, {name_phrase} is nothing and these are the sentences of old.
DEFAULT_TEMPLATE = "Nomor antrean {ticket}, {name_phrase}silakan menuju loket {counter}."
DEFAULT_PICKUP_TEMPLATE = (
    "Dokumen dengan nomor {ticket} {name_phrase}sudah selesai. Silakan diambil di loket {counter}."
)


@dataclass(frozen=True)
class AnnouncementConfig:
    template: str = key(
        DEFAULT_TEMPLATE,
        checks.template,
        "The sentence. Its fields are `{ticket}`, `{counter}`, `{service}`, `{name}` and "
        "`{name_phrase}` (see `name_phrase`), and it must contain `{ticket}`.",
    )
    combined_template: str = key(
        "{ticket}, loket {counter}.",
        checks.template,
        "Each call's own sentence inside a combined announcement (several calls under one "
        "chime, `scheduling.combine_max`), with the fields of `template`.",
    )
    pickup_template: str = key(
        DEFAULT_PICKUP_TEMPLATE,
        checks.template,
        'The sentence of a pickup call (`"kind": "pickup"`: a document is ready), with the '
        "fields of `template`; its `{ticket}` may be a receipt number (1-8 digits).",
    )
    pickup_combined_template: str = key(
        "Dokumen {ticket}, loket {counter}.",
        checks.template,
        "Each pickup's own sentence inside a combined announcement: pickups combine only "
        "with pickups, calls only with calls.",
    )
    name_phrase: str = key(
        "atas nama {name}, ",
        checks.name_phrase,
        "The words around a name where a template says `{name_phrase}`: said only where the "
        "call carries a name and `privacy.names` (and the zone's and the service's `names`) "
        "allow it; elsewhere the phrase goes with the name, and the sentence is the one "
        "without a name.",
    )
    combined_pause_ms: int = key(
        500,
        schema.integer(0, 3000),
        "The pause between the calls' sentences in a combined announcement.",
    )
    busy_template: str | None = key(
        None,
        checks.template,
        "A shorter sentence for a call played alone while one of its zones has more than "
        "`scheduling.busy_queue` calls waiting; none: always `template`.",
        shown="none",
    )
    compact_template: str = key(
        "{ticket}.",
        checks.template,
        "What a call says in a compact zone (`zones.NAME.compact`) while that zone is behind "
        "(`scheduling.compact_after_s`), alone or combined, with the fields of `template`: "
        "the zone's screens show the counter.",
    )
    compact_pause_ms: int = key(
        300,
        schema.integer(100, 2000),
        "The pause between compact sentences in a combined announcement (between tickets "
        'said alone: "A dua puluh tiga. Be tujuh.").',
    )
    pickup_compact_template: str = key(
        "Dokumen {ticket}.",
        checks.template,
        "What a pickup says in a compact zone while that zone is behind, like "
        "`compact_template` for calls.",
    )
    repeat_prefix: str = key(
        "Panggilan {ordinal}, ",
        checks.repeat_prefix,
        "Put before the sentence of a repeated call. `{ordinal}` becomes kedua, ketiga, and so on.",
    )
    final_prefix: str = key(
        "Panggilan terakhir, ",
        checks.prefix,
        'Put before the sentence of a final call (`"final": true`, or the last repeat with '
        "`scheduling.final_repeat`), instead of `repeat_prefix`.",
    )
    voice: str = key(
        "id",
        schema.text,
        "The espeak-ng voice, as a language code, a voice id (`poz/id`) or a name. If it is "
        "not installed, the start (or the reload) fails and the error lists the voices that are.",
    )
    rate: int = key(
        125,
        schema.integer(80, 400),
        "Speaking rate, in espeak-ng's words per minute: measured, 125 is about 4 syllables "
        "a second, the pace of a PA announcer (150, conversation, is about 4.9).",
    )
    phrase_pause_ms: int = key(
        300,
        schema.integer(0, 2000),
        'The pause at each phrase break: after "Nomor antrean" (before the ticket) and at '
        "each comma or full stop.",
    )
    ticket_pause_ms: int = key(
        150,
        schema.integer(0, 1000),
        'The pause between a ticket\'s letters and its number ("be … dua belas").',
    )
    chime: str = key(
        "bell",
        checks.chime,
        "`bell` (a synthesized three-tone bell), `none`, or the path of an audio file (WAV, "
        "FLAC…) relative to the config file. A file that is not audio is refused.",
    )
    loudness_lufs: float = key(
        -20.0,
        schema.number(-23, -12),
        "The speech's loudness (ITU-R BS.1770). It is reached within 0.3 LU with true peaks "
        "at or under -1 dBTP: a gentle compressor and a true-peak limiter take the peaks "
        "down where gain alone would clip.",
    )
    chime_level_db: float = key(
        -3.0,
        schema.number(-30, 0),
        "The chime's loudness relative to the speech's: never louder than the words.",
    )
    pause_after_chime_ms: int = key(
        500,
        schema.integer(0, 3000),
        "The silence between the chime (once its last note has rung out) and the speech.",
    )
    voice_eq: bool = key(
        True,
        schema.boolean,
        "The voice EQ for horn speakers: a high-pass at 150 Hz and a 3 dB presence lift at 3 kHz.",
    )
    ticket_zeros: str = key(
        "skip",
        schema.one_of("skip", "read"),
        'How a ticket\'s leading zeros are read: `skip` ("A007" is "A tujuh") or `read` '
        '("A nol nol tujuh"), as the hall\'s ticket printer and displays show them.',
    )
    voice_pack: str | None = key(
        None,
        schema.existing_folder,
        "A folder of recorded clips, each named by the lower-case word or phrase it says "
        "(`nomor antrean.wav`, `be.wav`, `dua.wav`), relative to the config file: "
        "announcements are assembled from them, and words without a clip are spoken by "
        "`voice` at the same loudness (see "
        "[a recorded voice](../technician/voice.md#a-recorded-voice)).",
        shown="none",
    )
    pronunciations: Mapping[str, str] = key(
        MappingProxyType({}),
        checks.pronunciations,
        'Word → its pronunciation in IPA (`loket: "l o k e t"`), for every speech engine. '
        "It is added on top of the built-in lexicon of about 27,600 Indonesian words and "
        "overrides it; `pager say --phonemes` shows what will be said.",
        shown="(built-in)",
    )
    lexicon: Mapping[str, str] = key(
        MappingProxyType({}),
        checks.lexicon,
        "Written form → spoken form, for whole words in the template, counters, services "
        "and operator messages alike. It is added on top of the built-in list (KTP, SIM, "
        'NPWP, BPJS, SKCK, WIB, "No.", "Jl.", "dll.", "a.n."…) and overrides it.',
        shown="(built-in)",
    )
