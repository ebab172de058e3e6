"""Files replaced whole or not at all: a power cut in the middle of writing leaves the old
file or the new one, never half of either. Every layer that writes a file a person or the
daemon reads again uses this."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path


def replace_atomically(path: str | Path, text: str, mode: int | None = None,
                       backup: bool = False) -> None:  # fmt: skip
    """Write `text` to `path` through a temporary file beside it, synced, then renamed over
    it. The file keeps its owner and mode (else `mode`, else 0644); with `backup` the previous
    file is kept as `path.bak` first (itself replaced atomically)."""
    file = Path(path)
    old = file.stat() if file.exists() else None
    if backup and old is not None:
        saved = file.with_name(f".{file.name}.bak.new")
        shutil.copy2(file, saved)
        _sync_and_rename(saved, file.with_name(f"{file.name}.bak"))
    temporary = file.with_name(f".{file.name}.new")
    wanted = mode if mode is not None else (old.st_mode & 0o7777 if old else 0o644)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, wanted)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, wanted)  # not narrowed by the umask
        if old is not None:
            with contextlib.suppress(PermissionError):  # not root: stays ours
                os.chown(temporary, old.st_uid, old.st_gid)
        _sync_and_rename(temporary, file)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def _sync_and_rename(temporary: Path, file: Path) -> None:
    with temporary.open("rb") as written:
        os.fsync(written.fileno())
    os.replace(temporary, file)
    directory = os.open(file.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)
