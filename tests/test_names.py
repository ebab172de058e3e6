"""Names in calls: how they are read, and the privacy rules that decide how much of a name
each zone says and what events, the log and the journal keep (UU PDP)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from pager import config
from pager.config.announcement import AnnouncementConfig
from pager.config.privacy import PrivacyConfig, Service
from pager.config.zoning import Counter, Zone
from pager.core import inputs
from pager.core.announcer import Announcer
from pager.core.effects import JournalAdd, StartPlay
from pager.core.payloads import parse_call
from pager.errors import CallRejected, ConfigError
from pager.io.journal import Journal
from pager.language.names import parse_name
from pager.values.messages import Inbound, MessageKind
from pager.values.privacy import NameLevel
from pager.zones import Routing
from tests.conftest import pager_command, write_config
from tests.desk import EXAMPLE, Desk, call, events

OFF, INITIALS, SHORT, FULL = NameLevel

# Written as counters send them (identity cards print capitals), and read as Indonesians
# say them: titles in words, degrees left out. Java, Sunda, Bali, Batak, Minang, Aceh,
# Bugis, Maluku, NTT, Papua, Chinese-Indonesian; Muslim, Christian, Catholic, Hindu,
# Buddhist names.
READINGS = [
    ("BUDI SANTOSO", "Budi Santoso"),
    ("Siti Nurhaliza", "Siti Nurhaliza"),
    ("Bpk. Ahmad Fauzi", "Bapak Ahmad Fauzi"),
    ("Ibu Sri Wahyuni", "Ibu Sri Wahyuni"),
    ("Hj. SITI AMINAH S.Kom. M.M.", "Hajah Siti Aminah"),
    ("H. MUHAMMAD RIDWAN", "Haji Muhammad Ridwan"),
    ("Sdr. Yohanes Pattinama", "Saudara Yohanes Pattinama"),
    ("Sdri. Maria Goreti Seran", "Saudari Maria Goreti Seran"),
    ("I GUSTI NGURAH RAI", "I Gusti Ngurah Rai"),
    ("Ni Made Ayu Lestari", "Ni Made Ayu Lestari"),
    ("NI LUH PUTU ARIANI", "Ni Luh Putu Ariani"),
    ("Dr. Ir. Bambang Sudibyo M.B.A.", "Doktor Insinyur Bambang Sudibyo"),
    ("dr. Andi Wijaya Sp.PD", "dokter Andi Wijaya"),
    ("Prof. Dr. Sri Mulyani Indrawati", "Profesor Doktor Sri Mulyani Indrawati"),
    ("Drs. Sutrisno", "Sutrisno"),
    ("Muh. Rizki Pratama", "Muhammad Rizki Pratama"),
    ("MOH. HATTA", "Muhammad Hatta"),
    ("Tan Siok Lian", "Tan Siok Lian"),
    ("LIE KIM HOK", "Lie Kim Hok"),
    ("Yosef Wenda", "Yosef Wenda"),
    ("Agustinus Kambu", "Agustinus Kambu"),
    ("Togar Sitorus", "Togar Sitorus"),
    ("Rudolf Simanjuntak S.H.", "Rudolf Simanjuntak"),
    ("Teuku Umar", "Teuku Umar"),
    ("Cut Nyak Dien", "Cut Nyak Dien"),
    ("Andi Mallarangeng", "Andi Mallarangeng"),
    ("Siti Rahmah binti Abdullah", "Siti Rahmah binti Abdullah"),
    ("AHMAD BIN ABDULLAH", "Ahmad bin Abdullah"),
    ("Komang Ayu", "Komang Ayu"),
    ("Ketut Suardana", "Ketut Suardana"),
    ("Gede Prama", "Gede Prama"),
    ("Syarifah Fatimah Assegaf", "Syarifah Fatimah Assegaf"),
    ("Raden Ajeng Kartini", "Raden Ajeng Kartini"),
    ("KH. HASYIM ASY'ARI", "Kiai Haji Hasyim Asy'ari"),
    ("Ust. Abdul Somad", "Ustaz Abdul Somad"),
    ("Tn. Robert Wijaya", "Tuan Robert Wijaya"),
    ("Ny. Lim Swie Hwa", "Nyonya Lim Swie Hwa"),
    ("An. Dewi Lestari", "Anak Dewi Lestari"),
    ("SUKARNO", "Sukarno"),
    ("Maria Ulfa S.H.", "Maria Ulfa"),
    ("Dewi Sartika S.Pd.", "Dewi Sartika"),
    ("Fransiskus Xaverius Seda", "Fransiskus Xaverius Seda"),
    ("Dyah Ayu Pitaloka-Sari", "Dyah Ayu Pitaloka-Sari"),
    ("Budi S.", "Budi es"),
]


def test_names_are_read_as_indonesians_say_them_in_pager_say(tmp_path: Path) -> None:
    assert len(READINGS) >= 40
    cfg = write_config(tmp_path / "zones.yaml", privacy={"names": "full"})

    def first_line(name: str) -> str:
        done = subprocess.run(
            [*pager_command(), "say", "-c", str(cfg), "--counter", "5", "--ticket", "A23",
             "--name", name],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        return done.stdout.splitlines()[0]

    with ThreadPoolExecutor(4) as pool:
        lines = list(pool.map(first_line, [written for written, _ in READINGS]))
    for (written, spoken), line in zip(READINGS, lines, strict=True):
        expected = f"Nomor antrean A dua puluh tiga, atas nama {spoken}, silakan menuju loket lima."
        assert line == expected, written


@pytest.mark.parametrize(
    ("written", "forms"),
    [
        ("BUDI SANTOSO", ("B. S.", "Budi S.", "Budi Santoso")),
        ("Hj. Siti Aminah Lubis S.E.", ("S. A. L.", "Hajah Siti A. L.", "Hajah Siti Aminah Lubis")),
        ("Ahmad bin Abdullah", ("A. A.", "Ahmad A.", "Ahmad bin Abdullah")),
        ("Sukarno", ("S.", "Sukarno", "Sukarno")),
        ("Ni Luh Putu Ariani", ("L. P. A.", "Ni Luh P. A.", "Ni Luh Putu Ariani")),
    ],
)  # fmt: skip
def test_each_level_shows_its_part_of_the_name(written: str, forms: tuple[str, ...]) -> None:
    name = parse_name(written)
    assert name.written(OFF) == "" and name.spoken(OFF, {}) == ""
    assert tuple(name.written(level) for level in (INITIALS, SHORT, FULL)) == forms


def test_the_lexicon_gives_a_name_its_pronunciation() -> None:
    name = parse_name("NGURAH RAI")
    assert name.spoken(FULL, {"Ngurah": "Ngu rah"}) == "Ngu rah Rai"
    assert name.spoken(SHORT, {}) == "Ngurah er"
    assert name.spoken(INITIALS, {}) == "en er"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Budi 2", 'may hold only letters, spaces, ".", "\'" and "-"; it holds a digit'),
        ("Budi <b>", "it holds U+003C"),
        ("Budi, S.H.", "it holds U+002C"),
        ("A" * 81, '"name" is 81 characters long; at most 80'),
        ("Bpk. Dr.", '"name" holds no name'),
        ("   ", '"name" must be a non-empty string'),
        (42, '"name" must be a non-empty string'),
    ],
)
def test_bad_names_are_rejected_with_a_reason_that_does_not_repeat_them(
    name: object, reason: str
) -> None:
    payload = json.dumps({"ticket": "A1", "name": name}).encode()
    with pytest.raises(CallRejected) as raised:
        parse_call("5", payload, 0)
    assert reason in raised.value.reason
    if isinstance(name, str) and name.strip():
        assert name.strip() not in raised.value.reason


@pytest.mark.parametrize("name", ["محمد علي", "张伟", "Nguyễn Văn An", "Ṣalāḥ ad-Dīn"])
def test_names_in_any_script_are_taken(name: str) -> None:
    parsed = parse_call("5", json.dumps({"ticket": "A1", "name": name}).encode(), 0).name
    assert parsed is not None and parsed.written(FULL)


SETTINGS = (None, OFF, INITIALS, SHORT, FULL)  # None: the key is not set


def announcer_with(
    site: NameLevel, zone: NameLevel | None, service: NameLevel | None, shown: NameLevel
) -> Announcer:
    routing = Routing(
        {"hall": Zone("hall", (1,), names=zone)}, {},
        {"5": Counter("5", ("hall",), "Pajak")}, ("hall",),
    )  # fmt: skip
    services = {"Pajak": Service("Pajak", service)}
    privacy = PrivacyConfig(names=site, names_shown=shown)
    return Announcer(routing, AnnouncementConfig(), privacy, services)


@pytest.mark.parametrize(
    ("site", "zone", "service", "shown"),
    list(itertools.product(NameLevel, SETTINGS, SETTINGS, NameLevel)),
)
def test_the_strictest_setting_wins_and_nothing_shows_more_than_was_said(
    site: NameLevel, zone: NameLevel | None, service: NameLevel | None, shown: NameLevel
) -> None:
    a = announcer_with(site, zone, service, shown)
    job = a.call(parse_call("5", b'{"ticket": "A23", "name": "BUDI SANTOSO"}', 0))
    said = min(site, FULL if zone is None else zone, FULL if service is None else service)
    name = parse_name("BUDI SANTOSO")
    words = name.spoken(said, a.lexicon)
    phrase = f"atas nama {words}, " if words else ""
    assert job.speech.text == f"Nomor antrean A dua puluh tiga, {phrase}silakan menuju loket lima."
    visible = min(shown, said)
    assert job.name == (name.written(visible) or None)
    assert job.personal
    # What events and logs show: the sentence with the name as far as it may be shown.
    text = a.for_play(job, shown=True).text
    if visible is OFF:
        assert text == "Nomor antrean A dua puluh tiga, silakan menuju loket lima."
    assert "Santoso" not in text or visible is FULL
    assert "Budi" not in text or visible >= SHORT


def test_without_a_name_the_sentence_is_todays() -> None:
    a = announcer_with(FULL, None, None, FULL)
    job = a.call(parse_call("5", b'{"ticket": "A23"}', 0))
    assert job.speech.text == "Nomor antrean A dua puluh tiga, silakan menuju loket lima."
    assert (job.name, job.shown, job.personal, job.contents) == (None, None, False, ())


def with_privacy() -> Desk:
    zones = dict(EXAMPLE.zones)
    zones["food-court"] = dataclasses.replace(zones["food-court"], names=OFF)
    privacy = PrivacyConfig(names=FULL, names_shown=INITIALS)
    return Desk(dataclasses.replace(EXAMPLE, zones=MappingProxyType(zones), privacy=privacy))


def test_each_zone_hears_the_name_as_far_as_it_allows_and_events_show_initials() -> None:
    desk = with_privacy()
    effects = desk.take(call("5", "A23", "n1", name="Bpk. Budi Santoso"))  # hall and food court
    [journal] = [e for e in effects if isinstance(e, JournalAdd)]
    assert journal.personal
    [start] = [e for e in effects if isinstance(e, StartPlay)]
    heard = {tuple(c for c, _ in start.channel_gains): start.speech.text}
    heard |= {tuple(c for c, _ in v.channel_gains): v.speech.text for v in start.variants
              if v.speech is not None}  # fmt: skip
    assert heard == {
        (0, 1): "Nomor antrean A dua puluh tiga, atas nama Bapak Budi Santoso, silakan menuju "
        "loket lima.",  # the hall
        (6, 7): "Nomor antrean A dua puluh tiga, silakan menuju loket lima.",  # the food court
    }
    desk.feed(inputs.PlayStarted(start.play))
    bodies = events(desk.effects)
    assert {b["event"] for b in bodies} >= {"queued", "started"}
    for body in bodies:
        assert "Santoso" not in json.dumps(body) and "Budi" not in json.dumps(body)
        assert body["name"] == "B. S."
    [started] = events(desk.effects, "started")
    assert started["text"] == (
        "Nomor antrean A dua puluh tiga, atas nama be es, silakan menuju loket lima."
    )


def test_no_name_is_shown_where_none_was_said() -> None:
    desk = with_privacy()
    desk.take(call("7", "B1", "n2", name="Budi Santoso", zones=["food-court"]))
    for body in events(desk.effects):
        assert "name" not in body
        assert "atas nama" not in str(body["text"])


def test_the_journal_forgets_a_name_when_its_call_has_ended(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "calls.db")
    for n in range(30):  # enough that pages are reused and checkpointed
        body = json.dumps({"ticket": f"A{n}", "id": f"p{n}"}).encode()
        journal.add(f"5/p{n}", Inbound("pager/call/5", MessageKind.CALL, "5", body, n))
    payload = json.dumps({"ticket": "A23", "name": "Budi Santoso Wirjodiprodjo"}).encode()
    journal.add("5/n1", Inbound("pager/call/5", MessageKind.CALL, "5", payload, 1.0),
                personal=True)  # fmt: skip
    files = [tmp_path / "calls.db", tmp_path / "calls.db-wal"]
    on_disk = b"".join(f.read_bytes() for f in files if f.exists())
    assert b"Wirjodiprodjo" in on_disk  # kept while the call is pending
    journal.remove("5/n1")
    on_disk = b"".join(f.read_bytes() for f in files if f.exists())
    assert b"Wirjodiprodjo" not in on_disk
    assert len(journal.pending()) == 30
    journal.close()


@pytest.mark.parametrize(
    ("section", "value", "problem"),
    [
        ("privacy", {"names": "everything"}, "privacy.names: must be one of off, initials"),
        ("privacy", {"names_shown": True}, "privacy.names_shown: must be one of off"),
        ("services", {"Pajak": {"name": "off"}}, 'services.Pajak.name: unknown key (did you mean "names"'),
        ("announcement", {"name_phrase": "atas nama"}, "announcement.name_phrase: must hold {name}"),
        ("announcement", {"template": "{ticket} {nama}"}, "unknown field {nama}"),
    ],
)  # fmt: skip
def test_privacy_settings_are_checked(
    tmp_path: Path, section: str, value: dict[str, object], problem: str
) -> None:
    overrides: dict[str, Any] = {section: value}
    cfg = write_config(tmp_path / "zones.yaml", (), **overrides)
    with pytest.raises(ConfigError) as error:
        config.load(cfg)
    assert problem in str(error.value)


def test_a_bare_yaml_off_is_off(tmp_path: Path) -> None:
    cfg = tmp_path / "zones.yaml"
    write_config(cfg)
    cfg.write_text(cfg.read_text() + "\nservices:\n  Pajak: {names: off}\n")
    loaded = config.load(cfg)
    assert loaded.services["Pajak"].names is OFF
    assert loaded.privacy.names is OFF and loaded.privacy.names_shown is INITIALS


def test_speech_errors_and_logs_never_hold_the_words_of_a_phrase(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import numpy as np

    from pager.errors import SpeechError
    from pager.tts import Synthesizer

    class Silent:  # an engine that renders silence (as pyttsx3 once did, seen in CI)
        name = "silent"

        def render(self, text: str) -> tuple[np.ndarray, int]:
            return np.zeros(22050, dtype=np.float32), 22050

    synthesizer = Synthesizer("id", 125, 48000, -20.0)
    synthesizer._engines = [Silent()]
    with caplog.at_level("INFO"), pytest.raises(SpeechError) as raised:
        synthesizer._render("atas nama Hajah Srikandi Wirjodiprodjo")
    synthesizer.close()
    assert "a phrase of 5 words" in str(raised.value)
    assert "Srikandi" not in str(raised.value) and "Srikandi" not in caplog.text
