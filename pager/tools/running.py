"""The daemons running a config file on this PC, found by their command lines, and asked to
reload it (SIGHUP, what `systemctl reload pager` sends)."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

CONFIG_OPTIONS = ("-c", "--config")


def daemons_of(config_path: str | Path) -> list[int]:
    """The pids of `pager run` processes started with this config file."""
    wanted = Path(config_path).resolve()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            if "run" in argv and _config_of(argv[argv.index("run") :], entry / "cwd") == wanted:
                found.append(int(entry.name))
    return sorted(found)


def _config_of(argv: list[str], cwd: Path) -> Path | None:
    """The config file named by the options of `run` (argv from that word on)."""
    for index, word in enumerate(argv[:-1]):
        if word in CONFIG_OPTIONS:
            return (cwd.resolve() / argv[index + 1]).resolve()
    for word in argv:
        if word.startswith("--config="):
            return (cwd.resolve() / word.split("=", 1)[1]).resolve()
    return None


def reload_daemons(config_path: str | Path) -> list[int]:
    """SIGHUP to every daemon running this config; their pids."""
    pids = daemons_of(config_path)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGHUP)
    return pids
