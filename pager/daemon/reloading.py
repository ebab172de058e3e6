"""A reload (SIGHUP): the config file read again, and everything it needs built, before
anything is swapped; a mistake leaves the running config as it was."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pager import config as config_files
from pager.audio.music import MusicBeds
from pager.config.model import Config
from pager.core.inputs import ReloadRefused
from pager.daemon import soundkit
from pager.daemon.soundkit import SoundKit
from pager.errors import ConfigError


@dataclass(frozen=True)
class Reloader:
    """Where the config comes from, and the command line's overrides applied again."""

    config_path: str | None
    adjust: Callable[[Config], Config]

    def load(
        self, running: Config, kit: SoundKit, music: MusicBeds
    ) -> tuple[Config, SoundKit] | ReloadRefused:
        """The new config and its sound kit (the running synthesizer kept when the voice did
        not change), the music beds already following it; or why not."""
        try:
            if self.config_path is None:
                raise ConfigError("<config>", ["pager was started without a config file"])
            new = self.adjust(config_files.load(self.config_path, running.node, strict=True))
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
