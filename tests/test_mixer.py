"""The real-time mix: each player on exactly its channels, at its gains, in order."""

from __future__ import annotations

import queue

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pager.audio.player import Bed, Player, PlayerState
from pager.mixer import Mixer, MixerEvent

CHANNELS = 8


def render(mixer: Mixer, frames: int) -> np.ndarray:
    out = np.full((frames, CHANNELS), 7.0, dtype=np.float32)  # garbage that must be overwritten
    mixer.render(out)
    return out


def drain(mixer: Mixer) -> list[MixerEvent]:
    reported = mixer.events
    assert isinstance(reported, queue.SimpleQueue)  # the mixer's own, when given none
    events = []
    while not reported.empty():
        events.append(reported.get_nowait())
    return events


def ramp(n: int, start: float = 0.0) -> np.ndarray:
    return (start + np.arange(n, dtype=np.float32)) / 10000


def test_idle_mixer_outputs_silence() -> None:
    mixer = Mixer(CHANNELS)
    assert not mixer.render(out := np.ones((64, CHANNELS), dtype=np.float32))
    assert not np.any(out)
    assert mixer.idle


def test_player_reaches_only_its_channels_at_their_gains() -> None:
    mixer = Mixer(CHANNELS)
    player = Player([(0, 1.0), (1, 1.0), (6, 0.5)])
    player.append(ramp(100))
    player.close()
    mixer.add(player)
    out = render(mixer, 128)
    np.testing.assert_array_equal(out[:100, 0], ramp(100))
    np.testing.assert_array_equal(out[:, 0], out[:, 1])
    np.testing.assert_allclose(out[:100, 6], ramp(100) * 0.5)
    assert not np.any(out[:, [2, 3, 4, 5, 7]])
    assert not np.any(out[100:])


def test_players_on_the_same_channel_add_up_and_never_clip() -> None:
    mixer = Mixer(CHANNELS)
    for level in (0.25, 0.5, 0.75):
        p = Player([(3, 1.0)])
        p.append(np.full(10, level, dtype=np.float32))
        p.close()
        mixer.add(p)
    out = render(mixer, 10)
    np.testing.assert_array_equal(out[:, 3], np.ones(10, dtype=np.float32))  # 1.5 clipped to 1


def test_started_and_finished_are_reported_at_their_frames() -> None:
    mixer = Mixer(CHANNELS)
    render(mixer, 64)
    player = Player([(0, 1.0)])
    player.append(ramp(100, 1))
    player.close()
    mixer.add(player)
    render(mixer, 64)
    render(mixer, 64)
    events = drain(mixer)
    assert [(e.kind, e.frame) for e in events] == [
        (PlayerState.PLAYING, 64),
        (PlayerState.FINISHED, 64 + 100),
    ]
    assert mixer.idle


def test_speech_appended_late_follows_the_chime_after_silence() -> None:
    mixer = Mixer(CHANNELS)
    player = Player([(2, 1.0)])
    player.append(np.ones(50, dtype=np.float32))
    mixer.add(player)
    first = render(mixer, 64)
    assert not player.drained and player.starved_frames == 14
    player.append(np.full(30, 0.5, dtype=np.float32))
    player.close()
    second = render(mixer, 64)
    np.testing.assert_array_equal(first[:50, 2], 1.0)
    assert not np.any(first[50:, 2])
    np.testing.assert_array_equal(second[:30, 2], 0.5)
    assert not np.any(second[30:, 2])
    assert [e.kind for e in drain(mixer)] == [PlayerState.PLAYING, PlayerState.FINISHED]


def test_a_player_for_a_missing_channel_is_refused() -> None:
    mixer = Mixer(2)
    try:
        mixer.add(Player([(2, 1.0)]))
    except ValueError as error:
        assert "output 3 of 2" in str(error)
    else:
        raise AssertionError("accepted a channel the device does not have")


@settings(max_examples=200, deadline=None)
@given(
    segments=st.lists(st.integers(min_value=1, max_value=700), min_size=1, max_size=6),
    blocks=st.lists(st.integers(min_value=1, max_value=512), min_size=1, max_size=40),
)
def test_any_segments_through_any_blocks_arrive_whole_and_in_order(
    segments: list[int], blocks: list[int]
) -> None:
    mixer = Mixer(CHANNELS)
    player = Player([(5, 1.0)])
    parts = []
    offset = 1.0
    for length in segments:
        parts.append(ramp(length, offset))
        offset += length
        player.append(parts[-1])
    player.close()
    mixer.add(player)
    total = sum(segments)
    rendered: list[np.ndarray] = []
    while sum(len(b) for b in rendered) < total + 1:
        for frames in blocks:
            rendered.append(render(mixer, frames)[:, 5])
    heard = np.concatenate(rendered)
    np.testing.assert_array_equal(heard[:total], np.concatenate(parts))
    assert not np.any(heard[total:])
    finished = [e for e in drain(mixer) if e.kind is PlayerState.FINISHED]
    assert [e.frame for e in finished] == [total]


def test_stop_fades_out_within_the_fade_and_finishes() -> None:
    mixer = Mixer(CHANNELS, fade_frames=100)
    player = Player([(4, 1.0)])
    player.append(np.ones(10000, dtype=np.float32))
    player.close()
    mixer.add(player)
    render(mixer, 64)
    player.stop()
    out = np.concatenate([render(mixer, 64)[:, 4] for _ in range(3)])
    np.testing.assert_allclose(out[:100], np.linspace(1, 0, 100), atol=1e-6)
    assert not np.any(out[100:])
    assert player.state is PlayerState.FINISHED
    assert [(e.kind, e.frame) for e in drain(mixer)] == [
        (PlayerState.PLAYING, 0),
        (PlayerState.FINISHED, 64 + 100),
    ]
    assert mixer.idle


def test_an_idle_mixer_skips_the_mix_but_counts_the_frames() -> None:
    mixer = Mixer(CHANNELS)
    assert mixer.skip_silence(64)
    assert (mixer.frames_rendered, mixer.blocks_rendered) == (64, 1)
    player = Player([(0, 1.0)])
    player.append(ramp(10))
    player.close()
    mixer.add(player)
    assert not mixer.skip_silence(64)  # a player waits: it must be mixed
    out = render(mixer, 64)
    np.testing.assert_array_equal(out[:10, 0], ramp(10))
    assert mixer.frames_rendered == 128


def test_more_players_than_rows_wait_for_a_free_row_and_none_is_lost() -> None:
    mixer = Mixer(CHANNELS, max_players=2)
    players = []
    for n in range(3):
        player = Player([(n, 1.0)])
        player.append(np.full(64, 0.5, dtype=np.float32))
        player.close()
        mixer.add(player)
        players.append(player)
    first = render(mixer, 64)
    assert np.all(first[:, :2] == 0.5) and not np.any(first[:, 2])
    second = render(mixer, 64)
    assert np.all(second[:, 2] == 0.5)
    assert [p.state for p in players] == [PlayerState.FINISHED] * 3


def test_the_mix_keeps_blas_to_one_thread() -> None:
    from threadpoolctl import threadpool_info

    Mixer(CHANNELS)
    assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")


def test_flush_drops_every_announcement_before_later_ones_play() -> None:
    mixer = Mixer(CHANNELS)
    playing, waiting = Player([(0, 1.0)], ident=1), Player([(1, 1.0)], ident=2)
    for player in (playing, waiting):
        player.append(np.ones(1000, dtype=np.float32))
    mixer.add(playing)
    render(mixer, 64)
    mixer.add(waiting)
    mixer.flush()  # from the control thread: carried out by the next block
    after = Player([(2, 1.0)], ident=3)
    after.append(ramp(10))
    after.close()
    mixer.add(after)
    out = render(mixer, 64)
    assert not np.any(out[:, :2]), "a flushed player still sounded"
    np.testing.assert_array_equal(out[:10, 2], ramp(10))
    assert playing.state is waiting.state is PlayerState.FINISHED
    events = [(e.kind, e.player.ident) for e in drain(mixer)]
    assert events == [(PlayerState.PLAYING, 1), (PlayerState.PLAYING, 3), (PlayerState.FINISHED, 3)]


def test_music_beds_are_replaced_at_the_next_block() -> None:
    mixer = Mixer(CHANNELS)
    old, new = Player([(0, 1.0)]), Player([(5, 1.0)])
    for bed in (old, new):
        bed.append(np.full(1000, 0.25, dtype=np.float32))
    mixer.set_beds([Bed(old, duck_gain=0.1, attack_frames=64, release_frames=64)])
    assert np.all(render(mixer, 64)[:, 0] == 0.25)
    mixer.set_beds([Bed(new, duck_gain=0.1, attack_frames=64, release_frames=64)])
    out = render(mixer, 64)
    assert not np.any(out[:, 0]) and np.all(out[:, 5] == 0.25)
    with pytest.raises(ValueError, match="music beds"):
        mixer.set_beds([Bed(Player([(0, 1.0)]), 0.1, 64, 64)] * 64)


def test_sections_report_their_first_and_last_frames_and_a_skipped_one_is_left_out() -> None:
    mixer = Mixer(CHANNELS)
    player = Player([(0, 1.0)])
    chime, first, pause, second, third = (
        ramp(70, 1),
        ramp(50, 1),
        np.zeros(30),
        ramp(40, 1),
        ramp(20, 1),
    )
    player.append(chime)
    player.append(first, 1)
    player.append(pause, -1)
    player.append(second, 2)
    player.append(pause, -2)
    player.skip(2)  # cancelled before it began: it and its pause are left out
    player.append(third, 3)
    player.close()
    mixer.add(player)
    played = np.concatenate([render(mixer, 64)[:, 0] for _ in range(4)])
    events = [(e.kind, e.section, e.frame) for e in drain(mixer)]
    assert events == [
        (PlayerState.PLAYING, 0, 0),
        (PlayerState.PLAYING, 1, 70),
        (PlayerState.FINISHED, 1, 120),
        (PlayerState.PLAYING, 3, 150),
        (PlayerState.FINISHED, 3, 170),
        (PlayerState.FINISHED, 0, 170),
    ]
    expected = np.concatenate([chime, first, pause, third])
    np.testing.assert_array_equal(played[:170], expected)
    assert not np.any(played[170:])


def test_a_section_that_has_begun_plays_to_its_end_whatever_is_skipped() -> None:
    mixer = Mixer(CHANNELS)
    player = Player([(0, 1.0)])
    player.append(ramp(100, 1), 1)
    player.close()
    mixer.add(player)
    render(mixer, 64)
    player.skip(1)  # too late: it is being said
    render(mixer, 64)
    assert [(e.kind, e.section) for e in drain(mixer)][-2:] == [
        (PlayerState.FINISHED, 1), (PlayerState.FINISHED, 0),
    ]  # fmt: skip
    assert player.played_frames == 100


@pytest.mark.parametrize("start", [0, 37, 256, 300, 1000])
def test_a_timed_player_begins_on_exactly_its_start_frame(start: int) -> None:
    """Racks starting together: the first sample lands on the frame asked for, whatever
    block it falls in; the started event names that frame."""
    mixer = Mixer(CHANNELS)
    player = Player([(2, 1.0)])
    player.start_frame = start
    player.append(ramp(500, start=1))  # no zero sample in it
    player.close()
    mixer.add(player)
    out = np.concatenate([render(mixer, 256) for _ in range(8)])
    assert np.flatnonzero(out[:, 2])[0] == start
    np.testing.assert_array_equal(out[start : start + 500, 2], ramp(500, start=1))
    events = drain(mixer)
    assert [(e.kind, e.frame) for e in events] == [
        (PlayerState.PLAYING, start), (PlayerState.FINISHED, start + 500)
    ]  # fmt: skip


def test_a_timed_player_moved_before_it_starts_takes_the_new_frame_and_a_late_one_starts_at_once() -> (
    None
):
    mixer = Mixer(CHANNELS)
    moved, late = Player([(0, 1.0)]), Player([(1, 1.0)])
    moved.start_frame, late.start_frame = 2000, 100
    for player in (moved, late):
        player.append(ramp(64, start=1))
        player.close()
    render(mixer, 256)  # frames 0..255 pass: `late` is added after its frame
    mixer.add(moved)
    mixer.add(late)
    moved.start_frame = 600  # the first rack's time arrived
    out = np.concatenate([render(mixer, 256) for _ in range(3)])
    assert np.flatnonzero(out[:, 0])[0] == 600 - 256
    assert np.flatnonzero(out[:, 1])[0] == 0  # at once, with the block after its frame
