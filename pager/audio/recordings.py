"""The message library's recordings (`messages.NAME.file`): read once when the config is
loaded, at the device rate and at the announcement loudness and peak, like speech."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import soundfile

from pager.audio.levels import resample, voice
from pager.config.model import Config
from pager.errors import ConfigError

LONGEST_S = 600.0  # a library message is announced, not played as music


def prepared(config: Config) -> Mapping[str, np.ndarray]:
    """Each recorded message of the library, ready for the mixer (read-only); ConfigError,
    naming the key, when a file cannot be read or holds no audio."""
    rate, lufs = config.audio.sample_rate, config.announcement.loudness_lufs
    clips: dict[str, np.ndarray] = {}
    for name, message in config.messages.items():
        if message.file is None:
            continue
        where = f"messages.{name}.file"
        try:
            info = soundfile.info(message.file)
            if info.duration > LONGEST_S:
                raise ConfigError(config.source, [f"{where}: {message.file} lasts "
                                  f"{info.duration:.0f} s; at most {LONGEST_S:.0f}"])  # fmt: skip
            samples, file_rate = soundfile.read(message.file, dtype="float32", always_2d=True)
        except (RuntimeError, OSError) as error:
            raise ConfigError(
                config.source, [f"{where}: cannot read {message.file} as audio: {error}"]
            ) from error
        if samples.shape[0] == 0 or not np.any(samples):
            raise ConfigError(config.source, [f"{where}: {message.file} holds no sound"])
        mono = resample(samples.mean(axis=1), int(file_rate), rate)
        clip = voice(mono, rate, lufs, eq=False)
        clip.flags.writeable = False
        clips[name] = clip
    return MappingProxyType(clips)
