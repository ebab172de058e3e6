"""The daemon under tracemalloc, to find what holds its memory (a bench tool, not for sites).

    python -m bench.traced SNAPSHOT_DIR PAGER_COMMAND... (run -c zones.yaml ...)

Runs the pager command in this process with tracemalloc on (10 frames). Each SIGUSR2 writes
SNAPSHOT_DIR/N.pickle: the tracemalloc snapshot, with sys.getallocatedblocks(), SQLite's own
heap in use (sqlite3_memory_used) and glibc's mallinfo2 (arena and mmap bytes), so that
growth outside Python's objects shows too. bench.memory compares them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import pickle
import runpy
import signal
import sys
import tracemalloc
from pathlib import Path
from types import FrameType
from typing import Any

from pager import memory

FRAMES = 10


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]  # fmt: skip


def c_heap() -> dict[str, int]:
    """SQLite's heap in use, and glibc's: bytes in its arenas (in use, free) and in mmaps."""
    figures: dict[str, int] = {}
    name = ctypes.util.find_library("sqlite3")
    if name:
        used = ctypes.CDLL(name).sqlite3_memory_used
        used.restype = ctypes.c_int64
        figures["sqlite_used"] = int(used())
    mallinfo2 = memory.glibc("mallinfo2")  # the daemon's own lookup of glibc
    if mallinfo2 is not None:
        mallinfo2.restype = _Mallinfo2
        info = mallinfo2()
        figures.update(arena=info.arena, arena_in_use=info.uordblks, arena_free=info.fordblks,
                       mmapped=info.hblkhd)  # fmt: skip
    return figures


def main() -> None:
    snapshots = Path(sys.argv[1])
    snapshots.mkdir(parents=True, exist_ok=True)
    command = sys.argv[2:]
    numbers = itertools.count(1)

    def snapshot(signum: int, frame: FrameType | None) -> None:
        figures: dict[str, Any] = {"blocks": sys.getallocatedblocks(), **c_heap()}
        path = snapshots / f"{next(numbers)}.pickle"
        with open(path.with_suffix(".part"), "wb") as file:
            pickle.dump((tracemalloc.take_snapshot(), figures), file)
        path.with_suffix(".part").rename(path)

    tracemalloc.start(FRAMES)
    signal.signal(signal.SIGUSR2, snapshot)
    if command[:2] == [sys.executable, "-m"]:
        sys.argv = [command[2], *command[3:]]
        runpy.run_module(command[2], run_name="__main__", alter_sys=True)
    else:
        sys.argv = command
        runpy.run_path(command[0], run_name="__main__")


if __name__ == "__main__":
    main()
