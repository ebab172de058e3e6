"""The caller page (`/counter`) in Debian's real headless Chromium, against the real daemon,
broker and virtual card: log in with a counter's token, Panggil berikutnya twice gives two
consecutive tickets heard on the card, a second counter of the same service gets the next
one, Ulangi, Panggilan terakhir, Dokumen siap and Batal do what they say; Indonesian
throughout, every button on screen at 1366x768 and on a 10-inch tablet, nothing fetched from
elsewhere, the accessibility audit; the numbers survive a restart."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from pager import config
from pager.audio import chime
from tests.broker import Watcher, free_port
from tests.browser import audit, driver_fixture, requested, summary, untranslated, viewport
from tests.conftest import UNLIMITED, DaemonOnCard, DaemonProcess
from tests.signals import occurrences
from tests.test_api_e2e import make_tokens, send
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("PAGER_SCREENSHOTS")  # a folder: the docs' screenshots are kept there
TAKEN: set[str] = set()  # the calls started() returned
HALL = 0  # tenant-hall's first output: counters 1 and 2 (SIM) are heard there (mpp)
# Every button and the ticket field inside the window, without scrolling.
ALL_ON_SCREEN = """
return ['next', 'repeat', 'final', 'pickup', 'cancel', 'number'].every((id) => {
  const box = document.getElementById(id).getBoundingClientRect();
  return box.top >= 0 && box.left >= 0 && box.bottom <= window.innerHeight
    && box.right <= window.innerWidth && box.height >= 40;
}) && document.documentElement.scrollWidth <= window.innerWidth;
"""


driver = driver_fixture(1366, 768)


def text(driver: webdriver.Chrome, element: str) -> str:
    return str(driver.find_element(By.ID, element).text)


def until(driver: webdriver.Chrome, element: str, wanted: str, timeout: float = 60) -> None:
    WebDriverWait(driver, timeout).until(lambda d: text(d, element) == wanted)


def log_in(driver: webdriver.Chrome, base: str, token: str) -> None:
    driver.get(f"{base}/counter")
    field = driver.find_element(By.ID, "token")
    field.send_keys(token)
    field.send_keys(Keys.ENTER)
    WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "caller").is_displayed())


def press(driver: webdriver.Chrome, key: str) -> None:
    driver.find_element(By.TAG_NAME, "body").send_keys(key)


def started(watcher: Watcher, counter: str, ticket: str, **fields: Any) -> dict[str, Any]:
    """The `started` event of counter's call of ticket (with these fields) of a call not
    returned before: each press of a button is a call of its own."""
    body: dict[str, Any] = watcher.wait_for(
        lambda t, b: isinstance(b, dict) and b.get("event") == "started"
        and b.get("counter") == counter and b.get("ticket") == ticket
        and b.get("id") not in TAKEN and all(b.get(k) == v for k, v in fields.items()),
        timeout=60,
    )  # fmt: skip
    TAKEN.add(body["id"])
    return body


def test_the_caller_page_calls_the_next_ticket_repeats_and_cancels(
    on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher, card: VirtualCard,
    driver: webdriver.Chrome,
) -> None:  # fmt: skip
    path, made = make_tokens(tmp_path, "1", "2", "9", "operator")
    port = free_port()
    cfg = on_card.configure("caller", audio={"latency": "low"}, security=UNLIMITED,
                            http={"listen": f"127.0.0.1:{port}", "tokens_file": str(path)})  # fmt: skip
    on_card.start(cfg)
    base = f"http://127.0.0.1:{port}"
    loaded = config.load(cfg)
    bell = chime.prepared(loaded.announcement, loaded.audio.sample_rate)
    mark = card.frames

    # An operator's token is refused with a reason; counter 1's is kept by the browser.
    driver.get(f"{base}/counter")
    driver.find_element(By.ID, "token").send_keys(made["operator"], Keys.ENTER)
    until(
        driver, "login-error", "Ini token meja operator: halaman pemanggil memerlukan token loket."
    )
    log_in(driver, base, made["1"])
    assert text(driver, "who") == "Loket 1 · SIM"
    until(driver, "next-ticket", "berikutnya: A001")
    assert driver.execute_script(ALL_ON_SCREEN), "a button is off the 1366x768 screen"
    # The estimated wait of its zones (from the status), in its language.
    WebDriverWait(driver, 20).until(lambda d: "tenant-hall" in text(d, "waits"))
    waits = driver.execute_script(
        "return [...document.querySelectorAll('#waits li')].map((li) => [...li.children]"
        ".map((span) => span.textContent));"
    )
    assert [zone for zone, _ in waits] == ["tenant-hall", "waiting-area", "market-shops"]
    assert all(re.fullmatch(r"\d+ dtk", seconds) for _, seconds in waits), waits

    # Panggil berikutnya twice (its key, then its button): A001, A002, each heard.
    press(driver, "b")
    until(driver, "ticket", "A001")
    started(watcher, "1", "A001")
    until(driver, "progress", "sudah diumumkan")
    driver.find_element(By.ID, "next").click()
    until(driver, "ticket", "A002")
    started(watcher, "1", "A002")
    until(driver, "progress", "sudah diumumkan")
    if SHOTS:  # the staff guide's picture: PAGER_SCREENSHOTS=docs pytest ...
        driver.save_screenshot(str(Path(SHOTS) / "caller-1366x768.png"))
    card.wait_for_frames(card.frames + card.rate // 2)
    hall = card.segment(mark, card.frames)[:, HALL].astype(np.float64)
    assert len(occurrences(hall, bell)) == 2, "the two calls were not both heard"
    assert untranslated(driver) == [], untranslated(driver)
    violations = audit(driver)
    assert not violations, summary(violations)

    # The token is kept: a reload of the page is still counter 1's.
    driver.refresh()
    until(driver, "who", "Loket 1 · SIM", timeout=20)
    assert text(driver, "ticket") == "A002"

    # Counter 2, the same service, gets the next number.
    driver.find_element(By.ID, "logout").click()
    log_in(driver, base, made["2"])
    press(driver, "b")
    until(driver, "ticket", "A003")
    started(watcher, "2", "A003")
    until(driver, "progress", "sudah diumumkan")

    # Ulangi: the same ticket again, a call of its own; Panggilan terakhir: final.
    press(driver, "u")
    started(watcher, "2", "A003")
    until(driver, "progress", "sudah diumumkan")
    press(driver, "t")
    started(watcher, "2", "A003", final=True)
    until(driver, "progress", "sudah diumumkan")
    # Dokumen siap, of the number typed.
    field = driver.find_element(By.ID, "number")
    field.send_keys("B017")
    driver.find_element(By.ID, "pickup").click()
    started(watcher, "2", "B017", kind="pickup")
    until(driver, "progress", "sudah diumumkan")
    # Ulangi repeats the last call, the pickup; Batal while it plays cuts it short.
    press(driver, "u")
    playing = started(watcher, "2", "B017", kind="pickup")
    until(driver, "progress", "sedang diputar")
    press(driver, "x")
    cancelled = watcher.event("cancelled", playing["id"], timeout=30)
    assert cancelled["counter"] == "2"
    until(driver, "progress", "dibatalkan")
    assert all(url.startswith(base) for url in requested(driver) if "://" in url)

    # A 10-inch tablet, upright and sideways: every button on screen.
    for width, height in ((800, 1280), (1280, 800)):
        viewport(driver, width, height)
        assert driver.execute_script(ALL_ON_SCREEN), f"a button is off the {width}x{height} screen"

    # The numbers survive a restart: the next is A004.
    on_card.close()
    restarted = time.time()
    on_card.started.append(DaemonProcess(["run", "-c", str(cfg)], card.env(),
                                         tmp_path / "daemon-2.log"))  # fmt: skip
    watcher.wait_for(lambda t, b: t == "pager/status/caller" and b["state"] == "online"
                     and b["ts"] > restarted)  # the new daemon's, not the last one's  # fmt: skip
    me = send(f"{base}/api/v1/counter", made["1"])
    assert me.status == 200 and me.body["next_ticket"] == "A004", me
    spec = send(f"{base}/api/v1/openapi.json", None).body
    jsonschema.validate(me.body, {**spec["components"]["schemas"]["Counter"],
                                  "components": spec["components"]})  # fmt: skip
    answer = send(f"{base}/api/v1/calls/next", made["2"], {})
    assert answer.status == 202 and answer.body["ticket"] == "A004", answer
    # A counter without a numbered service is told what to set.
    unnumbered = send(f"{base}/api/v1/calls/next", made["9"], {})
    assert unnumbered.status == 409 and "counters.9.service" in unnumbered.body["detail"]
