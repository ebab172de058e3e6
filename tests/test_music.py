"""Background music: looped from files, resampled, and ducked under announcements."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import soundfile
import yaml

from pager import config
from pager.audio.music import MusicFeeder
from pager.audio.player import Bed, Player
from pager.config.zoning import Zone
from pager.errors import ConfigError
from pager.mixer import Mixer

CHANNELS = 4


def block(mixer: Mixer, frames: int = 64) -> np.ndarray:
    out = np.zeros((frames, CHANNELS), dtype=np.float32)
    mixer.render(out)
    return out


def music_bed(level: float = 0.5) -> Player:
    player = Player([(0, 1.0), (1, 1.0)])
    player.append(np.full(100_000, level, dtype=np.float32))
    return player


def test_music_ducks_under_an_announcement_and_comes_back() -> None:
    mixer = Mixer(CHANNELS)
    mixer.set_beds([Bed(music_bed(), duck_gain=0.1, attack_frames=128, release_frames=256)])
    assert np.allclose(block(mixer)[:, 0], 0.5)  # full level while nothing is announced

    announcement = Player([(1, 1.0)])  # on one of the music zone's channels
    announcement.append(np.zeros(256, dtype=np.float32))  # silent, so only the music is heard
    announcement.close()
    mixer.add(announcement)
    ducking = np.concatenate([block(mixer)[:, 0] for _ in range(4)])
    assert np.all(np.diff(ducking[:128]) < 0)  # a smooth ramp down over attack_frames ...
    assert ducking[128] == pytest.approx(0.05)  # ... to duck_gain
    assert np.allclose(ducking[128:], 0.05)

    back = np.concatenate([block(mixer)[:, 0] for _ in range(5)])
    assert np.all(np.diff(back[:256]) > 0)  # a slower ramp back up over release_frames
    assert np.allclose(back[256:], 0.5)


def test_music_in_another_zone_is_not_ducked() -> None:
    mixer = Mixer(CHANNELS)
    mixer.set_beds([Bed(music_bed(), duck_gain=0.1, attack_frames=64, release_frames=64)])
    announcement = Player([(3, 1.0)])
    announcement.append(np.ones(640, dtype=np.float32))
    announcement.close()
    mixer.add(announcement)
    out = np.concatenate([block(mixer) for _ in range(5)])
    assert np.allclose(out[:, 0], 0.5)
    assert np.allclose(out[:, 3], 1.0)


def test_music_alone_does_not_count_as_an_announcement() -> None:
    mixer = Mixer(CHANNELS)
    mixer.set_beds([Bed(music_bed(), duck_gain=0.1, attack_frames=64, release_frames=64)])
    assert mixer.render(np.zeros((64, CHANNELS), dtype=np.float32)) is False


def test_feeder_decodes_resamples_and_levels_a_file(tmp_path: Path) -> None:
    path = tmp_path / "song.flac"
    stereo = np.full((44100, 2), 0.5, dtype=np.float32)
    soundfile.write(path, stereo, 44100)
    zone = Zone("food", (1, 2), music=(str(path),))
    player = Player([(0, 1.0)])
    feeder = MusicFeeder(zone, player, 48000, level=0.5)
    assert feeder._play_file(str(path))
    assert player.appended_frames == pytest.approx(48000, abs=64)
    heard = np.zeros(player.appended_frames, dtype=np.float32)
    player.read_into(heard)
    assert np.allclose(heard[1000:-1000], 0.25, atol=1e-3)  # 0.5 at level 0.5, mono


def test_feeder_reports_a_broken_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really")
    feeder = MusicFeeder(Zone("food", (1,), music=(str(broken),)), Player([(0, 1.0)]), 48000, 1.0)
    with caplog.at_level(logging.ERROR):
        feeder._run()  # returns: nothing in the playlist can be played
    assert "cannot play music" in caplog.text and "background music stopped" in caplog.text


def test_music_playlist_files_must_exist(tmp_path: Path) -> None:
    (tmp_path / "a.mp3").write_bytes(b"")
    path = tmp_path / "c.yaml"
    doc = {"zones": {"food": {"channels": [1], "music": ["a.mp3", "b.mp3"]}},
           "music": {"duck_db": -90}}  # fmt: skip
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    assert caught.value.problems == [
        "music.duck_db: -90 is outside -80..0",
        f"zones.food.music[1]: file {tmp_path / 'b.mp3'} does not exist",
    ]
