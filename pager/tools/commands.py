"""The operators' commands: `pager status`, `pager history` and `pager stats`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import queue
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.live import Live

from pager import config
from pager.config.displays import UiConfig
from pager.errors import ConfigError, UsageError
from pager.io import calllog
from pager.tools import announce, counters, history, input_levels, stats, timetable, zone_test
from pager.tools.board import Board, event_line
from pager.tools.connect import Session, add_login_options
from pager.translations import Gettext, translator

AddCommand = Callable[[str, str], argparse.ArgumentParser]
_AGO = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|min|h|d)$")
_AGO_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


class BadTime(UsageError):
    """A --since or --day the command cannot read."""


def parse_since(text: str, now: float | None = None) -> float:
    """Unix seconds from "09:30" (today), "2026-11-29", "2026-11-29 09:30" or "2h" (ago)."""
    now = time.time() if now is None else now
    text = text.strip()
    ago = _AGO.match(text)
    if ago:
        return now - float(ago.group(1)) * _AGO_SECONDS[ago.group(2)]
    today = dt.datetime.fromtimestamp(now).date()
    for pattern in ("%H:%M", "%H:%M:%S"):
        try:
            clock = dt.datetime.strptime(text, pattern).time()
        except ValueError:
            continue
        return dt.datetime.combine(today, clock).timestamp()
    try:
        return dt.datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise BadTime(
            f'cannot read the time "{text}": give 09:30 (today), 2026-11-29, '
            '"2026-11-29 09:30", or how long ago: 30m, 2h, 3d'
        ) from None


def parse_day(text: str | None) -> dt.date:
    if text is None or text == "today":
        return dt.date.today()
    if text == "yesterday":
        return dt.date.today() - dt.timedelta(days=1)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        hint = "give 2026-11-29, today or yesterday"
        raise BadTime(f'cannot read the day "{text}": {hint}') from None


SERVICE_DIR = Path("/var/lib/pager")  # the unit's WorkingDirectory


def _log_path(args: argparse.Namespace) -> Path:
    """The call log: in --state-dir, else in the config's state_dir, which is relative to
    the daemon's working directory: this one, or the service's."""
    if args.state_dir is not None:
        return Path(args.state_dir) / calllog.FILE_NAME
    path = Path(config.load(args.config, args.node).state_dir) / calllog.FILE_NAME
    if not path.exists() and path.is_relative_to(Path.cwd()):
        service = SERVICE_DIR / path.relative_to(Path.cwd())
        if service.exists():
            return service
    return path


def _gettext(args: argparse.Namespace) -> Gettext:
    """The words of the config's `ui.language` (its default when the config cannot be read:
    the call log may be read with --state-dir alone)."""
    try:
        language = config.load(args.config, args.node).ui.language
    except ConfigError:
        language = UiConfig().language
    return translator(language)


def cmd_history(args: argparse.Namespace) -> int:
    since = parse_since(args.since) if args.since else stats.day_bounds(dt.date.today())[0]
    ticket = history.same_ticket(args.ticket) if args.ticket else None
    events = calllog.read(_log_path(args), since=since, counter=args.counter, ticket=ticket)
    found = history.select(history.records(events), counter=args.counter, ticket=args.ticket)
    if args.csv:
        sys.stdout.write(history.as_csv(found))
    else:
        print(history.as_table(found, _gettext(args)))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    day = parse_day(args.day)
    start, end = stats.day_bounds(day)
    found = history.records(calllog.read(_log_path(args), since=start, until=end))
    summary = stats.compute(day, found)
    _ = _gettext(args)
    print(stats.as_text(summary, _))
    if args.png:
        stats.chart(summary, args.png, _)
        print(f"\nwrote {args.png}")
    return 0


RETAINED_QUIET_S = 0.3  # the broker sends retained statuses at once after the subscription
RETAINED_LIMIT_S = 3.0


def _collect(session: Session, board: Board, quiet: float, limit: float) -> None:
    """Take what arrives until nothing has for `quiet` seconds (or `limit` is reached)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            message = session.messages.get(timeout=quiet)
        except queue.Empty:
            return
        board.take(message.topic, message.payload)


def cmd_status(args: argparse.Namespace) -> int:
    cfg = config.load(args.config, args.node)
    prefix = cfg.mqtt.topic_prefix
    board = Board(prefix, cfg.ui.language)
    console = Console()
    session = Session(cfg, args, "status")
    try:
        session.subscribe(f"{prefix}/status/+", f"{prefix}/standby/+",
                          *([f"{prefix}/event/+"] if args.follow else []))  # fmt: skip
        _collect(session, board, RETAINED_QUIET_S, RETAINED_LIMIT_S)
        if not args.follow:
            console.print(board.render())
            return 0 if board.healthy() else 1
        if console.is_terminal:
            _follow_live(session, board, console)
        else:
            _follow_lines(session, board, console)
    except KeyboardInterrupt:
        pass
    finally:
        session.close()
    return 0


def _follow_live(session: Session, board: Board, console: Console) -> None:
    """A screen that redraws itself as statuses and events arrive (and each second)."""
    with Live(board.render(), console=console, refresh_per_second=4) as live:
        while True:
            try:
                message = session.messages.get(timeout=1.0)
                board.take(message.topic, message.payload)
            except queue.Empty:
                pass
            live.update(board.render())


def _follow_lines(session: Session, board: Board, console: Console) -> None:
    """Into a file or a pipe: the board once, then a line per event and per status."""
    console.print(board.render())
    while True:
        message = session.messages.get()
        event = board.take(message.topic, message.payload)
        if event is not None:
            print(event_line(event, board.words), flush=True)
            continue
        node = message.topic.rsplit("/", 1)[-1]
        status = board.nodes.get(node)
        if status is not None:
            queues = json.dumps(status.get("queues") or {}, separators=(",", ":"))
            print(f"status {node}: {status.get('state')}, audio {status.get('audio', '?')}, "
                  f"queues {queues}", flush=True)  # fmt: skip


def add_to(add: AddCommand) -> None:
    """Declare these commands on the `pager` parser (`add` makes one with --config)."""

    def state_dir(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--state-dir", type=Path,
            help="the daemon's state directory (default: the config's state_dir; under "
                 "systemd /var/lib/pager/state)",
        )  # fmt: skip

    zone_test.declare(
        add(
            "test-zone",
            "play a test on each zone in turn through the running daemon, "
            "pausing between zones; tests wait for calls (Ctrl-C stops)",
        )
    )
    input_levels.declare(
        add("inputs", "the interface's inputs with their live levels, and what each is for")
    )
    announce.declare(
        add("announce", "publish an operator message, or a message of the library by its name")
    )
    timetable.declare(add("schedule", "the daily schedule's messages with their next times"))
    counters.declare(add("counter", "add, list or remove a counter; a new API token"))
    now = add("status", "every pager on the broker: online, audio, queues, what plays, last calls")
    now.add_argument("--follow", "-f", action="store_true", help="keep showing it, live")
    add_login_options(now)
    now.set_defaults(func=cmd_status)
    past = add("history", "what became of each call: when it came, where and when it was heard")
    past.add_argument("--since", help="09:30 (today), 2026-11-29 09:30, or 2h ago (default: today)")
    past.add_argument("--counter", help="only this counter's calls")
    past.add_argument("--ticket", help="only this ticket (A023, a23 and A-23 are the same)")
    past.add_argument("--csv", action="store_true", help="every column, as CSV")
    state_dir(past)
    past.set_defaults(func=cmd_history)
    day = add("stats", "a day in numbers: calls per hour, counter and zone, waits, lost calls")
    day.add_argument("--day", help="2026-11-29, today (default) or yesterday")
    day.add_argument("--png", type=Path, help="also draw the day as a PNG chart")
    state_dir(day)
    day.set_defaults(func=cmd_stats)
