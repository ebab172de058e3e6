"""The players on the card: each start effect becomes its players (the lead-in, the chime and
the speech of each zone's sentence), and what the mixer reports of them becomes the
controller's inputs (a play started, a sentence ended, the play finished).

`LivePlays` is the runtime's one map of the plays it started. The mixer starts a play's
players together, on the same sample; the speech worker appends each sentence as it is
rendered, during the chime.
"""

from __future__ import annotations

import functools
import logging
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from pager.audio.player import Player, PlayerState
from pager.core import inputs
from pager.core.effects import StartCombined, StartPlay, Variant
from pager.core.inputs import Input
from pager.daemon.soundkit import SoundKit
from pager.mixer import Mixer, MixerEvent
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

    @property
    def players(self) -> tuple[Player, ...]:
        return (self.player, *self.others)


class LivePlays:
    """The plays the runtime started and that have not ended, by play number."""

    def __init__(self, mixer: Mixer, rate: int) -> None:
        self._mixer = mixer
        self._rate = rate
        self._live: dict[int, LivePlay] = {}

    def start(
        self, effect: StartPlay | StartCombined, kit: SoundKit, frame: int | None = None
    ) -> inputs.PlayFailed | None:
        """Its players into the mixer, starting together (on the output's `frame`, when the
        racks agreed a time); PlayFailed when it cannot start."""
        started = _players(effect, kit, self._rate)
        if isinstance(started, inputs.PlayFailed):
            return started
        self._live[effect.play] = started
        if frame is not None:
            self._time(started, frame)
        self._mixer.add(*started.players)
        return None

    def retime(self, play: int, frame: int) -> None:
        """A play not begun starts on the output's `frame` instead."""
        live = self._live.get(play)
        if live is not None:
            self._time(live, frame)

    def skip(self, play: int, section: int) -> None:
        """Leave a combined announcement's sentence out, if it has not begun."""
        live = self._live.get(play)
        if live is not None:
            live.player.skip(section)

    def stop(self, play: int) -> None:
        """Fade its players out now."""
        live = self._live.pop(play, None)
        for player in live.players if live is not None else ():
            player.stop()

    def reset(self) -> None:
        """The output died: every player is dropped at once."""
        self._mixer.flush()
        self._live.clear()

    # -- what the mixer reports --------------------------------------------------------------

    def as_input(self, event: MixerEvent) -> Input:
        """The controller's input for a mixer event (a Tick when it has nothing to learn)."""
        player = event.player
        live = self._live.get(player.ident)
        if live is not None and player is not live.player:  # a zone's own content
            return self._one_ended(live) if event.kind is PlayerState.FINISHED else inputs.Tick()
        if event.section:
            return self._section_event(event, live)
        if event.kind is PlayerState.PLAYING:
            late = player.start_frame
            late_ms = None if late is None else (event.frame - late) / self._rate * 1000
            return inputs.PlayStarted(player.ident, late_ms=late_ms)
        ended = inputs.PlayFinished(
            player.ident,
            audio_s=player.appended_frames / self._rate,
            late_s=player.starved_frames / self._rate,
            failure=live.failure if live else None,
            lead_s=live.lead_frames / self._rate if live else 0.0,
        )
        if live is None:
            return ended
        live.ended = ended
        return self._one_ended(live)

    def _one_ended(self, live: LivePlay) -> Input:
        """One player of a play has ended: the play's end once all have."""
        live.playing -= 1
        if live.playing or live.ended is None:
            return inputs.Tick()
        self._live.pop(live.player.ident, None)
        return live.ended

    def _section_event(self, event: MixerEvent, live: LivePlay | None) -> Input:
        """A combined announcement's sentence began or ended."""
        play = event.player.ident
        if event.kind is PlayerState.PLAYING:
            if live is not None:
                live.section_start = event.frame
            return inputs.PlayStarted(play, event.section)
        began = live.section_start if live is not None else event.frame
        late = event.starved - (live.starved_before if live is not None else 0)
        if live is not None:
            live.starved_before = event.starved
        return inputs.SectionFinished(
            play, event.section, (event.frame - began) / self._rate, max(0, late) / self._rate
        )

    @staticmethod
    def _time(live: LivePlay, frame: int) -> None:
        """Its players start with the output's `frame` (if not begun): the chime's first
        sample on it, the lead-in before."""
        for player in live.players:
            player.start_frame = frame - live.pilot_frames


def _players(
    effect: StartPlay | StartCombined, kit: SoundKit, rate: int
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
    lead_in = kit.pilot if effect.lead_in else kit.pilot[:0]
    player.append(lead_in)
    if isinstance(effect, StartPlay) and effect.tone:
        player.append(kit.test_tone)
        player.close()
        return LivePlay(player)  # nothing a call's airtime learns from
    live = LivePlay(player, lead_frames=len(lead_in) + len(kit.chime),
                    pilot_frames=len(lead_in))  # fmt: skip
    pause = np.zeros(round(pause_s * rate), dtype=np.float32)
    clip = effect.clip if isinstance(effect, StartPlay) else None
    chimes = not isinstance(effect, StartPlay) or effect.chime
    try:
        speeches = [_recorded(kit, clip) if clip else kit.synthesizer.submit(s) for s in sentences]
        if chimes:
            player.append(kit.chime)
        else:
            live.lead_frames = len(lead_in)
        live.others = [_variant(v, effect.play, lead_in, kit) for v in effect.variants]
        live.playing += len(live.others)
    except Exception as error:
        return inputs.PlayFailed(effect.play, f"cannot start its announcement: {error}")
    for index, speech in enumerate(speeches):
        last = index == len(speeches) - 1
        done = functools.partial(_speech_ready, live, first_section + index, pause, last)
        speech.add_done_callback(done)
    return live


def _recorded(kit: SoundKit, clip: str) -> Future[np.ndarray]:
    """A library message's recording, prepared when the config was loaded."""
    done: Future[np.ndarray] = Future()
    recording = kit.clips.get(clip)
    if recording is None:
        done.set_exception(KeyError(f"no recording of message {clip} is loaded"))
    else:
        done.set_result(recording)
    return done


def _variant(variant: Variant, play: int, lead_in: np.ndarray, kit: SoundKit) -> Player:
    """The player of zones with their own content: the same lead-in and chime, then their
    own sentence (or nothing more)."""
    player = Player(variant.channel_gains, ident=play)
    player.append(lead_in)
    player.append(kit.chime)
    if variant.speech is None:
        player.close()
        return player
    speech = kit.synthesizer.submit(variant.speech)

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
