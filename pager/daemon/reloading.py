"""A reload (SIGHUP): the config file read again, and everything it needs built, before
anything is swapped; a mistake leaves the running config as it was."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pager import config as config_files
from pager.audio.music import MusicBeds
from pager.config.model import Config
from pager.core.inputs import ReloadRefused
from pager.daemon import soundkit
from pager.daemon.soundkit import SoundKit
from pager.errors import ConfigError, ConfigUnreadable
from pager.values.storage import StoreWatch


@dataclass(frozen=True)
class Reloader:
    """Where the config comes from, and the command line's overrides applied again."""

    config_path: str | None
    adjust: Callable[[Config], Config]
    watch: StoreWatch | None = field(default=None, compare=False)  # the file's readability

    def load(
        self, running: Config, kit: SoundKit, music: MusicBeds
    ) -> tuple[Config, SoundKit] | ReloadRefused:
        """The new config and its sound kit (the running synthesizer kept when the voice did
        not change), the music beds already following it; or why not."""
        try:
            if self.config_path is None:
                raise ConfigError("<config>", ["pager was started without a config file"])
            data = self._read(self.config_path)
            new = self.adjust(
                config_files.load_bytes(data, self.config_path, running.node, strict=True)
            )
            changes = config_files.restart_changes(running, new)
            if changes:
                raise ConfigError(self.config_path, changes)
            built = soundkit.build(new, (running, kit))
            try:
                music.apply(new.zones, new.music)
            except BaseException:
                if built.synthesizer is not kit.synthesizer:
                    built.synthesizer.close()
                raise
        except ConfigError as error:
            return ReloadRefused(str(error), tuple(error.problems))
        except Exception as error:  # SpeechError (the voice), a music bed too many, ...
            return ReloadRefused(f"{self.config_path}: {error}", (str(error),))
        return new, built

    def _read(self, path: str) -> bytes:
        """The file's bytes; whether it could be read is told to the watch."""
        try:
            data = config_files.read(path)
        except ConfigUnreadable as error:
            if self.watch is not None:
                self.watch.failed(error.problems[0])
            raise
        if self.watch is not None:
            self.watch.worked()
        return data
