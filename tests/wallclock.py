"""A process's wall clock moved by an offset the caller sets at any time, its monotonic clock
left real: a step as NTP or `date -s` makes it (tests/data/wallclock.c, compiled here and
preloaded). The clock tests use it, and bench/year.py to pass a day at a time.

(Debian's libfaketime 0.9.10 does the same with DONT_FAKE_MONOTONIC, but makes every
`time.sleep` of Python 3.11 fail with EINVAL, pyttsx3's and subprocess's included.)"""

from __future__ import annotations

import subprocess
from pathlib import Path

SOURCE = Path(__file__).parent / "data" / "wallclock.c"


class WallClock:
    """The daemon's wall clock, `offset` seconds from the real one."""

    def __init__(self, folder: Path) -> None:
        self.library = folder / "wallclock.so"
        subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", str(self.library), str(SOURCE),
                        "-ldl"], check=True)  # fmt: skip
        self.file = folder / "wallclock"
        self.set(0)

    def set(self, offset: float) -> None:
        part = self.file.with_suffix(".part")
        part.write_text(f"{offset:.3f}\n")
        part.replace(self.file)  # never read half-written

    def env(self, base: dict[str, str]) -> dict[str, str]:
        return {**base, "LD_PRELOAD": str(self.library), "WALLCLOCK_FILE": str(self.file)}
