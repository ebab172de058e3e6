"""`pager inputs`: the interface's inputs with their live levels, to find which input is
wired where (tap a microphone, play a zone test: its input's level jumps).

The running daemon owns the card: it publishes each input's level and peak once a second on
`{prefix}/inputs/{node}`, and this command shows them as they come, each input's use beside
it (which zone's noise sensor or line sense input it is).
"""

from __future__ import annotations

import argparse
import json
import queue
import time
from collections.abc import Mapping

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from pager import config
from pager.config.model import Config
from pager.errors import BrokerError, UsageError
from pager.tools.connect import Session, add_login_options

FIRST_READING_S = 5.0  # the daemon publishes once a second
BAR_FLOOR_DB = -90.0  # the bar's left end
STATUS_WAIT_S = 1.0  # the retained status comes at once after subscribing


def uses(cfg: Config) -> dict[int, str]:
    """What each configured input (from 1) is for, in words."""
    found: dict[int, str] = {}
    for name, zone in cfg.zones.items():
        if zone.noise_sensor is not None:
            found[zone.noise_sensor.channel] = f"noise sensor of {name}"
        if zone.line_sense is not None:
            found[zone.line_sense.channel] = f"line of {name} ({zone.line_sense.mode})"
    return found


def table(reading: Mapping[str, object], used: Mapping[int, str]) -> Table:
    """One reading as a table: input, level, peak, a bar, and what it is for."""
    shown = Table(box=None, pad_edge=False)
    for column, justify in (("input", "right"), ("level dBFS", "right"), ("peak dBFS", "right"),
                            ("", "left"), ("use", "left")):  # fmt: skip
        shown.add_column(column, justify=justify)  # type: ignore[arg-type]
    rows = reading.get("inputs")
    for row in rows if isinstance(rows, list) else []:
        level, peak = float(row.get("level_db", -120)), float(row.get("peak_db", -120))
        width = max(0, min(30, round((level - BAR_FLOOR_DB) / 3)))
        style = "red" if peak >= -1 else "green" if level > -70 else "dim"
        shown.add_row(str(row.get("input")), f"{level:.1f}", f"{peak:.1f}",
                      Text("█" * width, style), used.get(int(row.get("input", 0)), ""))  # fmt: skip
    return shown


def _reading(session: Session, timeout: float) -> Mapping[str, object] | None:
    try:
        message = session.messages.get(timeout=timeout)
    except queue.Empty:
        return None
    try:
        body = json.loads(message.payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return body if isinstance(body, dict) else None


def noise_gain(cfg: Config, zone: str) -> float | None:
    """The gain the running daemon gives `zone`'s announcements for its noise now (the
    retained status's `ambient`), or None when there is no daemon (or it has not measured
    the zone yet)."""
    try:
        session = Session(cfg, argparse.Namespace(), "say")
    except BrokerError:
        return None
    try:
        session.subscribe(f"{cfg.mqtt.topic_prefix}/status/{cfg.node}")
        status = _reading(session, STATUS_WAIT_S)
    except BrokerError:
        return None
    finally:
        session.close()
    ambient = status.get("ambient") if status is not None else None
    sensed = ambient.get(zone) if isinstance(ambient, dict) else None
    gain = sensed.get("gain_db") if isinstance(sensed, dict) else None
    return float(gain) if isinstance(gain, int | float) else None


def cmd_inputs(args: argparse.Namespace) -> int:
    cfg = config.load(args.config, args.node)
    if cfg.audio.inputs == 0:
        raise UsageError("audio.inputs is 0: the daemon opens no input (set it to the "
                         "interface's inputs)")  # fmt: skip
    used = uses(cfg)
    session = Session(cfg, args, "inputs")
    topic = f"{cfg.mqtt.topic_prefix}/inputs/{cfg.node}"
    try:
        session.subscribe(topic)
        reading = _reading(session, FIRST_READING_S)
        if reading is None:
            raise BrokerError(f"no levels on {topic} within {FIRST_READING_S:g} s: is the "
                              "daemon running with audio.inputs? (pager status)")  # fmt: skip
        console = Console()
        if args.once or not console.is_terminal:
            console.print(table(reading, used))
            return 0
        deadline = time.monotonic() + args.seconds if args.seconds else None
        with Live(table(reading, used), console=console, refresh_per_second=4) as live:
            while deadline is None or time.monotonic() < deadline:
                fresh = _reading(session, 1.0)
                if fresh is not None:
                    live.update(table(fresh, used))
    except KeyboardInterrupt:
        pass
    finally:
        session.close()
    return 0


def declare(shown: argparse.ArgumentParser) -> None:
    """The options of `pager inputs`."""
    shown.add_argument("--once", action="store_true", help="one reading, then exit")
    shown.add_argument("--seconds", type=float, help="stop after this long (default: Ctrl-C)")
    add_login_options(shown)
    shown.set_defaults(func=cmd_inputs)
