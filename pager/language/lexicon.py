"""How written forms are spoken: acronyms and abbreviations of a public-service hall.

Applied to whole words (an entry never matches inside a longer word) before anything else,
longest entry first; the config's `announcement.lexicon` adds to it and may override it.
"""

from __future__ import annotations

from collections.abc import Mapping

# Acronyms said as words, or spelled the way people say them.
ACRONYMS: Mapping[str, str] = {
    "SIM": "sim",
    "KTP": "ka te pe",
    "e-KTP": "e ka te pe",
    "KK": "ka ka",
    "NIK": "nik",
    "NPWP": "en pe we pe",
    "BPJS": "be pe je es",
    "SKCK": "es ka ce ka",
    "NIB": "en I be",
    "OSS": "O es es",
    "PBB": "pe be be",
    "STNK": "es te en ka",
    "BPKB": "be pe ka be",
    "MPP": "em pe pe",
    "Dukcapil": "dukcapil",
    "Disdukcapil": "dis dukcapil",
    "Samsat": "samsat",
    "WIB": "waktu Indonesia barat",
    "WITA": "waktu Indonesia tengah",
    "WIT": "waktu Indonesia timur",
}

# Abbreviations written with a full stop.
ABBREVIATIONS: Mapping[str, str] = {
    "No.": "nomor",
    "no.": "nomor",
    "Jl.": "jalan",
    "Jln.": "jalan",
    "Tgl.": "tanggal",
    "tgl.": "tanggal",
    "dll.": "dan lain-lain",
    "dsb.": "dan sebagainya",
    "dst.": "dan seterusnya",
    "a.n.": "atas nama",
    "u.p.": "untuk perhatian",
    "s.d.": "sampai dengan",
    "s/d": "sampai dengan",
    "Yth.": "yang terhormat",
    "Bpk.": "bapak",
    "Sdr.": "saudara",
    "Sdri.": "saudari",
    "Ny.": "nyonya",
    "Tn.": "tuan",
    "dr.": "dokter",
    "Dr.": "doktor",
    "Prof.": "profesor",
    "Ir.": "insinyur",
    "cth.": "contoh",
    "Cth.": "contoh",
    "Telp.": "telepon",
    "Tlp.": "telepon",
    "telp.": "telepon",
    "Hp.": "nomor ponsel",
    "Kab.": "kabupaten",
    "Kec.": "kecamatan",
    "Kel.": "kelurahan",
    "Prov.": "provinsi",
}

DEFAULT_LEXICON: Mapping[str, str] = {**ACRONYMS, **ABBREVIATIONS}
