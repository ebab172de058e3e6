"""The pure core: the controller and what it composes (the reception of messages, the stage
of plays, the scheduler, the announcer), with its inputs and effects. No threads, no I/O,
explicit time.

May import `pager.zones`, `pager.config`, `pager.language`, `pager.values` and the shared
helpers; never speech synthesis, audio, the edges or the daemon.
"""
