"""Audio building blocks below the mixer (`pager.mixer`): the player each announcement is
read from (and music beds), chime and tones, levels (loudness, limiting, resampling),
background music feeders, the sinks (the sound card, WAV recordings, nothing) and the
output's DAC clock; and listening back: the input stream, the line pilot, the output tap,
the inputs' meters (A-weighting among them), comparing what was sent with what came back,
and the decisions on them (the noise gain, a line's state) as pure logic.

May import `pager.zones`, `pager.config`, `pager.values` and the shared helpers; never the
mixer above it (music reaches it through a protocol) nor the core.
"""
