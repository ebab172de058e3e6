"""pager: turns counters' MQTT queue calls into Indonesian announcements on PA speaker zones.

The packages are the layers, top to bottom: `cli`; `daemon` and `tools`; `io` and `web`;
`core`; `tts` and `mixer`; `speech`; `audio`; `zones`; `config`; `language`; `values`; and
`errors`, `units`, `daytime`, `memory`, which every layer uses. A module imports only from
its own layer and those below (checked by import-linter: pyproject.toml).
"""

__version__ = "0.1.0"
