"""A counter in one command, and the caller page's numbers, measured.

    .venv/bin/python -m bench.counters [--smoke]

- `pager counter add` and `pager counter remove` as a technician runs them (a new process
  each: the config edited in place and validated, the broker's login and ACL, the API token),
  five times each, on the example config;
- `POST /api/v1/calls/next` from four clients at once (two counters of one service, two
  clients each), as fast as the answers come, on the real daemon (real broker, real speech,
  the null output): the answer's time, the calls answered a second, and whether the 200
  tickets are exactly A001 to A200 once each (two counters never call the same number).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.latency import percentiles
from pager.config import tokens
from pager.tools import broker
from tests.broker import Mosquitto, Watcher, free_port
from tests.conftest import EXAMPLE_CONFIG, UNLIMITED, DaemonProcess, pager_command, write_config

CLIENTS = ("1", "1", "2", "2")  # counters 1 and 2: both SIM (prefix A)


def commands(directory: Path, runs: int) -> dict[str, Any]:
    """Seconds of `pager counter add` and `remove`, each a new process, `runs` times."""
    config = directory / "zones.yaml"
    http = f"\nhttp:\n  listen: 127.0.0.1:8080\n  tokens_file: {directory / 'tokens'}\n"
    config.write_text(EXAMPLE_CONFIG.read_text() + http)
    folder = directory / "mosquitto" / "pager"
    folder.mkdir(parents=True)
    broker.add_password(folder / "passwd", "pager", "secret")
    broker.write_acl(folder, "pager", ["1"])
    times: dict[str, list[float]] = {"add": [], "remove": []}
    for n in range(runs):
        for action, extra in (("add", ["--service", "Imigrasi", "--zones", "mpp"]), ("remove", [])):
            started = time.perf_counter()
            subprocess.run([*pager_command(), "counter", action, "-c", str(config), f"9{n}",
                            *extra, "--mosquitto-dir", str(directory / "mosquitto")],
                           check=True, capture_output=True)  # fmt: skip
            times[action].append((time.perf_counter() - started) * 1000)
    return {action: percentiles(values) for action, values in times.items()}


def next_calls(directory: Path, calls: int) -> dict[str, Any]:
    """Four clients calling the next ticket at once: times, rate, and the tickets called."""
    made = {c: tokens.new_token(c) for c in set(CLIENTS)}
    path = directory / "api-tokens"
    tokens.write(path, {c: tokens.TokenEntry(c, tokens.hash_token(t)) for c, t in made.items()})
    port = free_port()
    answers: list[tuple[float, int, str]] = []
    lock = threading.Lock()
    per_client = calls // len(CLIENTS)
    with Mosquitto(directory) as running:
        cfg = write_config(
            directory / "zones.yaml", node="bench", mqtt={"port": running.port},
            audio={"output": "null"}, security=UNLIMITED,
            http={"listen": f"127.0.0.1:{port}", "tokens_file": str(path)},
        )  # fmt: skip
        daemon = DaemonProcess(["run", "-c", str(cfg)], None, directory / "daemon.log")
        watcher = Watcher(running.port, "pager/status/#")
        url = f"http://127.0.0.1:{port}/api/v1/calls/next"

        def client(token: str) -> None:
            for _ in range(per_client):
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                request = urllib.request.Request(url, b"{}", headers)
                started = time.perf_counter()
                with urllib.request.urlopen(request, timeout=30) as answer:
                    ticket = json.load(answer)["ticket"]
                    status = answer.status
                with lock:
                    answers.append(((time.perf_counter() - started) * 1000, status, ticket))

        try:
            watcher.status("bench", "online")
            threads = [threading.Thread(target=client, args=(made[c],)) for c in CLIENTS]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(300)
            seconds = time.perf_counter() - started
        finally:
            daemon.stop()
            watcher.close()
    tickets = sorted(ticket for _, _, ticket in answers)
    wanted = [f"A{n:03d}" for n in range(1, per_client * len(CLIENTS) + 1)]
    return {"clients": len(CLIENTS), "calls": len(answers),
            "accepted": sum(1 for _, status, _ in answers if status == 202),
            "per_s": round(len(answers) / seconds, 1),
            "answer_ms": percentiles([ms for ms, _, _ in answers]),
            "tickets_exact": tickets == wanted,
            "duplicates": len(tickets) - len(set(tickets))}  # fmt: skip


def measure(smoke: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pager-bench-counters-") as directory:
        root = Path(directory)
        (root / "commands").mkdir()
        (root / "next").mkdir()
        return {"commands": commands(root / "commands", 1 if smoke else 5),
                "next": next_calls(root / "next", 8 if smoke else 200)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    print(json.dumps(measure(args.smoke), indent=1))


if __name__ == "__main__":
    main()
