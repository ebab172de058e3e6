"""The configuration: declared in `model`, read and checked in `load`, documented by `docs`."""

from pager.config.load import load, parse, restart_changes
from pager.config.model import (
    TEMPLATE_FIELDS,
    AnnouncementConfig,
    AudioConfig,
    Config,
    MqttConfig,
    MusicConfig,
    SchedulingConfig,
    SecurityConfig,
)

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
