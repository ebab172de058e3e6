"""The message library's recordings (`messages.NAME.file`): read once when the config is
loaded, at the device rate and at the announcement loudness and peak, like speech.

A reload runs on the control thread, and preparing a minute of recording takes about a
second: a recording whose file, rate and loudness have not changed since the last load is
kept as it was."""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import soundfile

from pager.audio.levels import resample, voice
from pager.config.model import Config
from pager.errors import ConfigError

LONGEST_S = 600.0  # a library message is announced, not played as music
_prepared: dict[tuple[object, ...], np.ndarray] = {}  # the last load's, by what made them


def prepared(config: Config) -> Mapping[str, np.ndarray]:
    """Each recorded message of the library, ready for the mixer (read-only); ConfigError,
    naming the key, when a file cannot be read or holds no audio."""
    rate, lufs = config.audio.sample_rate, config.announcement.loudness_lufs
    clips: dict[str, np.ndarray] = {}
    kept: dict[tuple[object, ...], np.ndarray] = {}
    for name, message in config.messages.items():
        if message.file is None:
            continue
        where = f"messages.{name}.file"
        try:
            stat = os.stat(message.file)
        except OSError as error:
            raise ConfigError(
                config.source, [f"{where}: cannot read {message.file}: {error}"]
            ) from error
        made_of = (message.file, stat.st_mtime_ns, stat.st_size, rate, lufs)
        clip = _prepared.get(made_of)
        if clip is None:
            clip = _prepare(message.file, where, config.source, rate, lufs)
        clips[name] = kept[made_of] = clip
    _prepared.clear()  # only what this config uses stays
    _prepared.update(kept)
    return MappingProxyType(clips)


def _prepare(path: str, where: str, source: str, rate: int, lufs: float) -> np.ndarray:
    try:
        info = soundfile.info(path)
        if info.duration > LONGEST_S:
            raise ConfigError(source, [f"{where}: {path} lasts {info.duration:.0f} s; at most "
                                       f"{LONGEST_S:.0f}"])  # fmt: skip
        samples, file_rate = soundfile.read(path, dtype="float32", always_2d=True)
    except (RuntimeError, OSError) as error:
        raise ConfigError(source, [f"{where}: cannot read {path} as audio: {error}"]) from error
    if samples.shape[0] == 0 or not np.any(samples):
        raise ConfigError(source, [f"{where}: {path} holds no sound"])
    mono = resample(samples.mean(axis=1), int(file_rate), rate)
    clip = voice(mono, rate, lufs, eq=False)
    clip.flags.writeable = False
    return clip
