"""Server-sent events, written once for the web server's three streams (the status page's,
the screens', the API's): each reader has a bounded queue of ready messages; one that does
not read is cut off (its browser reconnects), never waited for, so no reader can hold up the
event loop or grow its memory."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

from aiohttp import web

Key = TypeVar("Key")
Reader = asyncio.Queue[bytes | None]
STILL_HERE = b": still here\n\n"  # a comment: keeps proxies and the browser's link alive


def message(kind: str, data: str) -> bytes:
    """One event: its kind and its data (one line of JSON)."""
    return f"event: {kind}\ndata: {data}\n\n".encode()


class Streams(Generic[Key]):
    """The open streams, each with what it follows (`Key`)."""

    def __init__(self, backlog: int) -> None:
        self.backlog = backlog
        self._readers: dict[Reader, Key] = {}

    def __len__(self) -> int:
        return len(self._readers)

    def readers(self) -> list[tuple[Reader, Key]]:
        return list(self._readers.items())

    def send(self, reader: Reader, data: bytes) -> None:
        """To one reader; a reader that is `backlog` messages behind is cut off."""
        try:
            reader.put_nowait(data)
        except asyncio.QueueFull:
            self._readers.pop(reader, None)
            self._end(reader)

    def close(self) -> None:
        """Every stream ends (the server stops)."""
        for reader in list(self._readers):
            self._end(reader)

    async def serve(self, request: web.Request, key: Key, first: bytes = b"",
                    idle_s: float = 15.0, idle: Callable[[], bytes] = lambda: STILL_HERE,
                    ) -> web.StreamResponse:  # fmt: skip
        """The response of one stream: `first`, then what is sent to it, and `idle()` after
        each `idle_s` without anything, until it is cut off or its browser leaves."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        reader: Reader = asyncio.Queue(self.backlog)
        self._readers[reader] = key
        try:
            if first:
                await response.write(first)
            while True:
                try:
                    data = await asyncio.wait_for(reader.get(), idle_s)
                except TimeoutError:
                    data = idle()
                if data is None:
                    break
                await response.write(data)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._readers.pop(reader, None)
        return response

    @staticmethod
    def _end(reader: Reader) -> None:
        while not reader.empty():
            reader.get_nowait()
        reader.put_nowait(None)
