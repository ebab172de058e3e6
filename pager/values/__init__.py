"""The small frozen values every layer shares: priorities, event names, messages as they
arrive, what an announcement says, and jobs.

Each fact is declared here once; the MQTT link, the journal, the scheduler, the controller,
the speech worker and the config all use these names. Imports nothing from pager: it is the
lowest layer.
"""
