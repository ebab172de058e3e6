"""The integration guide's examples, run as a vendor would run them, against the real daemon,
broker and virtual card, in PHP (php-cli with curl), Python and JavaScript (Node.js): each
calls a ticket, sees it accepted and follows it until it was heard (a refused call says why);
each makes every other request; each webhook receiver takes pager's signed events and
refuses a forged one."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.broker import Watcher, free_port
from tests.browser import password_file
from tests.conftest import ROOT, DaemonOnCard
from tests.test_api_e2e import start_api

pytestmark = pytest.mark.e2e
EXAMPLES = ROOT / "docs" / "integration" / "examples"
INTERPRETERS = {"php": ["php"], "python": [sys.executable], "javascript": ["node"]}
SUFFIX = {"php": ".php", "python": ".py", "javascript": ".mjs"}


@pytest.mark.parametrize("language", sorted(INTERPRETERS))
def test_the_guides_example_calls_a_ticket_and_follows_it_until_heard(
    language: str, on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher
) -> None:
    env = api_for_examples(language, on_card, tmp_path)
    run = example(language, "call", env, "A023", f"{language}-1")
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["accepted:", f"{language}-1", "finished"], run.stdout
    assert watcher.event("finished", f"{language}-1")["counter"] == "5"
    refused = example(language, "call", env, "A0234567", f"{language}-2", timeout=60)
    assert refused.returncode == 1 and "refused (422)" in refused.stderr, refused


@pytest.mark.parametrize("language", sorted(INTERPRETERS))
def test_the_guides_example_of_every_other_request_runs(
    language: str, on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher
) -> None:
    run = example(language, "requests", api_for_examples(language, on_card, tmp_path))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[:3] == ["next: C001", "finished: C001", "cancelled: d-881"], lines
    assert lines[3] == "status: api online" and lines[4].startswith("announced: "), lines
    assert lines[5].startswith("test: "), lines
    assert watcher.event("cancelled", "d-881")["counter"] == "5"
    watcher.event("test-queued")  # the operator's zone test was taken
    assert watcher.event("queued", lines[4].split()[1])["message"] == "lunch-break"


def api_for_examples(language: str, on_card: DaemonOnCard, tmp_path: Path) -> dict[str, str]:
    """The daemon with the API on; the environment an example reads: its address and the
    tokens of counter 5 and the operator desk."""
    installed(language)
    base, made, _, _ = start_api(on_card, tmp_path)
    return {"PAGER_URL": base.removesuffix("/api/v1"), "PAGER_TOKEN": made["5"],
            "PAGER_OPERATOR_TOKEN": made["operator"], "PATH": "/usr/bin:/bin"}  # fmt: skip


def example(language: str, name: str, env: dict[str, str], *args: str, timeout: float = 180
            ) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """docs/integration/examples/NAME in `language`, run as a vendor would run it."""
    script = str(EXAMPLES / f"{name}{SUFFIX[language]}")
    return subprocess.run([*INTERPRETERS[language], script, *args], env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)  # fmt: skip


def installed(language: str) -> None:
    command = INTERPRETERS[language][0]
    assert shutil.which(command), f"{command} is missing: scripts/install --test installs it"


@pytest.mark.parametrize("language", sorted(INTERPRETERS))
def test_the_guides_receiver_takes_signed_events_and_refuses_forged_ones(
    language: str, on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher
) -> None:
    installed(language)
    port, secret = free_port(), "es-teler-9"
    events = tmp_path / "events.jsonl"
    env = {"PAGER_SECRET": secret, "PAGER_EVENTS_FILE": str(events), "PORT": str(port),
           "PATH": "/usr/bin:/bin"}  # fmt: skip
    script = str(EXAMPLES / f"receiver{SUFFIX[language]}")
    serve = ["php", "-S", f"127.0.0.1:{port}", script] if language == "php" else [
        *INTERPRETERS[language], script]  # fmt: skip
    server = subprocess.Popen(serve, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)  # fmt: skip
    try:
        listening(server)
        hook = {"url": f"http://127.0.0.1:{port}/", "events": ["started", "finished"],
                "secret_file": str(password_file(tmp_path, secret))}  # fmt: skip
        daemon = on_card.start(on_card.configure("hooks", notify={"webhooks": [hook]}))
        try:
            watcher.publish("pager/call/5", json.dumps({"ticket": "A7", "id": "hook-1"}))
            watcher.event("finished", "hook-1", timeout=90)
            forged = urllib.request.Request(f"http://127.0.0.1:{port}/", b'{"event": "x"}',
                                            {"X-Pager-Signature": "sha256=00"})  # fmt: skip
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(forged, timeout=10)
            assert refused.value.code == 401
        finally:
            assert daemon.stop() == 0, daemon.log  # stopping sends what waited
        got = [json.loads(line) for line in events.read_text().splitlines()]
    finally:
        server.terminate()
        server.wait(10)
    assert [(e["id"], e["event"]) for e in got] == [("hook-1", "started"),
                                                    ("hook-1", "finished")]  # fmt: skip


def listening(server: subprocess.Popen[str]) -> None:
    """Until the receiver says it started (on stderr); what it logs after that is read away,
    so it never blocks on a full pipe."""
    assert server.stderr is not None
    for line in server.stderr:
        if "started" in line:
            break
    else:
        raise AssertionError("the receiver ended before it listened")
    threading.Thread(target=server.stderr.read, daemon=True).start()
