"""Indonesian reading of tickets, counters and service names (table-driven, no audio)."""

from __future__ import annotations

import pytest

from pager.indonesian import (
    DEFAULT_LEXICON,
    LETTER_NAMES,
    number_words,
    read_counter,
    read_ticket,
    verbalize,
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


def test_numbers_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError):
        number_words(10000)


@pytest.mark.parametrize(
    ("counter", "spoken"),
    [("5", "lima"), ("12", "dua belas"), ("12B", "dua belas be"), ("pajak", "pajak"),
     ("A-3", "A tiga")],
)  # fmt: skip
def test_counters(counter: str, spoken: str) -> None:
    assert read_counter(counter) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("Pelayanan KTP", "Pelayanan ka te pe"),
        ("SIM", "sim"),
        ("No. 3", "nomor tiga"),
        ("IGD", "I ge de"),
        ("Pajak  Daerah", "Pajak Daerah"),
        ("BPJS Kesehatan", "be pe je es Kesehatan"),
        ("Loket OSS 2", "Loket o es es dua"),
    ],
)
def test_service_names_become_plain_words(written: str, spoken: str) -> None:
    assert verbalize(written, DEFAULT_LEXICON) == spoken


def test_lexicon_entries_match_whole_words_only() -> None:
    assert verbalize("Tabungan SIMPANAN", {"SIM": "sim"}) == "Tabungan SIMPANAN"
    assert verbalize("SIM-A", {"SIM": "sim"}) == "sim-A"
