"""The API's tokens as the web server checks them: the `http.tokens_file` read again when it
changes (a token made or revoked by `pager counter token` counts at once), and each token
that passed its (deliberately slow) hash remembered by a fast digest of it, in memory only."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from pager.config import tokens

log = logging.getLogger(__name__)


class TokenBook:
    def __init__(self, path: str | None) -> None:
        self._path = Path(path) if path else None
        self._stamp: tuple[int, int] | None = None
        self._entries: dict[str, tokens.TokenEntry] = {}
        self._passed: dict[bytes, str] = {}  # sha256 of a token that matched -> its holder

    def holder(self, token: str) -> str | None:
        """Whom `token` speaks for, or None (unknown, revoked, no tokens file)."""
        self._refresh()
        if not token:
            return None
        digest = hashlib.sha256(token.encode()).digest()
        known = self._passed.get(digest)
        if known is not None:
            return known
        holder = tokens.holder_of(token)
        entry = self._entries.get(holder) if holder else None
        if entry is None or not tokens.matches(token, entry.hash):
            return None
        self._passed[digest] = entry.holder
        return entry.holder

    def _refresh(self) -> None:
        if self._path is None:
            return
        try:
            stat = self._path.stat()
        except OSError:
            stamp = None
        else:
            stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp == self._stamp:
            return
        self._stamp, self._passed = stamp, {}
        if stamp is None:
            self._entries = {}
            log.warning("http.tokens_file %s does not exist: no API token is valid "
                        "(pager counter token ID makes one)", self._path)  # fmt: skip
            return
        try:
            self._entries = tokens.read(self._path)
        except tokens.TokenFileError as error:
            self._entries = {}
            log.error("no API token is valid until the tokens file is fixed: %s", error)
