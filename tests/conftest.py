"""Shared fixtures: a private broker, a paced virtual sound card, the daemon as a process."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from pager.config.model import Config
from pager.config.services import RateLimitConfig
from tests import e2e
from tests.broker import Mosquitto, Watcher
from tests.virtual_card import VirtualCard

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "config" / "zones.yaml"
# Load tests and benchmarks measure the daemon, not its limits on what one sender may send.
UNLIMITED = {"rate_limit": {"calls_per_minute": 6000, "burst": 1000, "operator_per_minute": 6000}}


def without_rate_limits(cfg: Config) -> Config:
    """`cfg` with the rate limits of UNLIMITED: for a rush or a load test, not a flood."""
    limits = RateLimitConfig(**UNLIMITED["rate_limit"])
    return dataclasses.replace(cfg, security=dataclasses.replace(cfg.security, rate_limit=limits))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow", action="store_true", help="also run the slow tests (soak, benchmark smoke)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--slow"):
        # The longest first, so that pytest-xdist starts them at once rather than last.
        items.sort(key=lambda item: "slow" not in item.keywords)
        return
    skip = pytest.mark.skip(reason="slow: run with --slow (CI does)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pager_command() -> list[str]:
    """The installed `pager` script of this interpreter's environment."""
    script = Path(sys.executable).parent / "pager"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pager.cli"]


@pytest.fixture(autouse=True)
def _e2e_marker_is_checked(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tell the real parts whether this test is marked e2e (tests/e2e.py)."""
    e2e.unmarked = None if request.node.get_closest_marker("e2e") else request.node.nodeid
    yield
    e2e.unmarked = None


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    with Mosquitto(tmp_path) as running:
        yield running


@pytest.fixture
def watcher(broker: Mosquitto) -> Iterator[Watcher]:
    w = Watcher(broker.port, "pager/#")
    yield w
    w.close()


@pytest.fixture
def card(tmp_path: Path) -> Iterator[VirtualCard]:
    with VirtualCard(tmp_path / "card") as virtual:
        yield virtual


def write_config(path: Path, replace: tuple[str, ...] = (), **overrides: Any) -> Path:
    """The example config with sections changed: dict values are merged one level deep,
    except for the sections named in `replace`."""
    document = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    document["state_dir"] = str(path.parent / "state")  # each test its own call journal
    # The example's daily schedule would speak in the middle of a test run at 08:00 or 15:00.
    document.pop("schedule", None)
    if "zones" in overrides and "displays" not in overrides:
        document.pop("displays", None)  # the example's screens show the example's zones
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(document.get(key), dict) and key not in replace:
            document[key].update(value)
        else:
            document[key] = value
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    return path


class DaemonProcess:
    """`pager run` as a child process with its log in a file."""

    def __init__(self, args: list[str], env: dict[str, str] | None, log: Path,
                 prefix: list[str] | None = None) -> None:  # fmt: skip
        e2e.require("pager run")
        self.log_path = log
        self._log = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [*(prefix or []), *pager_command(), *args], env=env, stderr=self._log,
            stdout=self._log,
        )  # fmt: skip

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        self._log.close()
        return code

    @property
    def log(self) -> str:
        return self.log_path.read_text()


class DaemonOnCard:
    """The end-to-end set-up every such test repeats, in one place: a config for the test's
    broker and virtual card, `pager run` on it, and its status awaited; whatever is still
    running at the end of the test is stopped."""

    def __init__(self, folder: Path, broker: Mosquitto, watcher: Watcher, card: VirtualCard
                 ) -> None:  # fmt: skip
        self.folder = folder
        self.broker = broker
        self.watcher = watcher
        self.card = card
        self.started: list[DaemonProcess] = []

    def configure(self, node: str, replace: tuple[str, ...] = (), **overrides: Any) -> Path:
        """`zones.yaml` in the test's folder: the example config as `node`, on this broker
        and card (`audio` and `mqtt` overrides are merged in)."""
        audio = {"device": self.card.name, **overrides.pop("audio", {})}
        mqtt = {"port": self.broker.port, **overrides.pop("mqtt", {})}
        return write_config(self.folder / "zones.yaml", replace, node=node, mqtt=mqtt,
                            audio=audio, **overrides)  # fmt: skip

    def start(self, cfg: Path, *args: str, log: str = "daemon.log",
              prefix: list[str] | None = None) -> DaemonProcess:  # fmt: skip
        """`pager run -c cfg` on the card (after `prefix`), once its node's status says
        online."""
        daemon = DaemonProcess(["run", "-c", str(cfg), *args], self.card.env(), self.folder / log,
                               prefix)  # fmt: skip
        self.started.append(daemon)
        node = yaml.safe_load(cfg.read_text())["node"]
        self.watcher.status(node, "online")
        return daemon

    def close(self) -> None:
        for daemon in self.started:
            if daemon.process.poll() is None:
                daemon.stop()


@pytest.fixture
def on_card(
    tmp_path: Path, broker: Mosquitto, watcher: Watcher, card: VirtualCard
) -> Iterator[DaemonOnCard]:
    """The daemon on the virtual card and the test's broker (see DaemonOnCard)."""
    running = DaemonOnCard(tmp_path, broker, watcher, card)
    yield running
    running.close()
