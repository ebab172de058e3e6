"""From a start effect to its players: the lead-in, the chime and the speech of each.

The runtime hands a play's players to the mixer together (they start on the same sample);
the speech worker appends each sentence as it is rendered, during the chime.
"""

from __future__ import annotations

import functools
import logging
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from pager.audio.player import Player
from pager.core import inputs
from pager.core.effects import StartCombined, StartPlay, Variant
from pager.daemon import soundkit
from pager.values.spoken import Spoken

log = logging.getLogger(__name__)


@dataclass
class LivePlay:
    """A play's players as the runtime started them, and what its speech worker said."""

    player: Player  # the main one: its events are the play's
    failure: str | None = None
    lead_frames: int = 0  # the lead-in, the chime and its pause
    pilot_frames: int = 0  # the lead-in alone: a timed start puts the chime on its time
    # Combined announcements: where the current sentence began, and the player's waiting
    # for speech by the end of the sentence before.
    section_start: int = 0
    starved_before: int = 0
    # Zones with their own content play in players of their own, started on the same
    # sample; the play has ended when all have (its end is held until then).
    others: list[Player] = field(default_factory=list)
    playing: int = 1
    ended: inputs.PlayFinished | None = None


def start(
    effect: StartPlay | StartCombined, current: soundkit.Parts, rate: int
) -> LivePlay | inputs.PlayFailed:
    """The chime, then the speech: a call's sentence alone, or each sentence of a combined
    announcement as a section (1, 2, ...), in order (the speech worker renders urgent work
    first come, first served, so they arrive in order); a zone test's tone instead."""
    sentences: tuple[Spoken, ...]
    if isinstance(effect, StartPlay):
        sentences, first_section, pause_s = (effect.speech,), 0, 0.0
    else:
        sentences, first_section, pause_s = effect.sentences, 1, effect.pause_s
    player = Player(effect.channel_gains, ident=effect.play)
    lead_in = current.pilot if effect.lead_in else current.pilot[:0]
    player.append(lead_in)
    if isinstance(effect, StartPlay) and effect.tone:
        player.append(current.test_tone)
        player.close()
        return LivePlay(player)  # nothing a call's airtime learns from
    live = LivePlay(player, lead_frames=len(lead_in) + len(current.chime),
                    pilot_frames=len(lead_in))  # fmt: skip
    pause = np.zeros(round(pause_s * rate), dtype=np.float32)
    try:
        speeches = [current.synthesizer.submit(s) for s in sentences]
        player.append(current.chime)
        live.others = [_variant(v, effect.play, lead_in, current) for v in effect.variants]
        live.playing += len(live.others)
    except Exception as error:
        return inputs.PlayFailed(effect.play, f"cannot start its announcement: {error}")
    for index, speech in enumerate(speeches):
        last = index == len(speeches) - 1
        done = functools.partial(_speech_ready, live, first_section + index, pause, last)
        speech.add_done_callback(done)
    return live


def _variant(variant: Variant, play: int, lead_in: np.ndarray, current: soundkit.Parts) -> Player:
    """The player of zones with their own content: the same lead-in and chime, then their
    own sentence (or nothing more)."""
    player = Player(variant.channel_gains, ident=play)
    player.append(lead_in)
    player.append(current.chime)
    if variant.speech is None:
        player.close()
        return player
    speech = current.synthesizer.submit(variant.speech)

    def ready(done: Future[np.ndarray]) -> None:
        try:
            player.append(done.result())
        except BaseException as error:  # its zones hear the chime; the play goes on
            log.error("speech for zones with their own template failed: %s", error)
        finally:
            player.close()

    speech.add_done_callback(ready)
    return player


def _speech_ready(
    live: LivePlay, section: int, pause: np.ndarray, last: bool, speech: Future[np.ndarray]
) -> None:
    """In the speech worker: hand a sentence to its player, the pause after it unless it is
    the last, and close the player after the last (a sentence that failed is left out, and a
    combined announcement goes on)."""
    try:
        live.player.append(speech.result(), section)
        if not last:
            live.player.append(pause, -section)
    except BaseException as error:  # SpeechError, or cancelled at shutdown
        live.failure = f"speech synthesis failed: {error}"
    finally:
        if last:
            live.player.close()
