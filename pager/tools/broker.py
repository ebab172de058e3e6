"""A Mosquitto set-up that enforces who may page: TLS, no anonymous access, an ACL per user.

- user `counter-ID` may publish only `{prefix}/call/ID` and `{prefix}/cancel/ID`;
- user `operator` may publish `{prefix}/announce` and `{prefix}/cancel` (and the other
  operator topics under the prefix);
- user `pager` (the daemon) reads those and writes its status and events;
- every logged-in user may read the status and events.

Mosquitto's ACL patterns cannot turn the user name `counter-5` into the topic `call/5`, so
the ACL holds a block for each configured counter. `python -m pager.tools.broker` (what
`scripts/broker-setup` runs, as root) installs all this on the local Mosquitto.
"""

from __future__ import annotations

import argparse
import contextlib
import grp
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from pager import config as config_files
from pager import files
from pager.config import checks

OPERATOR_TOPICS = ("announce", "cancel", "test")  # {prefix}/test: the zone test walk
DAEMON_USER = "pager"
OPERATOR_USER = "operator"
BRIDGE_USER = "bridge"  # another building's broker, bridged to this one


def counter_user(counter: str) -> str:
    return f"counter-{counter}"


def acl(prefix: str, counters: Iterable[str]) -> str:
    """The ACL file: what each user may publish and read."""
    lines = [
        f"# pager's broker rights ({prefix}/...): written by scripts/broker-setup",
        "# Everyone logged in may read the status and the events.",
        f"pattern read {prefix}/status/#",
        f"pattern read {prefix}/event/#",
        f"pattern read {prefix}/standby/#",
        "",
        f"user {DAEMON_USER}",
        f"topic read {prefix}/call/+",
        f"topic read {prefix}/cancel/+",
        *(f"topic read {prefix}/{topic}" for topic in OPERATOR_TOPICS),
        f"topic write {prefix}/status/#",
        f"topic write {prefix}/event/#",
        f"topic write {prefix}/test",  # `pager test-zone` on the PA PC logs in as pager
        f"topic readwrite {prefix}/sync",  # racks agreeing on start times
        f"topic readwrite {prefix}/lock/#",  # racks with a standby PC: who is active
        f"topic readwrite {prefix}/standby/#",  # a standby PC's own status
        "",
        f"user {OPERATOR_USER}",
        *(f"topic write {prefix}/{topic}" for topic in OPERATOR_TOPICS),
        "",
        "# Another building's broker: everything under the prefix, both ways.",
        f"user {BRIDGE_USER}",
        f"topic readwrite {prefix}/#",
    ]
    for counter in counters:
        lines += [
            "",
            f"user {counter_user(counter)}",
            f"topic write {prefix}/call/{counter}",
            f"topic write {prefix}/cancel/{counter}",
        ]
    return "\n".join(lines) + "\n"


MAX_QUEUED_MESSAGES = 20_000  # three weeks of a hall's calls: a queue that never overflows


def mosquitto_conf(port: int, folder: Path, persistence: Path | None, bind: str = "") -> str:
    """A TLS listener with no anonymous access, its passwords and ACL in `folder` (and
    persistence there, unless the main mosquitto.conf sets it, as Debian's does)."""
    address = f" {bind}" if bind else ""
    stored = f"persistence true\npersistence_location {persistence}/\n" if persistence else ""
    return (
        "# pager's broker: TLS only, no anonymous access (scripts/broker-setup)\n"
        "per_listener_settings false\n"
        f"listener {port}{address}\n"
        f"cafile {folder / 'ca.crt'}\n"
        f"certfile {folder / 'server.crt'}\n"
        f"keyfile {folder / 'server.key'}\n"
        "tls_version tlsv1.2\n"
        "allow_anonymous false\n"
        f"password_file {folder / 'passwd'}\n"
        f"acl_file {folder / 'acl'}\n"
        "# Calls wait here while pager restarts or a rush outruns it; past this many for one\n"
        "# client Mosquitto drops the rest silently (its default is 1000).\n"
        f"max_queued_messages {MAX_QUEUED_MESSAGES}\n"
        f"{stored}"
    )


def bridge_conf(
    name: str, address: str, ca_file: Path, password: str, prefix: str = "pager"
) -> str:
    """A bridge from this building's broker (`name`) to another's (`address` host:port, its
    TLS listener): every message under the prefix goes both ways at QoS 1; the session is kept
    on both sides (`cleansession false`), so what is published while the link is down waits
    and is delivered once it is back; Mosquitto keeps the two from looping (`try_private`).
    Its state is published here, retained, on `$SYS/broker/connection/bridge-NAME/state`
    (1 up, 0 down). Its client ids are not pager's (`pager-NODE`)."""
    return (
        f"# pager: this building's broker bridged to {address} (scripts/broker-setup --bridge)\n"
        f"connection bridge-{name}\n"
        f"address {address}\n"
        f"remote_clientid bridge-{name}\n"
        f"local_clientid bridge-{name}-local\n"
        f"remote_username {BRIDGE_USER}\n"
        f"remote_password {password}\n"
        f"bridge_cafile {ca_file}\n"
        "bridge_tls_version tlsv1.2\n"
        "bridge_insecure false\n"
        "cleansession false\n"
        "try_private true\n"
        "keepalive_interval 10\n"
        "restart_timeout 1 15\n"
        f"topic {prefix}/# both 1\n"
    )


def make_certificates(folder: Path, names: Iterable[str]) -> None:
    """A CA, and a server certificate it signs for these host names and addresses."""
    san = ",".join(
        f"IP:{name}" if name.replace(".", "").isdigit() or ":" in name else f"DNS:{name}"
        for name in names
    )
    run = ["openssl"]
    _quiet([*run, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
            "-keyout", str(folder / "ca.key"), "-out", str(folder / "ca.crt"),
            "-subj", "/CN=pager broker CA"])  # fmt: skip
    _quiet([*run, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(folder / "server.key"),
            "-out", str(folder / "server.csr"), "-subj", "/CN=pager broker"])  # fmt: skip
    extensions = folder / "server.ext"
    extensions.write_text(f"subjectAltName={san}\n")
    _quiet([*run, "x509", "-req", "-in", str(folder / "server.csr"), "-CA", str(folder / "ca.crt"),
            "-CAkey", str(folder / "ca.key"), "-CAcreateserial", "-days", "3650",
            "-out", str(folder / "server.crt"), "-extfile", str(extensions)])  # fmt: skip


def add_password(passwd: Path, user: str, password: str) -> None:
    """Add or replace a user in a Mosquitto password file (hashed by mosquitto_passwd)."""
    create = [] if passwd.exists() else ["-c"]
    _quiet(["mosquitto_passwd", *create, "-b", str(passwd), user, password])


def remove_password(passwd: Path, user: str) -> bool:
    """Remove a user from a Mosquitto password file; whether it was there."""
    if user not in known_users(passwd):
        return False
    _quiet(["mosquitto_passwd", "-D", str(passwd), user])
    return True


def known_users(passwd: Path) -> set[str]:
    """The users a Mosquitto password file holds."""
    if not passwd.exists():
        return set()
    return {line.split(":", 1)[0] for line in passwd.read_text().splitlines() if ":" in line}


def write_acl(folder: Path, prefix: str, counters: Iterable[str]) -> None:
    """The ACL file for these counters, replaced atomically, readable by Mosquitto only."""
    path = folder / "acl"
    files.replace_atomically(path, acl(prefix, counters), mode=0o640)
    _owned_by(path, "mosquitto", 0o640)


def reload_broker(mosquitto_dir: Path) -> str:
    """Make the running Mosquitto read its passwords and ACL again (SIGHUP to the pid in its
    mosquitto.conf's `pid_file`, else `systemctl reload mosquitto`); what was done."""
    conf = mosquitto_dir / "mosquitto.conf"
    pid_files = [line.split(None, 1)[1].strip() for line in _lines(conf)
                 if line.startswith("pid_file ")]  # fmt: skip
    for pid_file in pid_files:
        with contextlib.suppress(OSError, ValueError):
            pid = int(Path(pid_file).read_text().strip())
            os.kill(pid, signal.SIGHUP)
            return f"Mosquitto (pid {pid}) reloaded its passwords and ACL"
    if shutil.which("systemctl") and Path("/run/systemd/system").is_dir():
        done = subprocess.run(["systemctl", "reload", "mosquitto"], capture_output=True,
                              text=True, check=False)  # fmt: skip
        if done.returncode == 0:
            return "Mosquitto reloaded its passwords and ACL (systemctl reload mosquitto)"
    return "Mosquitto does not seem to run here: it reads the new login when it starts"


def _lines(path: Path) -> list[str]:
    try:
        return [line.strip() for line in path.read_text().splitlines()]
    except OSError:
        return []


def _quiet(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:2])} failed: {done.stderr.strip()}")


def setup(args: argparse.Namespace) -> int:
    """Install the set-up on the local Mosquitto; print each new password once."""
    cfg = config_files.load(args.config)
    folder = Path(args.mosquitto_dir) / "pager"
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "server.crt").exists():
        make_certificates(folder, [socket.gethostname(), "localhost", "127.0.0.1", *args.name])
    write_acl(folder, cfg.mqtt.topic_prefix, cfg.counters)
    passwd = folder / "passwd"
    users = [DAEMON_USER, OPERATOR_USER, BRIDGE_USER, *(counter_user(c) for c in cfg.counters)]
    known = known_users(passwd)
    print("new broker users (each password is shown once; give each counter PC its own):")
    for user in users:
        if user in known:
            continue
        password = secrets.token_urlsafe(18)
        add_password(passwd, user, password)
        print(f"  {user}: {password}")
        if user == DAEMON_USER:
            _write_secret(Path(args.password_file), password)
    conf = Path(args.mosquitto_dir) / "conf.d" / "pager.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(mosquitto_conf(args.port, folder, None))  # Debian's conf keeps persistence
    for path in (folder / "server.key", folder / "ca.key", passwd):
        _owned_by(path, "mosquitto", 0o640)
    ca = folder / "ca.crt"
    print(f"wrote {conf} and {folder}; in {args.config} set:")
    print(f"  mqtt: {{port: {args.port}, username: {DAEMON_USER}, "
          f"password_file: {args.password_file}, tls: {{ca_file: {ca}}}}}")  # fmt: skip
    if args.bridge:
        name, address = args.bridge.split("=", 1) if "=" in args.bridge else ("site", args.bridge)
        secret = checks.first_line(args.bridge_password_file)
        bridge = Path(args.mosquitto_dir) / "conf.d" / "pager-bridge.conf"
        bridge.write_text(bridge_conf(name, address, Path(args.bridge_ca), secret,
                                      cfg.mqtt.topic_prefix))  # fmt: skip
        _owned_by(bridge, "mosquitto", 0o640)
        print(f"wrote {bridge}: bridged to {address}")
    if shutil.which("systemctl") and Path("/run/systemd/system").is_dir():
        _quiet(["systemctl", "restart", "mosquitto"])
    return 0


def _write_secret(path: Path, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secret + "\n")
    _owned_by(path, DAEMON_USER, 0o600)


def _owned_by(path: Path, user: str, mode: int) -> None:
    os.chmod(path, mode)
    with contextlib.suppress(KeyError):  # that user does not exist (yet): root keeps it
        os.chown(path, pwd.getpwnam(user).pw_uid, grp.getgrnam(user).gr_gid)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/broker-setup", description=__doc__)
    parser.add_argument("--config", "-c", type=Path, default=Path("/etc/pager/zones.yaml"))
    parser.add_argument("--mosquitto-dir", default="/etc/mosquitto")
    parser.add_argument("--port", type=int, default=8883)
    parser.add_argument("--password-file", default="/etc/pager/mqtt.password")
    parser.add_argument("--name", action="append", default=[],
                        help="another host name or address the broker is reached by")  # fmt: skip
    parser.add_argument(
        "--bridge", metavar="NAME=HOST:PORT",
        help="bridge this broker (this building: NAME) to another building's (its TLS "
        "listener)",
    )  # fmt: skip
    parser.add_argument("--bridge-ca", default="/etc/mosquitto/pager/remote-ca.crt",
                        help="the other broker's CA certificate (its ca.crt)")  # fmt: skip
    parser.add_argument("--bridge-password-file", default="/etc/mosquitto/pager/bridge.password",
                        help="the password of user bridge on the other broker")  # fmt: skip
    return setup(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
