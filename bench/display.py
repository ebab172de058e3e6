"""A public screen in step with the voice: for each call, how long after its first sample
left the (virtual) card the screen in Debian's headless Chromium showed it, and what a
screen costs the web server.

    python -m bench.display [--calls 40]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.broker import Mosquitto, Watcher, free_port
from tests.browser import browser
from tests.conftest import DaemonProcess, write_config
from tests.virtual_card import VirtualCard

HALL = slice(0, 2)


def shown_at(driver: webdriver.Chrome, call_id: str) -> float:
    """When (Unix ms, by the browser) the screen began showing `call_id`."""

    def showing(d: webdriver.Chrome) -> bool:
        return d.find_element(By.ID, "call").get_attribute("data-id") == call_id

    WebDriverWait(driver, 60).until(showing)
    return float(driver.find_element(By.ID, "call").get_attribute("data-shown-at") or "nan")


def screen_lag_ms(calls: int) -> list[float]:
    """Per call: the screen's showing it minus its first sample at the card's output (ms;
    negative: the screen was first)."""
    lags = []
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        with Mosquitto(directory) as broker, VirtualCard(directory / "card") as card:
            port = free_port()
            cfg = write_config(
                directory / "zones.yaml", node="bench", mqtt={"port": broker.port},
                audio={"device": card.name, "latency": "low"},
                http={"listen": f"127.0.0.1:{port}"},
            )  # fmt: skip
            watcher = Watcher(broker.port)
            daemon = DaemonProcess(["run", "-c", str(cfg)], card.env(), directory / "daemon.log")
            driver = browser(1920, 1080)
            try:
                watcher.status("bench", "online")
                driver.get(f"http://127.0.0.1:{port}/display/hall")
                for n in range(calls):
                    mark = card.frames
                    call_id = f"lag-{n}"
                    watcher.publish("pager/call/5", json.dumps({"ticket": f"A{n + 1}",
                                                                "id": call_id}))  # fmt: skip
                    first = card.wait_for_sound(mark, channels=HALL)
                    at_card = card.dac_time(first) + time.time() - time.monotonic()
                    lags.append(shown_at(driver, call_id) - at_card * 1000)
                    watcher.event("finished", call_id, 60)
            finally:
                driver.quit()
                daemon.stop()
                watcher.close()
    return lags


def figures(calls: int) -> dict[str, float]:
    """The screen's lag behind the card over `calls` calls: median, p95, worst, best (ms)."""
    lags = sorted(screen_lag_ms(calls))
    return {
        "calls": len(lags), "median_ms": round(statistics.median(lags), 1),
        "p95_ms": round(lags[int(0.95 * (len(lags) - 1))], 1), "max_ms": round(lags[-1], 1),
        "min_ms": round(lags[0], 1),
    }  # fmt: skip


def measure(smoke: bool) -> dict[str, float]:
    """The section of bench.report: 30 calls (3 in a smoke run)."""
    return figures(3 if smoke else 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=40)
    print(json.dumps(figures(parser.parse_args().calls), indent=2))


if __name__ == "__main__":
    main()
