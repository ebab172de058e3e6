"""The edges of the daemon: the MQTT link, the node's lock between racks, the call journal,
the call log and systemd's notify protocol.

May import `pager.core` (the inputs it hands over), `pager.config`, `pager.values` and the
shared helpers; never `pager.web`, `pager.daemon` or `pager.tools`.
"""
