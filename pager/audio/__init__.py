"""Audio building blocks beside the mixer: chime, levels, background music and the sinks."""
