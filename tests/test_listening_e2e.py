"""Listening back, end to end: `pager run` on a virtual card with inputs (tests/duplex_card.py),
its announcements rising over the noise a test feeds, its speaker lines watched by the pilot
or by the programme, and the technician's tools."""

from __future__ import annotations

import itertools
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyloudnorm
import pytest
import yaml
from scipy import signal
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from pager.audio.meters import PILOT_WINDOW_S
from pager.audio.pilot import DUCK_DB
from pager.audio.weighting import a_weighted_db
from pager.units import db_to_gain
from tests.broker import Watcher, free_port, mark
from tests.browser import audit, browser, log_in, password_file, summary, untranslated, viewport
from tests.conftest import DaemonOnCard, DaemonProcess, pager_command
from tests.duplex_card import DuplexCard

pytestmark = pytest.mark.e2e

RATE = 48000
FOOD = (6, 7)  # the food court's outputs, 0-based (counter 5 calls it with the tenant hall)
SENSOR, LINE = 0, 1  # the inputs, 0-based: the food court's microphone and its line's end
SENSOR_REFERENCE_DB = -10.0  # how much quieter the microphone hears the food court's speakers
FAULT_AFTER_S = 5.0
NOISE_DB = -48.0  # white noise at the microphone (dBFS RMS): calls need no gain over it, they
# need about 6 dB over it 10 dB louder, more than the 9 dB limit over it 20 dB louder


@pytest.fixture
def card(tmp_path: Path) -> Iterator[DuplexCard]:
    """The card with inputs: the food court's speakers heard by its microphone, and its
    line's end wired back, as a site would be."""
    (tmp_path / "card").mkdir()
    with DuplexCard(tmp_path / "card", loop_delay_s=0.1) as duplex:
        duplex.loop(FOOD[0], SENSOR, SENSOR_REFERENCE_DB)
        duplex.loop(FOOD[1], LINE, -6.0)
        duplex.noise(LINE, -80.0)  # a line's own noise floor
        yield duplex


def configure(on_card: DaemonOnCard, mode: str, **audio: Any) -> Path:
    food = {"channels": [7, 8], "gain_db": -4,
            "noise_sensor": {"channel": SENSOR + 1, "reference_db": SENSOR_REFERENCE_DB},
            "line_sense": {"channel": LINE + 1, "mode": mode}}  # fmt: skip
    return on_card.configure("listen", audio={"inputs": 8, **audio},
                             supervision={"fault_after_s": FAULT_AFTER_S},
                             zones={"food-court": food})  # fmt: skip


def statuses(watcher: Watcher, after: float) -> list[dict[str, Any]]:
    """The node's statuses published since `after`, oldest first."""
    return [b for t, b in watcher.seen if t == "pager/status/listen" and isinstance(b, dict)
            and b.get("state") == "online" and b.get("ts", 0) >= after]  # fmt: skip


def settled(watcher: Watcher, voice: float, louder_than: float, timeout: float = 40
            ) -> dict[str, Any]:  # fmt: skip
    """The food court's noise and gain once the gain has landed on what the noise it reports
    asks for (the noise above `louder_than`: after a step)."""

    def landed(topic: str, body: Any) -> bool:
        sensed = (body.get("ambient") or {}).get("food-court") if isinstance(body, dict) else None
        return (topic == "pager/status/listen" and sensed is not None
                and sensed["level_db"] > louder_than
                and abs(sensed["gain_db"] - wanted_gain(sensed["level_db"], voice)) <= 0.25)  # fmt: skip

    found: dict[str, Any] = watcher.wait_for(landed, timeout, past=False)["ambient"]["food-court"]
    return found


def speech_db(daemon: DaemonProcess) -> float:
    found = re.search(r"the voice leaves the card at (-?[\d.]+) dB\(A\)", daemon.log)
    assert found, daemon.log
    return float(found.group(1))


def call(cfg: Path, card: DuplexCard, ticket: str, call_id: str) -> None:
    subprocess.run([*pager_command(), "call", "-c", str(cfg), "--counter", "5", "--ticket",
                    ticket, "--id", call_id], check=True, capture_output=True,
                   env=card.env(), timeout=60)  # fmt: skip


def wanted_gain(noise_a_db: float, speech: float) -> float:
    """The issue's formula: noise + snr - (speech on the output + reference), in 0..9."""
    return min(9.0, max(0.0, noise_a_db + 12 - (speech - 4 + SENSOR_REFERENCE_DB)))


def test_calls_rise_over_the_noise_but_not_over_their_own_sound_and_the_pilot_watches(
    on_card: DaemonOnCard, watcher: Watcher, card: DuplexCard
) -> None:
    cfg = configure(on_card, "pilot")
    card.noise(SENSOR, NOISE_DB)
    daemon = on_card.start(cfg)
    voice = speech_db(daemon)
    quiet = watcher.wait_for(lambda t, b: t == "pager/status/listen"
                             and "food-court" in (b.get("ambient") or {}), 30)  # fmt: skip
    assert quiet["lines"] == {"food-court": "ok"} and quiet["inputs"] == "ok"
    base = quiet["ambient"]["food-court"]["level_db"]  # the white noise, A-weighted
    rng = np.random.default_rng(1)
    assert base == pytest.approx(
        a_weighted_db(rng.standard_normal(RATE) * db_to_gain(NOISE_DB), RATE), abs=0.5
    )  # fmt: skip (the first second: the filter starts)
    assert quiet["ambient"]["food-court"]["gain_db"] == 0.0  # it needs none: min_gain_db

    # Noise steps of +10 and +20 dB: the gain follows within its limits, 1 dB/s at most; a
    # call at +10 (the gain settled between its limits) plays at that gain, and its own sound
    # at the microphone (louder than the noise) raises nothing.
    for step in (10.0, 20.0):
        stepped = mark()
        card.noise(SENSOR, NOISE_DB + step)
        reached = settled(watcher, voice, louder_than=base + step - 3)
        gains = [s["ambient"]["food-court"]["gain_db"] for s in statuses(watcher, stepped)
                 if "food-court" in (s.get("ambient") or {})]  # fmt: skip
        moves = [abs(b - a) for a, b in itertools.pairwise(gains)]
        assert max(moves, default=0.0) <= 1.05, gains  # a step per second of input at most
        assert 0.0 <= reached["gain_db"] <= 9.0
        if step == 10.0:
            assert 0.0 < reached["gain_db"] < 9.0, (reached, voice, base, gains)
            boost = reached["gain_db"]
            called = mark()
            call(cfg, card, "A1", "noisy-1")
            started = watcher.event("started", "noisy-1", timeout=30)
            watcher.event("finished", "noisy-1", timeout=30)
            during = [s["ambient"]["food-court"]["gain_db"] for s in statuses(watcher, called)
                      if "food-court" in (s.get("ambient") or {})]  # fmt: skip
            assert max(during, default=boost) == boost, during  # never raised by itself
            said = subprocess.run([*pager_command(), "say", "-c", str(cfg), "--counter", "5",
                                   "--ticket", "A1", "--zone", "food-court"], check=True,
                                  capture_output=True, text=True, env=card.env())  # fmt: skip
            assert f"(zone food-court: {boost:+.1f} dB for its noise now)" in said.stdout
    assert reached["gain_db"] == 9.0  # +20 dB asks more than the limit: it stopped there

    # The line: cut, a fault within fault_after_s + 10 s; mended, restored.
    cut = mark()
    card.cut(LINE)
    fault = watcher.event_since("line-fault", cut, timeout=FAULT_AFTER_S + 10, zone="food-court")
    assert fault["mode"] == "pilot" and fault["level_db"] < -60
    card.cut(LINE, cut=False)
    watcher.event_since("line-restored", cut, timeout=20, zone="food-court")
    final = watcher.wait_for(lambda t, b: t == "pager/status/listen"
                             and b.get("lines") == {"food-court": "ok"}, 10)  # fmt: skip
    assert final["xruns"] == 0 and final["callback_errors"] == 0  # inputs open: no dropout
    assert daemon.stop() == 0, daemon.log

    played = card.samples()
    _check_the_call_level(played, started, card, boost)
    _check_the_pilot(played, card)


def _check_the_call_level(played: np.ndarray, started: dict[str, Any], card: DuplexCard,
                          boost: float) -> None:  # fmt: skip
    """The food court heard the call `boost` dB over its level (-4), against the hall."""
    lowpass = signal.butter(8, 12000, fs=RATE, output="sos")
    sound = signal.sosfilt(lowpass, played[:, [0, FOOD[0]]].astype(np.float64), axis=0)
    loud = np.abs(sound[:, 0]) > 0.01  # the hall's speech (no pilot there)
    ratio = np.sqrt(np.mean(sound[loud, 1] ** 2) / np.mean(sound[loud, 0] ** 2))
    assert 20 * np.log10(ratio) == pytest.approx(-4 + boost, abs=0.2)


def _check_the_pilot(played: np.ndarray, card: DuplexCard) -> None:
    """20 kHz at -30 dBFS on the food court's outputs alone; 10 dB under the call; adding
    less than 0.1 LU to the speech's loudness."""
    food = played[:, FOOD[0]].astype(np.float64)
    hall = played[:, 0].astype(np.float64)
    speaking = np.flatnonzero(np.abs(hall) > 0.01)
    idle = food[: speaking[0] - RATE][-RATE:] if speaking[0] > 2 * RATE else food[-RATE:]
    size = int(RATE * PILOT_WINDOW_S) * 10
    spectrum = np.abs(np.fft.rfft(idle[:size] * np.hanning(size))) * 2 / np.hanning(size).sum()
    peak = int(np.argmax(spectrum))
    assert peak * RATE / size == pytest.approx(20000, abs=1)
    assert 20 * np.log10(spectrum[peak]) == pytest.approx(-30, abs=0.2)
    assert not np.any(played[:, 2:6])  # the zones the call did not go to: silent, no pilot
    assert np.array_equal(played[:, 0], played[:, 1])  # the hall: the call alone, no pilot
    call = food[speaking[0] : speaking[-1]]
    sos = signal.butter(8, 18000, fs=RATE, output="sos")
    without = signal.sosfiltfilt(sos, call)
    residue = call - without
    assert np.sqrt(np.mean(residue**2)) == pytest.approx(
        db_to_gain(-30 + DUCK_DB) / np.sqrt(2), rel=0.1
    )  # ducked under the call
    meter = pyloudnorm.Meter(RATE)
    assert abs(meter.integrated_loudness(call) - meter.integrated_loudness(without)) < 0.1


def test_a_programme_line_the_technicians_tools_and_inputs_gone_quiet(
    on_card: DaemonOnCard, watcher: Watcher, card: DuplexCard
) -> None:
    cfg = configure(on_card, "programme")
    card.noise(SENSOR, -60.0)
    daemon = on_card.start(cfg)

    shown = subprocess.run([*pager_command(), "inputs", "-c", str(cfg), "--once"], check=False,
                           capture_output=True, text=True, env=card.env(), timeout=30)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    rows = {
        line.split()[0]: line for line in shown.stdout.splitlines() if line.strip()[:1].isdigit()
    }
    assert (
        "noise sensor of food-court" in rows["1"] and "line of food-court (programme)" in rows["2"]
    )
    levels = {number: float(row.split()[1]) for number, row in rows.items()}
    assert levels["1"] == pytest.approx(-60, abs=1) and levels["2"] == pytest.approx(-80, abs=1)
    assert levels["3"] == -120.0

    walk = subprocess.run([*pager_command(), "test-zone", "-c", str(cfg), "--listen",
                           "food-court"], check=False, capture_output=True, text=True, env=card.env(),
                          timeout=60)  # fmt: skip
    assert walk.returncode == 0, walk.stdout + walk.stderr
    heard = watcher.event("test-heard")
    by_input = {each["input"]: each for each in heard["inputs"]}
    assert by_input[SENSOR + 1]["purpose"] == "noise_sensor" and by_input[SENSOR + 1]["heard"]
    # Within half a dB, as the technician copies it (the card's loop loses a part now and
    # then on a loaded machine: the median of the parts holds, a few tenths off at most).
    assert by_input[SENSOR + 1]["gain_db"] == pytest.approx(SENSOR_REFERENCE_DB, abs=0.5), (
        heard,
        card.loops_replaced,
        card.blocks_lost,
        daemon.log,
    )
    assert by_input[LINE + 1]["gain_db"] == pytest.approx(-6.0, abs=0.5)
    assert 0 < by_input[LINE + 1]["delay_ms"] <= 500
    assert f"measured reference_db {by_input[SENSOR + 1]['gain_db']}" in walk.stdout

    # Cut: the second announcement in a row not heard back is a fault; mended, restored.
    cut = mark()
    card.cut(LINE)
    for number in (1, 2):
        call(cfg, card, f"A{number}", f"cut-{number}")
        ended = watcher.event("finished", f"cut-{number}", timeout=30)["ts"]
    fault = watcher.event_since("line-fault", cut, timeout=FAULT_AFTER_S + 10, zone="food-court")
    assert fault["mode"] == "programme" and fault["ts"] >= ended  # the second, not the first
    card.cut(LINE, cut=False)
    mended = mark()
    call(cfg, card, "A3", "mended-3")
    restored = watcher.event_since("line-restored", mended, timeout=30, zone="food-court")
    assert restored["level_db"] > -60

    # Every input digital silence: the inputs have failed, not every line.
    quiet = mark()
    for channel in range(card.inputs):
        card.noise(channel, None)
        card.cut(channel)
    failed = watcher.event_since("input-failed", quiet, timeout=20)
    assert "digital silence" in failed["reason"]
    status = watcher.wait_for(lambda t, b: t == "pager/status/listen"
                              and b.get("inputs") == "failed", 10)  # fmt: skip
    assert status["lines"] == {"food-court": "unknown"} and status["audio"] == "ok"
    card.noise(SENSOR, -60.0)
    watcher.event_since("input-restored", quiet, timeout=20)
    assert not [b for t, b in watcher.seen if isinstance(b, dict)
                and b.get("event") == "line-fault" and b["ts"] >= quiet]  # fmt: skip
    assert daemon.stop() == 0, daemon.log


def test_inputs_that_cannot_be_opened_are_reported_and_cost_no_call(
    on_card: DaemonOnCard, watcher: Watcher, card: DuplexCard
) -> None:
    cfg = configure(on_card, "pilot", input_device="no-such-interface")
    began = mark()
    daemon = on_card.start(cfg)
    failed = watcher.event_since("input-failed", began, timeout=20)
    assert 'audio input device "no-such-interface" not found' in failed["reason"]
    assert "pager_virtual" in failed["reason"]  # the devices there are, named
    call(cfg, card, "A1", "deaf-1")
    finished = watcher.event("finished", "deaf-1", timeout=30)
    assert finished["zones"] == ["tenant-hall", "food-court"]
    status = watcher.wait_for(lambda t, b: t == "pager/status/listen"
                              and b.get("inputs") == "failed", 10)  # fmt: skip
    assert status["audio"] == "ok" and status["lines"] == {"food-court": "unknown"}
    assert daemon.stop() == 0, daemon.log


def test_the_status_page_shows_a_faulty_line_in_red_and_the_noise_gain(
    on_card: DaemonOnCard, watcher: Watcher, card: DuplexCard, tmp_path: Path
) -> None:
    secret = password_file(tmp_path, "teh-manis-25")
    port = free_port()
    cfg = configure(on_card, "pilot")
    document = yaml.safe_load(cfg.read_text())
    document["http"] = {"listen": f"127.0.0.1:{port}", "password_file": str(secret)}
    cfg.write_text(yaml.safe_dump(document))
    card.noise(SENSOR, -35.0)
    daemon = on_card.start(cfg)
    chrome = browser()
    try:
        log_in(chrome, "teh-manis-25")
        chrome.get(f"http://127.0.0.1:{port}/")
        wait = WebDriverWait(chrome, 30)
        line = '#zones tr[data-zone="food-court"] td.line'
        noise = '#zones tr[data-zone="food-court"] td.noise'
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, line).text == "jalur baik")
        wait.until(lambda d: "penguatan +" in d.find_element(By.CSS_SELECTOR, noise).text)
        assert chrome.find_element(By.ID, "inputs").text == "masukan baik"
        hall = chrome.find_element(By.CSS_SELECTOR, '#zones tr[data-zone="tenant-hall"] td.line')
        assert hall.text == "–"  # no line sense there
        card.cut(LINE)
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, line).text == "GANGGUAN JALUR")
        cell = chrome.find_element(By.CSS_SELECTOR, line)
        assert cell.get_attribute("class") == "line fault"
        assert cell.value_of_css_property("background-color") == "rgba(163, 38, 27, 1)"  # red
        assert not untranslated(chrome), untranslated(chrome)
        violations = audit(chrome)
        assert not violations, summary(violations)
        viewport(chrome, 360, 740, mobile=True)
        assert chrome.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth"
        ), "the status page is wider than a phone"
    finally:
        chrome.quit()
    board = subprocess.run([*pager_command(), "status", "-c", str(cfg)], check=False,
                           capture_output=True, text=True, env=card.env(), timeout=30)  # fmt: skip
    assert board.returncode == 1  # a faulty line is not a healthy node
    assert "GANGGUAN JALUR" in board.stdout and "penguatan +" in board.stdout
    assert daemon.stop() == 0, daemon.log
