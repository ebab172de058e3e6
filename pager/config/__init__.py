"""The configuration: declared in `model` and `services` (its values checked by `checks`),
read and checked in `load`, documented by `docs`."""

from pager.config.checks import TEMPLATE_FIELDS
from pager.config.load import load, parse, restart_changes
from pager.config.model import (
    AnnouncementConfig,
    AudioConfig,
    Config,
    MqttConfig,
    SchedulingConfig,
)
from pager.config.services import MusicConfig, SecurityConfig

__all__ = [
    "TEMPLATE_FIELDS",
    "AnnouncementConfig",
    "AudioConfig",
    "Config",
    "MqttConfig",
    "MusicConfig",
    "SchedulingConfig",
    "SecurityConfig",
    "load",
    "parse",
    "restart_changes",
]
