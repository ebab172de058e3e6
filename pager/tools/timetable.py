"""`pager schedule`: the daily schedule's entries with their next times, soonest first."""

from __future__ import annotations

import argparse
import time

from pager import config
from pager.core.timetable import Timetable


def lines(cfg: config.Config, now: float) -> list[str]:
    """A line per entry: its next time (in the schedule's time zone), its message, its
    zones and its days."""
    table = Timetable()
    table.configure(cfg)
    if not cfg.schedule:
        return ["no schedule: the config has no `schedule` entries"]
    found = [f"times in {cfg.timezone}"]
    for due in table.next_of_each(now):
        message = cfg.messages[due.entry.message]
        zones = ", ".join(message.zones) or "every zone"
        found.append(f"{due.local(cfg.timezone):%a %Y-%m-%d %H:%M}  {due.entry.message}  "
                     f"({message.priority.label}; {zones})")  # fmt: skip
    if len(found) == 1:
        found.append("no entry falls due in the coming year")
    return found


def cmd_schedule(args: argparse.Namespace) -> int:
    cfg = config.load(args.config, args.node)
    for line in lines(cfg, time.time()):
        print(line)
    return 0


def declare(schedule: argparse.ArgumentParser) -> None:
    """The options of `pager schedule`."""
    schedule.set_defaults(func=cmd_schedule)
