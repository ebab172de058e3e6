"""Debian's headless Chromium for the pages' tests, driven by Selenium: the audit of
accessibility (axe-core, as the axe-playwright-python package ships it) and the check that
nothing is fetched from beyond the daemon."""

from __future__ import annotations

import base64
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import axe_playwright_python  # type: ignore[import-untyped]
import pytest
from babel.messages import pofile
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

from pager import translations

AXE = Path(axe_playwright_python.__file__).parent / "axe.min.js"
TEMPLATE = Path(translations.__file__).parent / "locale" / "pager.pot"
# Every text the page shows: its text nodes, and what titles and labels say.
TEXTS = """
const texts = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode;
  if (node.parentElement.closest('script, style')) continue;
  const text = node.textContent.trim();
  if (text) texts.push(text);
}
for (const element of document.querySelectorAll('[title], [aria-label], [placeholder]')) {
  for (const name of ['title', 'aria-label', 'placeholder']) {
    const value = element.getAttribute(name);
    if (value) texts.push(value.trim());
  }
}
texts.push(document.title);
return texts;
"""
BLOCKING = ("serious", "critical")


def browser(width: int = 1400, height: int = 1000) -> webdriver.Chrome:
    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     f"--window-size={width},{height}", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update",
                     "--no-first-run", "--disable-sync"):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(options=options, service=service)


def driver_fixture(width: int, height: int) -> Any:
    """A test's `driver` fixture: Chromium in a window of this size, closed after the test."""

    @pytest.fixture
    def driver() -> Iterator[webdriver.Chrome]:
        chrome = browser(width, height)
        yield chrome
        chrome.quit()

    return driver


def password_file(folder: Path, password: str) -> Path:
    """The status page's password file, as a technician makes it (mode 600)."""
    secret = folder / "web.password"
    secret.write_text(password + "\n")
    secret.chmod(0o600)
    return secret


def log_in(driver: webdriver.Chrome, password: str, user: str = "operator") -> None:
    """Every request the browser makes from now on carries this HTTP Basic login."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {token}"}}
    )


def viewport(driver: webdriver.Chrome, width: int, height: int, mobile: bool = False) -> None:
    """The page's viewport exactly (a phone: with its touch and device scale)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 2 if mobile else 1,
        "mobile": mobile,
    })  # fmt: skip


def audit(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations of WCAG 2.x A and AA on the page as shown."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a',"
        " 'wcag21aa', 'best-practice']}}).then((r) => done(JSON.stringify(r.violations)));"
    )
    violations: list[dict[str, Any]] = json.loads(result)
    return [v for v in violations if v.get("impact") in BLOCKING]


def summary(violations: list[dict[str, Any]]) -> str:
    return "; ".join(f"{v['id']} ({v['impact']}): {v['help']} at "
                     f"{[n['target'] for n in v['nodes']][:3]}" for v in violations)  # fmt: skip


def requested(driver: webdriver.Chrome) -> list[str]:
    """Every address the browser asked for since the last call (its performance log)."""
    urls = []
    for entry in driver.get_log("performance"):  # type: ignore[no-untyped-call]
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def untranslated(driver: webdriver.Chrome, language: str = "id") -> list[str]:
    """What the page shows in English where the catalogue of `language` has other words."""
    with TEMPLATE.open("rb") as file:
        template = pofile.read_po(file)
    words = translations.translator(language)
    english = [m.id for m in template if isinstance(m.id, str) and m.id and words(m.id) != m.id]
    # "{n} s" matches "12 s": each field stands for some text.
    patterns = [re.compile(re.sub(r"\\\{\w*\\\}", ".+", re.escape(m))) for m in english]
    shown: list[str] = driver.execute_script(TEXTS)
    return [t for t in shown if any(p.fullmatch(t) for p in patterns)]
