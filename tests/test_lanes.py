"""Lanes: zones hearing other sentences in step with a combined announcement (a compact zone
says "Be dua." while the hall says "Be dua, loket sebelas."). The follower stays on the
leader's sample whatever the timing of the speech and the skips."""

from __future__ import annotations

import numpy as np

from pager.audio.player import Player, PlayerState
from pager.mixer import Mixer
from tests.test_mixer import CHANNELS, drain, render

HALL, SHOP = 0, 1  # the leader's and the follower's channels


def pair() -> tuple[Mixer, Player, Player]:
    mixer = Mixer(CHANNELS)
    leader = Player(((HALL, 1.0),), ident=7)
    follower = Player(((SHOP, 1.0),), ident=7, leader=leader)
    return mixer, leader, follower


def section(value: float, frames: int) -> np.ndarray:
    return np.full(frames, value, dtype=np.float32)


def play(mixer: Mixer, blocks: int, frames: int = 64) -> np.ndarray:
    return np.concatenate([render(mixer, frames) for _ in range(blocks)])


def test_the_follower_says_each_sentence_on_the_leader_s_samples() -> None:
    mixer, leader, follower = pair()
    for number in (1, 2):
        follower.append(section(0.5, 100), number)  # its shorter sentence, padded
        leader.append(section(number / 10, 100), number)
    leader.close()
    follower.close()
    mixer.add(leader, follower)
    out = play(mixer, 4)
    heard = out[:, SHOP] != 0
    assert np.array_equal(heard, out[:, HALL] != 0)
    assert np.count_nonzero(heard) == 200
    marks = [(e.kind, e.section) for e in drain(mixer) if e.section]
    assert marks == [
        (PlayerState.PLAYING, 1),
        (PlayerState.FINISHED, 1),
        (PlayerState.PLAYING, 2),
        (PlayerState.FINISHED, 2),
    ]  # the leader's only


def test_speech_that_reaches_the_follower_first_waits_for_the_leader_s() -> None:
    mixer, leader, follower = pair()
    mixer.add(leader, follower)
    follower.append(section(0.5, 100), 1)  # the speech worker hands over follower first...
    early = render(mixer, 64)
    assert not np.any(early[:, SHOP])  # ...and it does not sound before the leader's
    leader.append(section(0.1, 100), 1)
    out = play(mixer, 2)
    assert np.array_equal(out[:, SHOP] != 0, out[:, HALL] != 0)
    assert follower.played_frames == leader.played_frames == 100


def test_a_sentence_the_leader_leaves_out_is_left_out_of_the_follower_too() -> None:
    mixer, leader, follower = pair()
    for number, value in ((1, 0.1), (2, 0.2), (3, 0.3)):
        follower.append(section(value + 0.5, 100), number)
        leader.append(section(value, 100), number)
    leader.skip(2)  # a cancel, before it began
    mixer.add(leader, follower)
    out = play(mixer, 4)
    assert list(np.unique(out[:, HALL])) == [0.0, np.float32(0.1), np.float32(0.3)]
    assert np.allclose(out[:, SHOP][out[:, HALL] != 0] - out[:, HALL][out[:, HALL] != 0], 0.5)
    assert leader.left_out == follower.left_out == {2}


def test_the_play_ends_when_the_follower_has_played_out_too() -> None:
    mixer, leader, follower = pair()
    for player in (follower, leader):
        player.append(section(0.1, 100), 1)
        player.close()
    mixer.add(leader, follower)
    play(mixer, 3)
    ends = [e.player for e in drain(mixer) if e.kind is PlayerState.FINISHED and not e.section]
    assert ends == [leader, follower]
