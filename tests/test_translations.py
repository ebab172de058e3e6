"""The words people read come from the catalogues: every marked string has its Indonesian,
with the same fields, and what `pager status`, `history` and `stats` print holds no word
that did not come through the catalogue (a pseudo-language shows any that slipped by)."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import pytest
from babel.messages import pofile
from babel.messages.extract import extract_from_dir
from rich.console import Console

from pager import translations
from pager.io import calllog
from pager.tools import history, stats
from pager.tools.board import Board, event_line
from pager.values.events import EventName
from pager.web import pages
from pager.web.public import STRINGS
from tests.test_history import a_morning

ROOT = Path(__file__).parent.parent
FIELDS = re.compile(r"\{(\w*)\}")
# Words that are data, not text: zone and node names, an event's reason (the contract's
# words, as the logs), the version.
DATA = re.compile(r"[a-z]+(?:-[a-z]+)+|\b(?:pager|hall|mpp|ok|v\d[\w.]*)\b")
REASON = re.compile(r"⟧: .*?(?=\s{2,}|$)", re.MULTILINE)
MARKED = re.compile(r"⟦[^⟦⟧]*⟧")


def extracted() -> set[str]:
    """Every string the sources mark (what `pybabel extract -F babel.cfg` finds)."""
    method_map = [("pager/**.py", "python"), ("pager/web/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map={"pager/web/templates/**.html": {}}
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_marked_string_has_its_indonesian_with_the_same_fields() -> None:
    marked = extracted()
    assert {"not connected", "Document ready", "Zones", "no calls match"} <= marked
    words = translations.catalogue("id")
    for message in sorted(marked):
        said = words.gettext(message)
        assert said != message or message in {"audio", "broker", "node", "disk"}, (
            f"untranslated: {message}"
        )
        assert sorted(FIELDS.findall(said)) == sorted(FIELDS.findall(message)), message
    with (ROOT / "pager" / "locale" / "pager.pot").open("rb") as file:
        template = {m.id for m in pofile.read_po(file) if m.id}
    assert template == marked, "pager/locale/pager.pot is out of date: extract it again"
    assert translations.translator("id")("not connected") == "tidak terhubung"
    assert translations.translator("en")("not connected") == "not connected"


def test_every_event_and_every_script_string_is_in_the_catalogue() -> None:
    marked = extracted()
    for name in EventName:
        assert name.value in translations.EVENT_WORDS, f"no words for the event {name.value}"
    tables = (
        STRINGS,
        pages.STATUS_STRINGS,
        pages.PROGRESS,
        pages.LINE_STATES,
        translations.EVENT_WORDS,
    )
    for table in tables:
        assert set(table.values()) <= marked


def pseudo(message: str) -> str:
    return f"⟦{message}⟧"


def leftovers(text: str) -> list[str]:
    """Words of three letters or more that did not come through the catalogue."""
    text = REASON.sub("⟧", text)
    while MARKED.search(text):
        text = MARKED.sub(" ", text)
    return re.findall(r"[A-Za-z]{3,}", DATA.sub(" ", text))


@pytest.fixture
def log(tmp_path: Path) -> Path:
    written = calllog.CallLog(tmp_path / calllog.FILE_NAME, keep_days=90)
    written.start()
    for body in a_morning(time.time() - 1000):
        written.record(body)
    written.close()
    return written.path


def test_history_and_stats_print_only_catalogued_words(log: Path) -> None:
    found = history.records(calllog.read(log))
    table = history.as_table(found, pseudo)
    assert "⟦received⟧" in table
    assert not leftovers(table), table
    assert history.as_table([], pseudo) == "⟦no calls match⟧"
    day = stats.compute(dt.date.today(), found)
    text = stats.as_text(day, pseudo)
    assert not leftovers(text), text


def test_status_prints_only_catalogued_words() -> None:
    board = Board("pager", words=pseudo)
    status = {"state": "online", "node": "hall", "audio": "ok", "xruns": 0, "ts": time.time(),
              "queues": {"tenant-hall": 1, "food-court": 9}, "playing": {"tenant-hall": "c1"},
              "waits": {"tenant-hall": 12, "food-court": 21}, "compact": ["food-court"],
              "version": "0.1.0", "storage": "failed",
              "storage_failing": [{"store": "journal", "path": "/var/lib/pager/state/calls.db",
                                   "reason": "database or disk is full", "since": 1.0}],
              "recent": [{"id": "c1", "ticket": "A1", "counter": "5", "event": "started",
                          "zones": ["tenant-hall"], "kind": "pickup", "ts": time.time()}]}  # fmt: skip
    board.nodes = {"hall": status, "mpp": {**status, "state": "offline"}}
    board.standbys = {"pager-mpp-b": {"state": "standby", "node": "mpp", "audio": "ok"}}
    event = {"event": "expired", "node": "hall", "id": "c2", "ticket": "B2", "counter": "7",
             "ts": time.time()}  # fmt: skip
    board.events.append(event)
    console = Console(record=True, width=200)
    console.print(board.render())
    shown = console.export_text()
    assert "⟦Last calls⟧" in shown and "⟦expired⟧" in shown
    assert "⟦12 s⟧" in shown and "⟦21 s, compact⟧" in shown  # a compact zone says so
    assert not leftovers(shown), shown
    line = event_line(event, pseudo)
    assert line.split()[2] == "expired", "a followed event keeps its contract name"
    assert not leftovers(line.replace(" expired ", " ")), line
