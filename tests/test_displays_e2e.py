"""The public screens in Debian's real headless Chromium, against the real daemon, broker and
virtual card: no password, their zones' calls only, in step with the card, the labels of
repeats, final calls and pickups, messages as running text, the 1080p and phone layouts,
the accessibility audit, nothing fetched from elsewhere, and the reconnection by itself."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.broker import Watcher, free_port
from tests.browser import (
    audit,
    driver_fixture,
    password_file,
    requested,
    summary,
    untranslated,
    viewport,
)
from tests.conftest import DaemonOnCard
from tests.test_web import request
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e
PASSWORD = "es-teh-manis-9"
SHOTS = os.environ.get("PAGER_SCREENSHOTS")  # a folder: the docs' screenshots are kept there
HALL = slice(0, 2)  # tenant-hall's outputs, 0-based
IN_STEP_S = 0.3
# The glyphs' height of the current ticket, as drawn (not its line box).
GLYPHS = """
const ticket = document.getElementById('ticket');
const context = document.createElement('canvas').getContext('2d');
const style = getComputedStyle(ticket);
context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
const m = context.measureText(ticket.textContent);
return [m.actualBoundingBoxAscent + m.actualBoundingBoxDescent, window.innerHeight,
        document.documentElement.scrollWidth <= window.innerWidth,
        ticket.scrollWidth <= ticket.clientWidth];
"""


driver = driver_fixture(1920, 1080)


def shown(driver: webdriver.Chrome, css: str) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, css).text)


def showing(driver: webdriver.Chrome, call_id: str, timeout: float = 60) -> float:
    """Wait until the screen shows the call `call_id` as the current one; when it did
    (Unix time, by the browser's clock: the same PC's)."""
    WebDriverWait(driver, timeout).until(
        lambda d: d.find_element(By.ID, "call").get_attribute("data-id") == call_id
    )
    return int(driver.find_element(By.ID, "call").get_attribute("data-shown-at") or 0) / 1000


@pytest.mark.alone  # it measures the screen against the card: not beside other tests' load
def test_a_screen_shows_its_zones_calls_in_step_with_the_voice(
    on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher, card: VirtualCard,
    driver: webdriver.Chrome,
) -> None:  # fmt: skip
    secret = password_file(tmp_path, PASSWORD)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cfg = on_card.configure(
        "mpp-pasar", ("displays",), audio={"latency": "low"},
        http={"listen": f"127.0.0.1:{port}", "password_file": str(secret)},
        scheduling={"repeat_interval_s": 1},
        displays={"hall": {"zones": ["tenant-hall"], "title": "Aula MPP",
                           "public_url": f"http://192.0.2.2:{port}/display/hall"},
                  "shops": {"zones": ["market-shops"], "rows": 2}},
    )  # fmt: skip
    daemon = on_card.start(cfg)
    try:
        # No password for a screen; the status page and every control still need it.
        for path in ("/", "/api/state", "/api/stream", "/app.js"):
            assert request(base + path, None) == 401, path
        for path in ("/api/test", "/api/announce"):
            assert request(base + path, None, b'{"zone": "tenant-hall"}') == 401, path
        assert request(base + "/display/hall", None) == 200
        assert request(base + "/display/nowhere", None) == 404

        driver.get(base + "/display/hall")
        wait = WebDriverWait(driver, 30)
        assert driver.title == "Aula MPP"
        wait.until(lambda d: shown(d, "#label") == "Menunggu panggilan berikutnya")
        wait.until(lambda d: shown(d, "#clock"))
        assert driver.find_element(By.CSS_SELECTOR, "#qr svg title").get_attribute(
            "textContent") == "Kode QR alamat layar ini"  # fmt: skip

        # In step: shown within 300 ms of its first sample leaving the card.
        before = card.frames
        watcher.publish("pager/call/5", json.dumps({"ticket": "A023", "id": "d1"}))
        first = card.wait_for_sound(before, channels=HALL)
        at_card = card.dac_time(first) + time.time() - time.monotonic()
        on_screen = showing(driver, "d1")
        assert abs(on_screen - at_card) <= IN_STEP_S, on_screen - at_card
        assert (shown(driver, "#ticket"), shown(driver, "#counter")) == ("A023", "Loket 5")
        assert shown(driver, "#label") == ""
        watcher.event("finished", "d1", timeout=60)

        # A repeat says so, then a final call, then a document ready for pickup.
        watcher.publish("pager/call/1", json.dumps({"ticket": "B105", "id": "d2", "repeat": 1}))
        showing(driver, "d2")
        wait.until(lambda d: shown(d, "#label") == "Panggilan kedua")
        watcher.publish("pager/call/3", json.dumps({"ticket": "C7", "id": "d3", "final": True}))
        showing(driver, "d3")
        assert shown(driver, "#label") == "Panggilan terakhir"
        # Big enough to read across a food court: the ticket's glyphs >= 15 % of a 1080p
        # screen's height; on a 360 px phone, still the largest thing; nothing wider than
        # the screen, and a long receipt number shrinks to fit.
        viewport(driver, 1920, 1080)
        glyphs, height, page_fits, ticket_fits = driver.execute_script(GLYPHS)
        assert glyphs >= 0.15 * height and page_fits and ticket_fits
        if SHOTS:
            driver.save_screenshot(str(Path(SHOTS) / "display-1080p.png"))
        viewport(driver, 360, 740, mobile=True)
        glyphs, height, page_fits, ticket_fits = driver.execute_script(GLYPHS)
        assert page_fits and ticket_fits, "wider than a 360 px phone"
        assert glyphs >= 40, "the ticket is the largest thing on a phone, too"
        violations = audit(driver)
        assert not violations, summary(violations)
        if SHOTS:
            driver.save_screenshot(str(Path(SHOTS) / "display-phone.png"))
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        watcher.publish("pager/call/3", json.dumps({"ticket": "REG-4417", "id": "d4",
                                                    "kind": "pickup"}))  # fmt: skip
        showing(driver, "d4")
        assert shown(driver, "#label") == "Dokumen siap"
        for width, height, mobile in ((1920, 1080, False), (360, 740, True)):
            viewport(driver, width, height, mobile)
            WebDriverWait(driver, 5).until(lambda d: d.execute_script(GLYPHS)[2:] == [True, True],
                                           "the receipt overflows")  # fmt: skip
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        recent = [li.get_attribute("data-id") for li in driver.find_elements(By.CSS_SELECTOR,
                                                                             "#recent li")]  # fmt: skip
        assert recent == ["d3", "d2", "d1"]

        # An operator message runs across the screen while it plays, and goes.
        text = "Mohon perhatian, loket pajak dibuka kembali pukul 13.00."
        watcher.publish("pager/announce", json.dumps({"text": text, "id": "m1",
                                                      "zones": ["tenant-hall"]}))  # fmt: skip
        wait.until(lambda d: d.find_element(By.ID, "message").is_displayed())
        said = watcher.event("started", "m1")
        assert shown(driver, "#message span") == said["text"]
        assert not untranslated(driver), untranslated(driver)
        violations = audit(driver)  # with a call and a message on the screen
        assert not violations, summary(violations)
        watcher.event("finished", "m1", timeout=60)
        wait.until(lambda d: not d.find_element(By.ID, "message").is_displayed())

        # The shops' screen: its zones' calls only (counter 1 calls the shops; 5 and 3 not).
        driver.get(base + "/display/shops")
        wait.until(lambda d: d.find_element(By.ID, "call").get_attribute("data-id") == "d2")
        assert [li.get_attribute("data-id") for li in driver.find_elements(
            By.CSS_SELECTOR, "#recent li")] == []  # fmt: skip

        # Nothing was fetched from beyond the daemon.
        outside = [u for u in requested(driver) if not u.startswith((base, "data:"))]
        assert not outside, outside
    finally:
        assert daemon.stop() == 0, daemon.log


def test_a_screen_reconnects_by_itself_and_the_status_page_stays_on_this_pc(
    on_card: DaemonOnCard, watcher: Watcher, driver: webdriver.Chrome
) -> None:
    port = free_port()
    cfg = on_card.configure("mpp-pasar", http={"listen": f"0.0.0.0:{port}"})  # no password
    daemon = on_card.start(cfg)
    lan = f"http://192.0.2.2:{port}"
    try:
        # Displays make a LAN address possible; the status page still answers this PC only.
        assert request(f"http://127.0.0.1:{port}/api/state", None) == 200
        assert request(lan + "/api/state", None) == 403
        assert request(lan + "/", None) == 403
        assert request(lan + "/api/announce", None, b'{"text": "x"}') == 403
        assert request(lan + "/display/hall", None) == 200

        driver.get(lan + "/display/hall")
        wait = WebDriverWait(driver, 30)
        wait.until(lambda d: shown(d, "#clock"))
        driver.execute_script("window.sameDocument = true;")
        assert not driver.find_element(By.ID, "offline").is_displayed()
    finally:
        assert daemon.stop() == 0, daemon.log
    watcher.wait_for(lambda t, b: t == "pager/status/mpp-pasar" and b["state"] == "offline",
                     past=False)  # fmt: skip
    WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "offline").is_displayed())
    notice = driver.find_element(By.ID, "offline")
    silent = int(notice.get_attribute("data-changed-at") or 0) - int(
        notice.get_attribute("data-last-contact") or 0
    )
    assert 10_000 <= silent <= 12_000, f"it said so after {silent} ms without the daemon"
    assert shown(driver, "#offline") == "tidak terhubung"

    daemon = on_card.start(cfg, log="again.log")
    try:
        watcher.wait_for(lambda t, b: t == "pager/status/mpp-pasar" and b["state"] == "online",
                         past=False)  # fmt: skip
        WebDriverWait(driver, 30).until(
            lambda d: not d.find_element(By.ID, "offline").is_displayed()
        )
        assert driver.execute_script("return window.sameDocument === true"), "it reloaded"
        watcher.publish("pager/call/5", json.dumps({"ticket": "A1", "id": "r1"}))
        showing(driver, "r1")
    finally:
        assert daemon.stop() == 0, daemon.log


def test_a_screen_page_is_refused_for_an_unknown_display_and_serves_no_control(
    on_card: DaemonOnCard,
) -> None:
    port = free_port()
    cfg = on_card.configure("mpp-pasar", http={"listen": f"127.0.0.1:{port}"})
    daemon = on_card.start(cfg)
    try:
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(base + "/display", timeout=10) as page:
            assert "/display/stream" in page.read().decode()
        assert request(base + "/display/hall/stream", None, b"{}") == 405  # no POST anywhere
        assert request(base + "/display/hall/test", None) == 404
    finally:
        assert daemon.stop() == 0, daemon.log
