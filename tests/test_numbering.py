"""The caller page's ticket numbers (`services.NAME.prefix`): per day and per service, kept
on disk across restarts; and the prefix's config checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pager import config
from pager.errors import ConfigError
from pager.web.numbering import DAYS_KEPT, TicketNumbers, ticket
from tests.conftest import write_config

NOON_WIB = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))).timestamp()


def test_tickets_are_printed_as_the_dispensers_do() -> None:
    assert [ticket("A", 1), ticket("PJK", 24), ticket("B", 1000)] == ["A001", "PJK024", "B1000"]


def test_numbers_are_per_service_and_day_and_survive_a_restart(tmp_path: Path) -> None:
    numbers = TicketNumbers(tmp_path, "Asia/Jakarta")
    day = numbers.today(NOON_WIB)
    assert day == "2026-12-04"
    assert numbers.last("SIM", day) == 0
    numbers.take("SIM", day, 1)
    numbers.take("SIM", day, 2)
    numbers.take("Pajak", day, 1)
    numbers.take("SIM", day, 1)  # an older number never lowers the last one
    numbers.close()
    again = TicketNumbers(tmp_path, "Asia/Jakarta")  # the daemon restarted
    assert again.last("SIM", day) == 2 and again.last("Pajak", day) == 1
    tomorrow = again.today(NOON_WIB + 86400)
    assert again.last("SIM", tomorrow) == 0  # each day starts at 1
    # The day is the hall's (WIB): 23:30 UTC is already the next morning in Jakarta.
    assert again.today(NOON_WIB + 12 * 3600) == "2026-12-05"
    # Old days are deleted as new ones come.
    later = (dt.date(2026, 12, 4) + dt.timedelta(days=DAYS_KEPT + 1)).isoformat()
    again.take("SIM", later, 1)
    assert again.last("SIM", day) == 0
    again.close()


def test_a_prefix_is_letters_and_belongs_to_one_service(tmp_path: Path) -> None:
    ok = write_config(tmp_path / "ok.yaml", services={"SIM": {"prefix": "a"}})
    assert config.load(ok).services["SIM"].prefix == "A"
    bad = write_config(tmp_path / "bad.yaml", services={"SIM": {"prefix": "A1"},
                                                        "Pajak": {"prefix": "B"},
                                                        "Samsat": {"prefix": "b"}})  # fmt: skip
    with pytest.raises(ConfigError) as error:
        config.load(bad)
    problems = "\n".join(error.value.problems)
    assert "services.SIM.prefix: 'A1' is not 1 to 3 letters" in problems
    assert "services.Samsat.prefix: B is services.Pajak's prefix already" in problems
