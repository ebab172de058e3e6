"""Free text to plain words, as an Indonesian announcer reads it (table-driven, no audio).

The expected readings are written from Indonesian usage, not from the code's output.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pager.core.payloads import parse_announce
from pager.language.lexicon import DEFAULT_LEXICON
from pager.language.normalize import verbalize

CASES = [
    # Plain numbers, never clamped.
    ("10000 lembar", "sepuluh ribu lembar"),
    ("Tersedia 3 loket", "Tersedia tiga loket"),
    ("Antrean ke-12", "Antrean kedua belas"),
    ("Lantai 2", "Lantai dua"),
    ("Tahun 2025", "Tahun dua ribu dua puluh lima"),
    (
        "123456789 orang",
        "seratus dua puluh tiga juta empat ratus lima puluh enam ribu "
        "tujuh ratus delapan puluh sembilan orang",
    ),
    # Thousands with full stops, decimals with a comma.
    ("1.500 pengunjung", "seribu lima ratus pengunjung"),
    ("2.000.000 penduduk", "dua juta penduduk"),
    ("1.000.000.000", "satu miliar"),
    ("Berat 2,5 kg", "Berat dua koma lima kilogram"),
    ("3,75 meter", "tiga koma tujuh lima meter"),
    ("1.234,5", "seribu dua ratus tiga puluh empat koma lima"),
    # Money.
    ("Biaya Rp 25.000", "Biaya dua puluh lima ribu rupiah"),
    ("Biaya Rp25.000", "Biaya dua puluh lima ribu rupiah"),
    ("Biaya Rp. 50.000,-", "Biaya lima puluh ribu rupiah"),
    ("Rp 1.500.000", "satu juta lima ratus ribu rupiah"),
    ("Rp 2.500,50", "dua ribu lima ratus rupiah lima puluh sen"),
    ("IDR 10.000", "sepuluh ribu rupiah"),
    ("Denda 100.000 rupiah", "Denda seratus ribu rupiah"),
    # Percentages.
    ("Diskon 2,5%", "Diskon dua koma lima persen"),
    ("Diskon 50%", "Diskon lima puluh persen"),
    ("Pajak 10 %", "Pajak sepuluh persen"),
    ("100% gratis", "seratus persen gratis"),
    # Times.
    ("pukul 15.00", "pukul lima belas"),
    ("pukul 08.30", "pukul delapan lewat tiga puluh menit"),
    ("Buka 08:00", "Buka pukul delapan"),
    ("Buka pukul 08.00 WIB", "Buka pukul delapan waktu Indonesia barat"),
    ("Tutup pukul 16.00 WITA", "Tutup pukul enam belas waktu Indonesia tengah"),
    ("Pukul 12.15 WIT", "pukul dua belas lewat lima belas menit waktu Indonesia timur"),
    ("jam 13.45", "jam tiga belas lewat empat puluh lima menit"),
    ("Istirahat 12.00-13.00", "Istirahat pukul dua belas sampai pukul tiga belas"),
    ("Loket 1-4", "Loket satu sampai empat"),
    ("jam 8", "jam delapan"),
    # Dates.
    ("17/08/2025", "tujuh belas Agustus dua ribu dua puluh lima"),
    ("17-08-2025", "tujuh belas Agustus dua ribu dua puluh lima"),
    ("Tgl. 1/2/2026", "tanggal satu Februari dua ribu dua puluh enam"),
    ("tanggal 31-12-2025", "tanggal tiga puluh satu Desember dua ribu dua puluh lima"),
    ("17 Agustus 2025", "tujuh belas Agustus dua ribu dua puluh lima"),
    # Phone numbers, NIK and codes: digit by digit.
    (
        "Hubungi 0812-3456-7890",
        "Hubungi nol delapan satu dua tiga empat lima enam tujuh delapan sembilan nol",
    ),
    ("Telepon 021 555 1234", "Telepon nol dua satu lima lima lima satu dua tiga empat"),
    (
        "+62 812 3456 7890",
        "plus enam dua delapan satu dua tiga empat lima enam tujuh delapan sembilan nol",
    ),
    (
        "NIK 3171234567890001",
        "nik tiga satu tujuh satu dua tiga empat lima enam tujuh delapan sembilan nol nol nol satu",
    ),
    ("Kode 0123", "Kode nol satu dua tiga"),
    ("Kode pos 10110", "Kode pos sepuluh ribu seratus sepuluh"),
    # Tickets inside free text.
    ("Nomor A001 ke loket 3", "Nomor A satu ke loket tiga"),
    ("Antrean B-12 dipanggil", "Antrean be dua belas dipanggil"),
    ("Tiket C105 dan D7", "Tiket ce seratus lima dan de tujuh"),
    ("Nomor AB12", "Nomor A be dua belas"),
    # Slashes, abbreviations, acronyms.
    ("Bapak/Ibu", "Bapak atau Ibu"),
    ("Bapak/Ibu yang terhormat", "Bapak atau Ibu yang terhormat"),
    ("buka 24/7", "buka dua puluh empat per tujuh"),
    ("Jl. Sudirman No. 5", "jalan Sudirman nomor lima"),
    ("Tgl. lahir", "tanggal lahir"),
    ("KTP, KK, dll.", "ka te pe, ka ka, dan lain-lain"),
    ("a.n. Budi", "atas nama Budi"),
    ("Senin s.d. Jumat", "Senin sampai dengan Jumat"),
    ("Senin s/d Jumat", "Senin sampai dengan Jumat"),
    ("Yth. Sdr. Andi", "yang terhormat saudara Andi"),
    ("Kec. Menteng", "kecamatan Menteng"),
    ("Pelayanan KTP", "Pelayanan ka te pe"),
    ("SIM", "sim"),
    ("IGD", "I ge de"),
    ("BPJS Kesehatan", "be pe je es Kesehatan"),
    ("Loket OSS 2", "Loket O es es dua"),
    ("Perpanjangan STNK", "Perpanjangan es te en ka"),
    ("UMKM", "U em ka em"),
    ("LOKET TUTUP", "loket tutup"),
    ("HARAP TENANG", "harap tenang"),
    ("DKI Jakarta", "de ka I Jakarta"),
    ("ATM BCA", "A te em be ce A"),
    ("RT 05 RW 03", "er te nol lima er we nol tiga"),
    ("e-KTP", "e ka te pe"),
    # Symbols and spacing.
    ("Pajak & Retribusi", "Pajak dan Retribusi"),
    ("Pajak  Daerah", "Pajak Daerah"),
    ("Harap tenang , terima kasih", "Harap tenang, terima kasih"),
    ("Loket 3,4,5 tutup", "Loket tiga, empat, lima tutup"),
    ("Hari ini: Senin.", "Hari ini: Senin."),
]


@pytest.mark.parametrize(("written", "spoken"), CASES)
def test_free_text_is_read_as_an_announcer_reads_it(written: str, spoken: str) -> None:
    assert verbalize(written, DEFAULT_LEXICON) == spoken


@pytest.mark.parametrize(("written", "_"), CASES)
def test_the_spoken_line_holds_only_plain_words(written: str, _: str) -> None:
    spoken = verbalize(written, DEFAULT_LEXICON)
    assert not re.search(r"[\d%/&+=@]", spoken), spoken
    assert not re.search(r"\w[.,;:!?]\w", spoken), spoken  # no punctuation glued between words


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 60


def test_leading_zeros_of_tickets_in_free_text_follow_the_setting() -> None:
    assert verbalize("Nomor A007", DEFAULT_LEXICON, zeros="read") == "Nomor A nol nol tujuh"
    assert verbalize("Nomor A007", DEFAULT_LEXICON) == "Nomor A tujuh"


def test_lexicon_entries_match_whole_words_only() -> None:
    assert verbalize("Tabungan SIMPANAN", {"SIM": "sim"}) == "Tabungan simpanan"
    assert verbalize("SIM-A", {"SIM": "sim"}) == "sim-A"
    assert verbalize("Layanan SIM keliling", {"SIM": "surat izin mengemudi"}) == (
        "Layanan surat izin mengemudi keliling"
    )


USAGE = Path(__file__).parent / "data" / "normalization.tsv"


def table() -> list[tuple[str, str, str]]:
    """The cases of Indonesian usage (tests/data/normalization.tsv, written before the code
    read them): written, spoken, kind."""
    rows = []
    for line in USAGE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            written, spoken, kind = line.split("\t")
            rows.append((written, spoken, kind))
    return rows


@pytest.mark.parametrize(("written", "spoken", "kind"), table())
def test_operator_text_is_read_as_indonesians_write_it(
    written: str, spoken: str, kind: str
) -> None:
    # Capitals do not change what is said ("Sdr." reads "saudara" mid-sentence too).
    assert verbalize(written, DEFAULT_LEXICON).casefold() == spoken.casefold(), kind


def test_every_kind_the_table_covers_is_there() -> None:
    assert len(table()) >= 70
    kinds = {kind for _, _, kind in table()}
    assert {"amount-scale", "amount-cents", "amount-english", "amount-informal", "date-iso",
            "ordinal", "negative", "midnight", "unit", "symbol", "url", "email",
            "abbreviation", "digits"} <= kinds  # fmt: skip


def test_an_address_is_left_out_with_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="pager.language.normalize"):
        said = verbalize("Daftar di https://mpp.go.id/daftar atau info@mpp.go.id.", {})
    assert said == "Daftar di atau."
    assert "https://mpp.go.id/daftar" in caplog.text and "info@mpp.go.id" in caplog.text


@pytest.mark.parametrize(
    "text",
    ["Biaya $5 = Rp 80rb", "Antrean #3 @ loket 2", "Suhu 36°C", 'Ketik "ya" – terima kasih',
     "Kunjungi www.mpp.go.id"],
)  # fmt: skip
def test_messages_with_common_symbols_are_taken_whole(text: str) -> None:
    message = parse_announce(json.dumps({"text": text}).encode(), 0)
    assert message.text == text
    assert verbalize(text, DEFAULT_LEXICON)
