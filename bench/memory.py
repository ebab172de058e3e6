"""What the daemon's memory grows by across floods: bench.floods with the daemon under
tracemalloc (bench.traced), a snapshot once each flood has drained, and the growth from the
first drained flood to the last, by where it was allocated.

    .venv/bin/python -m bench.memory [--floods 5] [--calls 1000] [--top 15]

Prints one JSON object: resident memory, Python's blocks, SQLite's and glibc's heaps after
each flood, and the allocation sites that grew most between the first and the last.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import signal
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench.floods import floods


def _snapshot(
    directory: Path, number: int, pid: int
) -> tuple[tracemalloc.Snapshot, dict[str, Any]]:
    path = directory / f"{number}.pickle"
    os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + 120
    while not path.exists():  # the daemon writes it whole (then renames): polling a file
        if time.monotonic() > deadline:
            raise TimeoutError(f"no snapshot {path}")
        time.sleep(0.2)
    with open(path, "rb") as file:
        loaded: tuple[tracemalloc.Snapshot, dict[str, Any]] = pickle.load(file)
    return loaded


def grown(
    first: tracemalloc.Snapshot, last: tracemalloc.Snapshot, top: int
) -> list[dict[str, Any]]:
    """The allocation sites (their innermost frames in pager, or else their own) that grew most."""
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__),
              tracemalloc.Filter(False, "<frozen importlib._bootstrap*>")]  # fmt: skip
    stats = last.filter_traces(ignore).compare_to(first.filter_traces(ignore), "traceback")
    rows = []
    for stat in sorted(stats, key=lambda s: s.size_diff, reverse=True)[:top]:
        frames = [f"{f.filename.rsplit('site-packages/', 1)[-1]}:{f.lineno}"
                  for f in stat.traceback]  # fmt: skip
        rows.append({"kib": round(stat.size_diff / 1024, 1), "blocks": stat.count_diff,
                     "where": frames[-4:]})  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--floods", type=int, default=5)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pager-memory-") as directory:
        snapshots = Path(directory) / "snapshots"
        taken: list[tuple[tracemalloc.Snapshot, dict[str, Any]]] = []

        def drained(flood: int, pid: int) -> None:
            taken.append(_snapshot(snapshots, flood + 1, pid))

        prefix = [sys.executable, "-m", "bench.traced", str(snapshots)]
        figures = floods(Path(directory), args.floods, args.calls, prefix, drained)
    figures["heaps"] = [extra for _, extra in taken]
    figures["traced_total_mb"] = [
        round(sum(t.size for t in s.statistics("filename")) / 1e6, 1) for s, _ in taken
    ]
    figures["grown"] = grown(taken[0][0], taken[-1][0], args.top)
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
