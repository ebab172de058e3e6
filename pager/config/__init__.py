"""The configuration: YAML in, frozen dataclasses out, validated once.

Owns the schema engine (`schema`: a key is a dataclass field with its check and doc; rules
relate keys), every key's declaration (`model`, `announcement`, `services`, `zoning` for
zones and counters; value checks in `checks`), the loader (`load`) and the configuration reference
generated from the declarations (`docs`). Imports `pager.language` (to check counters and
pronunciations), `pager.values` and the shared helpers; nothing above.
"""

from pager.config.announcement import AnnouncementConfig
from pager.config.checks import TEMPLATE_FIELDS
from pager.config.load import load, load_bytes, parse, read, restart_changes
from pager.config.model import AudioConfig, Config, SchedulingConfig
from pager.config.services import MqttConfig, MusicConfig, SecurityConfig

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
    "load_bytes",
    "parse",
    "read",
    "restart_changes",
]
