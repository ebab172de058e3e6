"""The voice and the tones a config needs, built with I/O one way everywhere: the speech
synthesizer, the chime, the zone test's tone, the amplifiers' lead-in pilot and the message
library's recordings.

`build` is used at start, on every reload and by `pager say`; on reload it keeps the
running synthesizer (and its cache) when the voice settings did not change.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pager.audio import chime, recordings, sensing, tones
from pager.config.model import Config
from pager.core.announcer import Announcer
from pager.core.payloads import OperatorMessage
from pager.tts import Synthesizer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SoundKit:
    """What every announcement is made of, ready to play."""

    synthesizer: Synthesizer  # started
    chime: np.ndarray  # at the device rate, normalized, read-only
    test_tone: np.ndarray  # the zone test's tone, likewise
    pilot: np.ndarray  # the amplifier's lead-in (empty when audio.lead_in_ms is 0)
    clips: Mapping[str, np.ndarray] = field(default_factory=dict)  # the library's recordings
    # The A-weighted level of the voice as it leaves the card at 0 dB zone gain (dBFS), for
    # the noise sensors to weigh it against the noise; None when no zone has a sensor.
    speech_db: float | None = None


REFERENCE_SENTENCE = "Nomor antrean A dua puluh tiga, silakan menuju loket lima."


def _voice_settings(config: Config) -> tuple[object, ...]:
    a = config.announcement
    return (a.voice, a.rate, a.loudness_lufs, a.pronunciations, a.voice_eq, a.voice_pack,
            config.audio.sample_rate)  # fmt: skip


def build(config: Config, running: tuple[Config, SoundKit] | None = None) -> SoundKit:
    """The sound kit for `config`; raises ConfigError (chime) or SpeechError (voice), having
    closed whatever it started."""
    samples = chime.prepared(config.announcement, config.audio.sample_rate)
    tone = tones.test_tone(config.announcement, config.audio.sample_rate)
    pilot = tones.pilot(config.audio, config.announcement, config.audio.sample_rate)
    clips = recordings.prepared(config)
    sensed = any(zone.noise_sensor is not None for zone in config.zones.values())
    if running is not None and _voice_settings(running[0]) == _voice_settings(config):
        kept = running[1]
        speech_db = kept.speech_db if sensed and kept.speech_db is not None else None
        if sensed and speech_db is None:
            speech_db = _speech_db(kept.synthesizer, config.audio.sample_rate)
        return SoundKit(kept.synthesizer, samples, tone, pilot, clips, speech_db)
    a = config.announcement
    synthesizer = Synthesizer(
        a.voice, a.rate, config.audio.sample_rate, a.loudness_lufs,
        pronunciations=a.pronunciations, eq=a.voice_eq,
        voice_pack=Path(a.voice_pack) if a.voice_pack else None,
    )  # fmt: skip
    try:
        synthesizer.start()
        speech_db = _speech_db(synthesizer, config.audio.sample_rate) if sensed else None
    except BaseException:
        synthesizer.close()
        raise
    return SoundKit(synthesizer, samples, tone, pilot, clips, speech_db)


def _speech_db(synthesizer: Synthesizer, rate: int) -> float:
    """The voice's A-weighted level while it speaks, measured on a typical call."""
    level = sensing.speech_level_db(synthesizer.speak(REFERENCE_SENTENCE), rate)
    log.info("noise sensing: the voice leaves the card at %.1f dB(A) at 0 dB zone gain", level)
    return level


def render_library(config: Config, kit: SoundKit) -> list[str]:
    """Every message of the library said once (as `pager check` does, so that a typo or an
    unreadable recording is found before it is needed): a line each; PagerError when one
    cannot be made."""
    announcer = Announcer.of(config)
    rate = config.audio.sample_rate
    lines = []
    for name, message in config.messages.items():
        if name in kit.clips:
            seconds, what = len(kit.clips[name]) / rate, f"recording {message.file}"
        else:
            asked = OperatorMessage(f"check-{name}", "", None, message.priority, 0.0,
                                    message=name, priority_given=False)  # fmt: skip
            job = announcer.message(asked)
            seconds, what = len(kit.synthesizer.speak(job.speech)) / rate, f'"{job.text}"'
        zones = ", ".join(message.zones) or "every zone"
        lines.append(f"  message {name}: {seconds:.1f} s, {message.priority.label}, "
                     f"{zones}: {what}")  # fmt: skip
    return lines
