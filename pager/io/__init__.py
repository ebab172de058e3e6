"""The edges: the MQTT link, the call journal and systemd's notify protocol."""
