"""A small filesystem of the test's own: an ext4 image on a loop device, mounted in a mount
namespace held by a sleeping process, so that nothing outside the test sees it. The daemon
runs inside that namespace (`prefix`); the test fills it and frees it, makes every write fail
with an I/O error as a dying disk does (ext4's shutdown, the ioctl xfstests' `godown` uses),
and mounts it afresh as a technician would. Needs root (as CI and the project's machines run
the tests).

(A read-only remount cannot be had on demand: the kernel refuses it while the daemon holds
its files open for writing, and forces it only on its own errors.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests import e2e


class SmallDisk:
    def __init__(self, path: Path, size: str = "8M") -> None:
        e2e.require("a small filesystem")
        if os.geteuid() != 0:
            raise RuntimeError("the small-disk tests mount a tmpfs: run them as root")
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.image = path.with_name(path.name + ".img")
        subprocess.run(["truncate", "-s", size, str(self.image)], check=True)
        # 4 KiB blocks, as on a real disk: on the 1 KiB blocks mkfs picks for a small image,
        # SQLite's shared-memory file (written a byte per 4 KiB page, then mapped) can hold
        # holes that a full disk turns into SIGBUS.
        subprocess.run(["mkfs.ext4", "-q", "-F", "-b", "4096", str(self.image)], check=True)
        self._holder = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             f"{self._mount} && echo mounted && exec sleep infinity"],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self._holder.stdout is not None
        if self._holder.stdout.readline().strip() != "mounted":
            raise RuntimeError(f"cannot mount {self.image} at {path} in a new mount namespace")

    @property
    def prefix(self) -> list[str]:
        """What runs a command inside the namespace (nsenter execs it: signals reach it)."""
        return ["nsenter", f"--target={self._holder.pid}", "--mount", "--"]

    def run(self, command: str) -> str:
        return subprocess.run([*self.prefix, "sh", "-c", command], check=True,
                              capture_output=True, text=True).stdout  # fmt: skip

    def fill(self) -> None:
        """Take every free block (dd stops at 'No space left on device')."""
        self.run(f"dd if=/dev/zero of='{self.path}/fill' bs=16k 2>/dev/null || true")
        free = self.run(f"df --output=avail '{self.path}' | tail -1").strip()
        assert free == "0", f"{free} kB still free on {self.path}"

    def free(self) -> None:
        """The space back (synced: ext4 reuses freed blocks only once its journal commits)."""
        self.run(f"rm -f '{self.path}/fill' && sync -f '{self.path}'")

    @property
    def _mount(self) -> str:
        return f"mount -o loop '{self.image}' '{self.path}' && chmod 777 '{self.path}'"

    def break_down(self) -> None:
        """Every write from now on fails with an I/O error (EXT4_IOC_SHUTDOWN, after what was
        written before is synced: a disk that starts failing, not a power cut)."""
        self.run(
            f"{sys.executable} -c 'import fcntl, os, struct; "
            f'fcntl.ioctl(os.open("{self.path}", os.O_RDONLY), 0x8004587D, '
            'struct.pack("I", 0))\''
        )

    def mount_afresh(self) -> None:
        """What a technician does after a disk error: the broken mount detached (it goes once
        nothing holds it open) and the filesystem mounted again, on a new loop device."""
        self.run(f"umount -l '{self.path}' && {self._mount}")

    def close(self) -> None:
        self._holder.kill()
        self._holder.wait()
