"""The integration guide's examples, run as a vendor would run them, against the real daemon,
broker and virtual card: the PHP one (php-cli with curl) and the Python one each call a
ticket, see it accepted and follow it until it was heard; a refused call says why."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.broker import Watcher
from tests.conftest import ROOT, DaemonOnCard
from tests.test_api_e2e import start_api

pytestmark = pytest.mark.e2e
EXAMPLES = ROOT / "docs" / "integration" / "examples"
RUNNERS = {"php": ["php", str(EXAMPLES / "call.php")],
           "python": [sys.executable, str(EXAMPLES / "call.py")]}  # fmt: skip


@pytest.mark.parametrize("language", sorted(RUNNERS))
def test_the_guides_example_calls_a_ticket_and_follows_it_until_heard(
    language: str, on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher
) -> None:
    if language == "php":
        assert shutil.which("php"), "php-cli is missing: scripts/install --test installs it"
    base, made, _, _ = start_api(on_card, tmp_path)
    env = {"PAGER_URL": base.removesuffix("/api/v1"), "PAGER_TOKEN": made["5"],
           "PATH": "/usr/bin:/bin"}  # fmt: skip
    run = subprocess.run([*RUNNERS[language], "A023", f"{language}-1"], env=env,
                         capture_output=True, text=True, timeout=180, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["accepted:", f"{language}-1", "finished"], run.stdout
    assert watcher.event("finished", f"{language}-1")["counter"] == "5"
    refused = subprocess.run([*RUNNERS[language], "A0234567", f"{language}-2"], env=env,
                             capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert refused.returncode == 1 and "refused (422)" in refused.stderr, refused
