"""systemd as PID 1 in throwaway namespaces, to run the real unit on a machine without it.

The machine's root file system is the lower layer of an overlay whose upper layer is a tmpfs,
so whatever the boot and `scripts/install-service` write (a user, /opt/pager, /etc/pager, the
unit) disappears with the container; the network is the host's, so the service reaches a
broker the test started on localhost. Units that would touch the host's kernel or devices
(udev, sysctl, modules, the clock) are masked, and the kernel settings systemd itself
raises at boot are put back afterwards; the daemons the host already runs are not started
(the container boots to basic.target).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

SYSTEMD = Path("/lib/systemd/systemd")
# Mounted into the container: the project's source and a directory shared with the test.
SOURCE = "/srv/pager-src"
SHARED = "/srv/pager-test"
MASKED = (
    "systemd-udevd.service", "systemd-udev-trigger.service", "systemd-udev-settle.service",
    "systemd-sysctl.service", "systemd-modules-load.service", "systemd-timesyncd.service",
    "systemd-binfmt.service", "systemd-random-seed.service", "systemd-networkd.service",
    "systemd-hwdb-update.service", "systemd-journal-flush.service",
)  # fmt: skip
BOOT_TIMEOUT_S = 60
# What systemd as PID 1 changes in the kernel for everyone (the network namespace is shared):
# put back when the container is gone.
HOST_SETTINGS = (
    Path("/proc/sys/net/unix/max_dgram_qlen"), Path("/proc/sys/fs/file-max"),
    Path("/proc/sys/fs/nr_open"),
)  # fmt: skip

BOOT = """set -eu
mount --make-rprivate /
mount -t tmpfs tmpfs "$LAYERS"
mkdir "$LAYERS/upper" "$LAYERS/work" "$LAYERS/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$LAYERS/upper,workdir=$LAYERS/work" \
    "$LAYERS/root"
R="$LAYERS/root"
mount -t proc proc "$R/proc"
mount --rbind /sys "$R/sys"
mount --rbind /dev "$R/dev"
mount -t tmpfs tmpfs "$R/run"
mount -t tmpfs tmpfs "$R/tmp"
mkdir -p "$R$SOURCE" "$R$SHARED"
mount --bind -o ro "$PROJECT" "$R$SOURCE"
mount --bind "$EXCHANGE" "$R$SHARED"
for unit in $MASKED; do ln -sf /dev/null "$R/etc/systemd/system/$unit"; done
exec chroot "$R" env container=pager-test "$SYSTEMD" --system --unit=basic.target
"""


def available() -> str | None:
    """Why systemd cannot be booted here, or None when it can."""
    if os.geteuid() != 0:
        return "needs root (namespaces and mounts)"
    if not SYSTEMD.exists() or shutil.which("unshare") is None or shutil.which("nsenter") is None:
        return "needs systemd, unshare and nsenter"
    return None


def children(parent: int) -> list[int]:
    """The pids of `parent`'s child processes (from /proc/PID/stat: the kernel here has no
    /proc/PID/task/PID/children)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):  # the process ended meanwhile
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == parent:
                found.append(int(stat.parent.name))
    return found


def _command(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_text().split("\0")[0]
    return ""


class SystemdContainer:
    """`with SystemdContainer(dir, project, shared) as c: c.run("systemctl", ...)`."""

    def __init__(self, directory: Path, project: Path, shared: Path) -> None:
        self.directory = directory
        self.project = project
        self.shared = shared
        self.process: subprocess.Popen[bytes] | None = None
        self.pid = 0  # systemd's pid, as the host sees it
        self._settings = {path: path.read_text() for path in HOST_SETTINGS if path.exists()}

    def __enter__(self) -> SystemdContainer:
        layers = self.directory / "layers"
        layers.mkdir()
        script = self.directory / "boot.sh"
        script.write_text(BOOT)
        env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "LAYERS": str(layers), "PROJECT": str(self.project), "EXCHANGE": str(self.shared),
            "SOURCE": SOURCE, "SHARED": SHARED, "MASKED": " ".join(MASKED),
            "SYSTEMD": str(SYSTEMD),
        }  # fmt: skip
        with open(self.directory / "boot.log", "wb") as log:
            self.process = subprocess.Popen(
                ["unshare", "--mount", "--pid", "--fork", "--kill-child", "bash", str(script)],
                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip
        try:
            self._wait_for_boot()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_for_boot(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + BOOT_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the container did not boot: {self.boot_log()}")
            pids = children(self.process.pid)
            # Until boot.sh has exec'ed systemd, the child is bash (seen through the chroot,
            # /proc/PID/exe names the overlay's path, so compare the command line).
            if pids and _command(pids[0]).startswith(str(SYSTEMD)):
                self.pid = pids[0]
                state = self.run("systemctl", "is-system-running", "--wait", check=False)
                if state.stdout.strip() in ("running", "degraded"):
                    return
            time.sleep(0.2)  # polling the boot: systemd tells the host nothing
        raise AssertionError(f"systemd did not finish booting: {self.boot_log()}")

    def boot_log(self) -> str:
        return (self.directory / "boot.log").read_text(errors="replace")[-2000:]

    def run(
        self,
        *command: str,
        check: bool = True,
        timeout: float = 60,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command inside the container, as root, in its root directory."""
        done = subprocess.run(
            ["nsenter", "-t", str(self.pid), "-m", "-p", "-r", "-w", *command],
            capture_output=True, text=True, timeout=timeout, check=False,
            env=env or {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"},
        )  # fmt: skip
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(command)}: exit {done.returncode}\n"
                                 f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")  # fmt: skip
        return done

    def __exit__(self, *exc: object) -> None:
        # Killing the namespace's init kills every process in it; its mounts go with it.
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            self.process.wait(timeout=30)
        for path, value in self._settings.items():
            if path.read_text() != value:
                path.write_text(value)
