"""Indonesian words for tickets, numbers, counters, times and dates (table-driven, no audio)."""

from __future__ import annotations

import pytest

from pager.language.lexicon import DEFAULT_LEXICON
from pager.language.words import (
    LETTER_NAMES,
    date_words,
    number_words,
    read_counter,
    read_ticket,
    time_words,
)


@pytest.mark.parametrize(
    ("ticket", "spoken"),
    [
        ("A023", "A dua puluh tiga"),
        ("B112", "be seratus dua belas"),
        ("A007", "A tujuh"),
        ("A000", "A nol"),
        ("C1", "ce satu"),
        ("D10", "de sepuluh"),
        ("E11", "E sebelas"),
        ("F19", "ef sembilan belas"),
        ("G100", "ge seratus"),
        ("H1000", "ha seribu"),
        ("Q9", "ki sembilan"),
        ("W45", "we empat puluh lima"),
        ("X999", "eks sembilan ratus sembilan puluh sembilan"),
        ("a-12", "A dua belas"),
        ("AB 3", "A be tiga"),
        ("42", "empat puluh dua"),
        ("SIM5", "es I em lima"),
    ],
)
def test_tickets_are_read_the_indonesian_way(ticket: str, spoken: str) -> None:
    assert read_ticket(ticket) == spoken


@pytest.mark.parametrize("ticket", ["", "A", "ABCD1", "A12345", "A1B", "A+1", "<speak>1", "1.5"])
def test_malformed_tickets_are_refused_with_a_reason(ticket: str) -> None:
    with pytest.raises(ValueError, match="letters followed by 1-4 digits"):
        read_ticket(ticket)


def test_every_letter_has_its_indonesian_name() -> None:
    assert len(LETTER_NAMES) == 26
    assert [LETTER_NAMES[c] for c in "BCQWXYZ"] == ["be", "ce", "ki", "we", "eks", "ye", "zet"]


@pytest.mark.parametrize(
    ("number", "words"),
    [(0, "nol"), (1, "satu"), (11, "sebelas"), (20, "dua puluh"), (101, "seratus satu"),
     (1234, "seribu dua ratus tiga puluh empat"), (9999, "sembilan ribu sembilan ratus "
     "sembilan puluh sembilan")],
)  # fmt: skip
def test_numbers(number: int, words: str) -> None:
    assert number_words(number) == words


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (10000, "sepuluh ribu"),
        (25000, "dua puluh lima ribu"),
        (1_500_000, "satu juta lima ratus ribu"),
        (2_000_000_000, "dua miliar"),
        (10**15, "satu nol nol nol nol nol nol nol nol nol nol nol nol nol nol nol"),
        (-5, "minus lima"),
    ],
)
def test_large_numbers_are_never_clamped(number: int, words: str) -> None:
    assert number_words(number) == words


@pytest.mark.parametrize(
    ("ticket", "spoken"),
    [("A007", "A nol nol tujuh"), ("A023", "A nol dua puluh tiga"), ("A000", "A nol nol nol"),
     ("A100", "A seratus"), ("B5", "be lima")],
)  # fmt: skip
def test_leading_zeros_can_be_read_out(ticket: str, spoken: str) -> None:
    assert read_ticket(ticket, zeros="read") == spoken


@pytest.mark.parametrize(
    ("counter", "spoken"),
    [
        ("5", "lima"),
        ("12", "dua belas"),
        ("12B", "dua belas be"),
        ("pajak", "pajak"),
        ("A-3", "A tiga"),
        ("loket-3", "tiga"),
        ("Loket_12", "dua belas"),
        ("LOKET3", "tiga"),
        ("NIB", "en I be"),
        ("UMKM-2", "U em ka em dua"),
        ("SIM", "sim"),
        ("KTP_1", "ka te pe satu"),
    ],
)
def test_counters(counter: str, spoken: str) -> None:
    assert read_counter(counter, DEFAULT_LEXICON) == spoken


@pytest.mark.parametrize(
    ("hours", "minutes", "spoken"),
    [(8, 0, "delapan"), (8, 30, "delapan lewat tiga puluh menit"), (15, 0, "lima belas"),
     (0, 5, "nol lewat lima menit"), (12, 15, "dua belas lewat lima belas menit")],
)  # fmt: skip
def test_times_of_day(hours: int, minutes: int, spoken: str) -> None:
    assert time_words(hours, minutes) == spoken


def test_dates() -> None:
    assert date_words(17, 8, 2025) == "tujuh belas Agustus dua ribu dua puluh lima"
    assert date_words(1, 1) == "satu Januari"
    with pytest.raises(ValueError):
        date_words(32, 1, 2025)
