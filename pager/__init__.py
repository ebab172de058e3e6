"""pager: turns counters' MQTT queue calls into Indonesian announcements on PA speaker zones."""

__version__ = "0.1.0"
