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
import threading
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

    def idle(self) -> bool:
        """Nothing plays."""
        return not self._live

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
            over = event.kind is PlayerState.FINISHED and not event.section
            return self._one_ended(live) if over else inputs.Tick()
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
    lanes = [v for v in effect.variants if v.sentences]
    try:
        if chimes:
            player.append(kit.chime)
        else:
            live.lead_frames = len(lead_in)
        followers = [_follower(v, player, lead_in, kit, chimes) for v in lanes]
        live.others = [_variant(v, effect.play, lead_in, kit) for v in effect.variants
                       if not v.sentences] + followers  # fmt: skip
        live.playing += len(live.others)
        speeches = [
            [_recorded(kit, clip) if clip else kit.synthesizer.submit(sentence),
             *(kit.synthesizer.submit(v.sentences[index]) for v in lanes)]
            for index, sentence in enumerate(sentences)
        ]  # fmt: skip
    except Exception as error:
        return inputs.PlayFailed(effect.play, f"cannot start its announcement: {error}")
    _Sections(live, followers, first_section, pause).listen(speeches)
    return live


def _follower(
    lane: Variant, leader: Player, lead_in: np.ndarray, kit: SoundKit, chimes: bool
) -> Player:
    """The player of zones that hear their own sentences in step with the leader's."""
    player = Player(lane.channel_gains, ident=leader.ident, leader=leader)
    player.append(lead_in)
    if chimes:
        player.append(kit.chime)
    return player


class _Sections:
    """Hands each sentence to the players as it is rendered, in order: the leader's, and in
    step with it each follower's (every lane's sentence padded to the longest, the followers
    first, so the leader never has samples they lack); the pause after each but the last;
    then closes them. A sentence the leader could not get is left out of every lane (and a
    combined announcement goes on); a follower's that failed is silence there.

    It keeps what the futures gave, never the futures: a future keeps its callbacks, and a
    cycle through them would hold every sentence's samples until the garbage collector ran."""

    def __init__(
        self, live: LivePlay, followers: list[Player], first_section: int, pause: np.ndarray
    ) -> None:
        self._live = live
        self._followers = followers
        self._first = first_section
        self._pause = pause
        self._next = 0
        self._got: list[list[np.ndarray | BaseException | None]] = []
        self._lock = threading.Lock()

    def listen(self, speeches: list[list[Future[np.ndarray]]]) -> None:
        self._got = [[None] * len(futures) for futures in speeches]
        for index, futures in enumerate(speeches):
            for lane, future in enumerate(futures):
                future.add_done_callback(functools.partial(self._ready, index, lane))

    def _ready(self, index: int, lane: int, future: Future[np.ndarray]) -> None:
        """In the speech worker (or at once, when it was ready): hand over what is ready."""
        try:
            outcome: np.ndarray | BaseException = future.result()
        except BaseException as error:  # SpeechError, or cancelled at shutdown
            outcome = error
        with self._lock:
            self._got[index][lane] = outcome
            while self._next < len(self._got) and all(
                got is not None for got in self._got[self._next]
            ):
                self._hand_over(self._next)
                self._got[self._next] = []  # handed over: let the samples go
                self._next += 1

    def _hand_over(self, index: int) -> None:
        section = self._first + index
        last = index == len(self._got) - 1
        main, *lanes = self._got[index]
        if isinstance(main, BaseException):
            self._live.failure = f"speech synthesis failed: {main}"
        elif main is not None:
            said = [_lane(got, len(main)) for got in lanes]
            length = max([len(main), *map(len, said)])
            for player, samples in zip(self._followers, said, strict=True):
                player.append(_padded(samples, length), section)
                if not last:
                    player.append(self._pause, -section)
            self._live.player.append(_padded(main, length), section)
            if not last:
                self._live.player.append(self._pause, -section)
        if last:
            for player in (*self._followers, self._live.player):
                player.close()


def _lane(got: np.ndarray | BaseException | None, length: int) -> np.ndarray:
    """A follower's sentence, or (when it failed) silence as long as the leader's."""
    if isinstance(got, np.ndarray):
        return got
    log.error("speech for compact zones failed: %s", got)
    return np.zeros(length, dtype=np.float32)


def _padded(samples: np.ndarray, length: int) -> np.ndarray:
    if len(samples) >= length:
        return samples
    return np.concatenate([samples, np.zeros(length - len(samples), dtype=np.float32)])


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
