"""Audio building blocks below the mixer (`pager.mixer`): the player each announcement is
read from (and music beds), chime and tones, levels (loudness, limiting, resampling),
A-weighting (for sensing ambient noise),
background music feeders, the sinks (the sound card, WAV recordings, nothing) and the
output's DAC clock.

May import `pager.zones`, `pager.config`, `pager.values` and the shared helpers; never the
mixer above it (music reaches it through a protocol) nor the core.
"""
