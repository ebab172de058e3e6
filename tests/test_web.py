"""The status page in a real headless browser (Debian's chromium), against the real daemon,
broker and virtual card: it loads, shows a call's progress live, its test button plays on
the card, its announcement form announces, and a wrong password is refused."""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from pager import config
from pager.errors import ConfigError
from tests.broker import Watcher, free_port
from tests.browser import (
    audit,
    browser,
    log_in,
    password_file,
    summary,
    untranslated,
    viewport,
)
from tests.conftest import DaemonOnCard, write_config
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e
PASSWORD = "kopi-tubruk-17"
SCREENSHOT = os.environ.get("PAGER_SCREENSHOT")  # where to keep the README's screenshot
WAITING_AREA, TRADE_CENTRE = 2, 5  # 0-based outputs


def request(url: str, password: str | None, data: bytes | None = None, **more: str) -> int:
    headers = {"Content-Type": "application/json"} if data is not None else {}
    headers.update({name.replace("_", "-"): value for name, value in more.items()})
    if password is not None:
        token = base64.b64encode(f"operator:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers), timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def driver() -> Iterator[webdriver.Chrome]:
    chrome = browser()
    yield chrome
    chrome.quit()


def test_the_status_page_live_in_a_browser(
    on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher, card: VirtualCard,
    driver: webdriver.Chrome,
) -> None:  # fmt: skip
    secret = password_file(tmp_path, PASSWORD)
    port = free_port()
    cfg = on_card.configure(
        "mpp-pasar", ("messages",), audio={"latency": "low"},
        http={"listen": f"0.0.0.0:{port}", "password_file": str(secret)},
        messages={"istirahat": {"text": "Layanan istirahat.", "zones": ["trade-centre"]},
                  "drill": {"text": "Latihan evakuasi.", "priority": "emergency"}},
        schedule=[{"at": "03:00", "days": "daily", "message": "istirahat"}],
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    daemon = on_card.start(cfg)
    try:
        assert request(f"{base}/", None) == 401
        assert request(f"{base}/api/state", "wrong") == 401
        assert request(f"{base}/api/state", PASSWORD) == 200
        # A request forged from another site's page is refused: a form post, or JSON with
        # another origin (which a browser would send only after CORS, which is not offered).
        form = request(f"{base}/api/announce", PASSWORD, b"text=hi",
                       Content_Type="application/x-www-form-urlencoded")  # fmt: skip
        assert form == 403
        forged = request(f"{base}/api/announce", PASSWORD, b'{"text": "hi"}',
                         Origin="http://evil.example")  # fmt: skip
        assert forged == 403

        log_in(driver, "kopi-susu")  # the browser with a wrong password: the page is refused
        driver.get(base + "/")  # (Chromium answers the 401 with its password prompt)
        assert driver.title != "pager" and not driver.find_elements(By.ID, "zones")
        log_in(driver, PASSWORD)
        driver.get(base + "/")
        wait = WebDriverWait(driver, 30)
        wait.until(lambda d: d.find_element(By.ID, "node").text == "mpp-pasar")
        wait.until(lambda d: d.find_element(By.ID, "state").text == "● daring")  # ui.language id
        # The next three of the daily schedule (one entry: its next three days).
        wait.until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, "#schedule li[data-message]")) == 3
        )
        assert driver.find_element(By.CSS_SELECTOR, "#schedule li time").text.endswith(" 03:00")
        rows = driver.find_elements(By.CSS_SELECTOR, "#zones tbody tr")
        assert [r.get_attribute("data-zone") for r in rows] == list(config.load(cfg).zones)
        assert driver.find_element(By.ID, "audio").text == "audio baik"
        assert driver.find_element(By.ID, "broker").text == "broker terhubung"

        # A call's progress, live: playing in its zones, then finished in the last calls.
        watcher.publish("pager/call/5", json.dumps({"ticket": "A023", "id": "web-call"}))
        watcher.publish("pager/call/7", json.dumps({"ticket": "B105", "id": "web-next"}))
        hall = '#zones tr[data-zone="tenant-hall"] td.playing-now'
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, hall).text == "A023 (loket 5)")
        waiting = '#zones tr[data-zone="tenant-hall"] td.waiting'
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, waiting).text == "1")
        if SCREENSHOT:
            driver.save_screenshot(SCREENSHOT)
        watcher.event("finished", "web-next", timeout=60)
        last = '#calls tr[data-id="web-call"] td.what'
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, last).text == "selesai")
        # In Indonesian throughout, readable by all (axe-core), and on a 360 px phone.
        assert not untranslated(driver), untranslated(driver)
        violations = audit(driver)
        assert not violations, summary(violations)
        viewport(driver, 360, 740, mobile=True)
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth"
        ), "the status page is wider than a phone"
        violations = audit(driver)
        assert not violations, summary(violations)
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

        # The test button of the trade centre plays its zone test on the card.
        driver.find_element(
            By.CSS_SELECTOR, '#zones tr[data-zone="trade-centre"] button.test'
        ).click()
        tested = watcher.wait_for(lambda t, b: isinstance(b, dict)
                                  and b.get("event") == "test-finished", timeout=30)  # fmt: skip
        assert tested["zone"] == "trade-centre" and tested["completed"] is True
        wait.until(
            lambda d: d.find_elements(By.CSS_SELECTOR, '#events li[data-event="test-finished"]')
        )

        # The announcement form: the waiting area only, `announcement` priority.
        driver.find_element(By.ID, "text").send_keys("Loket pajak dibuka kembali pukul 13.00.")
        for box in driver.find_elements(By.CSS_SELECTOR, "#targets input"):
            if box.get_attribute("value") != "waiting-area":
                box.click()
        driver.find_element(By.CSS_SELECTOR, "#announce button[type=submit]").click()
        wait.until(lambda d: d.find_element(By.ID, "announce-result").text == "sudah diumumkan")
        said = watcher.wait_for(lambda t, b: isinstance(b, dict) and b.get("event") == "finished"
                                and b.get("priority") == "announcement")  # fmt: skip
        assert said["zones"] == ["waiting-area"]
        assert said["text"] == "Loket pajak dibuka kembali pukul tiga belas."

        # The library's messages have a button each (not emergencies), asking first.
        buttons = driver.find_elements(By.CSS_SELECTOR, "#library button")
        assert [b.get_attribute("data-message") for b in buttons] == ["istirahat"]
        buttons[0].click()
        driver.switch_to.alert.dismiss()  # "no": nothing is announced
        buttons[0].click()
        assert "istirahat" in driver.switch_to.alert.text
        driver.switch_to.alert.accept()
        library = watcher.wait_for(lambda t, b: isinstance(b, dict) and b.get("event") == "finished"
                                   and b.get("message") == "istirahat", timeout=60)  # fmt: skip
        assert library["zones"] == ["trade-centre"] and library["text"] == "Layanan istirahat."
        queued = [b for _, b in watcher.seen if isinstance(b, dict)
                  and b.get("event") == "queued" and b.get("message") == "istirahat"]  # fmt: skip
        assert len(queued) == 1, "the dismissed confirmation announced it anyway"
    finally:
        assert daemon.stop() == 0, daemon.log
    assert card.closed.wait(10)
    played = card.samples()
    assert np.any(played[:, TRADE_CENTRE]), "the test button's test did not reach the card"
    assert np.any(played[:, WAITING_AREA]), "the announcement did not reach the card"


def test_the_page_refuses_to_listen_beyond_localhost_without_a_password(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "zones.yaml", ("displays",), http={"listen": "0.0.0.0:8080"},
                       displays={})  # fmt: skip
    with pytest.raises(ConfigError, match=r"http\.listen: 0\.0\.0\.0:8080 is reachable beyond"):
        config.load(cfg)
    # With public displays it may: the status page then answers this PC only.
    shown = write_config(tmp_path / "shown.yaml", http={"listen": "0.0.0.0:8080"})
    assert config.load(shown).displays and config.load(shown).http.listen == "0.0.0.0:8080"
    local = write_config(tmp_path / "local.yaml", http={"listen": "127.0.0.1:8080"})
    assert config.load(local).http.listen == "127.0.0.1:8080"
