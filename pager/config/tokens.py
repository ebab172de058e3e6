"""API tokens: the `http.tokens_file` (one `ID HASH` a line, ID a counter's id or `operator`),
how a token is made and hashed, and how one is checked. Only hashes are stored: a token is
shown once, when it is made, and never written anywhere by pager.

A token is `ID.SECRET`: its ID says which line to check it against, so a request costs one
hash, not one per line. The hash is PBKDF2-HMAC-SHA256 (hashlib) in the format Django and
passlib use: `pbkdf2_sha256$ITERATIONS$SALT$HASH` (salt and hash in base64).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from pager import files

OPERATOR = "operator"
ITERATIONS = 200_000
_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_HASH = re.compile(r"^pbkdf2_sha256\$(\d{4,9})\$([A-Za-z0-9+/=]{8,})\$([A-Za-z0-9+/=]{43,44})$")


class TokenFileError(ValueError):
    """A tokens file that cannot be used: its path and line say where."""


@dataclass(frozen=True)
class TokenEntry:
    """Who a token speaks for (a counter's id, or `operator`) and its hash."""

    holder: str
    hash: str


def new_token(holder: str) -> str:
    """A new token for `holder`: its id, a dot, 32 random bytes (URL-safe base64)."""
    if not _ID.match(holder):
        raise ValueError(f"{holder!r} is not a counter id (1-32 letters, digits, - or _)")
    return f"{holder}.{secrets.token_urlsafe(32)}"


def hash_token(token: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", token.encode(), salt, iterations)
    return (f"pbkdf2_sha256${iterations}${base64.b64encode(salt).decode()}$"
            f"{base64.b64encode(digest).decode()}")  # fmt: skip


def matches(token: str, hashed: str) -> bool:
    """Whether `token` is the one `hashed` was made from (constant time)."""
    found = _HASH.match(hashed)
    if found is None:
        return False
    iterations, salt, digest = int(found[1]), base64.b64decode(found[2]), found[3]
    given = hashlib.pbkdf2_hmac("sha256", token.encode(), salt, iterations)
    return hmac.compare_digest(base64.b64encode(given).decode(), digest)


def holder_of(token: str) -> str | None:
    """The id a token names (what precedes its dot), if it is shaped like one."""
    holder, dot, secret = token.partition(".")
    return holder if dot and secret and _ID.match(holder) else None


def read(path: str | Path) -> dict[str, TokenEntry]:
    """The tokens file's entries by holder; TokenFileError says what is wrong and where."""
    file = Path(path)
    try:
        if file.stat().st_mode & 0o077:
            raise TokenFileError(f"{file} is readable by group or others: chmod 600 it")
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise TokenFileError(f"cannot read {file}: {error.strerror or error}") from None
    except UnicodeError:
        raise TokenFileError(f"{file} is not UTF-8 text") from None
    entries: dict[str, TokenEntry] = {}
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        holder, _, hashed = text.partition(" ")
        hashed = hashed.strip()
        where = f"{file}, line {number}"
        if not _ID.match(holder):
            raise TokenFileError(f"{where}: {holder[:40]!r} is not a counter id or 'operator'")
        if not _HASH.match(hashed):
            raise TokenFileError(f"{where}: expected 'ID pbkdf2_sha256$ITERATIONS$SALT$HASH' "
                                 "(a hash, never the token itself)")  # fmt: skip
        if holder in entries:
            raise TokenFileError(f"{where}: {holder} has a token already (one a holder)")
        entries[holder] = TokenEntry(holder, hashed)
    return entries


def write(path: str | Path, entries: dict[str, TokenEntry]) -> None:
    """The tokens file with these entries, replaced atomically, mode 600."""
    file = Path(path)
    text = "".join(f"{e.holder} {e.hash}\n" for e in entries.values())
    files.replace_atomically(file, text, mode=0o600)
