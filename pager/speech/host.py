"""pyttsx3 in a process of its own: a crash inside libespeak-ng costs one phrase, not pager.

pyttsx3 runs libespeak-ng inside the calling process. Seen here under load (the soak test's
2,000 calls on a CPU kept busy): a segmentation fault inside `espeak_Synth`, about once in a
few soak runs, which killed the whole daemon (systemd restarted it, and the calls in flight
played again). The child process holds the one pyttsx3 engine and renders each phrase asked
over a pipe; if it dies, or stops answering, the phrase fails over to the next engine (the
`espeak-ng` command) and the next phrase starts a new child.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import numpy as np

from pager.errors import SpeechError
from pager.speech.engines import RENDER_TIMEOUT_S, Pyttsx3Engine

log = logging.getLogger(__name__)

START_TIMEOUT_S = 60.0  # importing, loading the voice and settling the engine
ANSWER_MARGIN_S = 5.0  # beyond the engine's own render timeout


def _serve(conn: Connection, voice: str, rate: int, workdir: str) -> None:
    """The child: one engine, one phrase at a time, until told to stop (None) or the parent
    is gone (end of the pipe)."""
    try:
        engine = Pyttsx3Engine(voice, rate, Path(workdir))
    except SpeechError as error:
        conn.send(("error", str(error)))
        return
    conn.send(("ready", engine.voice))
    while True:
        try:
            text = conn.recv()
        except EOFError:
            return
        if text is None:
            return
        try:
            samples, sample_rate = engine.render(text)
            conn.send(("ok", samples, sample_rate))
        except SpeechError as error:
            conn.send(("error", str(error)))


class IsolatedPyttsx3Engine:
    """The pyttsx3 engine, rendering in a child process (started again when it died)."""

    name = "pyttsx3"

    def __init__(self, voice: str, rate: int, workdir: Path) -> None:
        self._args = (voice, rate, str(workdir))
        self._context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self.voice = self._start()

    def _start(self) -> str:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child, *self._args),
                                        name="pager-pyttsx3", daemon=True)  # fmt: skip
        process.start()
        child.close()
        self._process, self._conn = process, parent
        answer = self._answer(START_TIMEOUT_S)
        if answer[0] != "ready":
            self.close()
            raise SpeechError(str(answer[1]))
        return str(answer[1])

    def _answer(self, timeout: float) -> tuple[Any, ...]:
        """The child's answer; SpeechError (and the child stopped) when it died or stayed
        silent."""
        assert self._conn is not None and self._process is not None
        try:
            if self._conn.poll(timeout):
                answer: tuple[Any, ...] = self._conn.recv()
                return answer
            problem = f"did not answer within {timeout:g} s"
        except (EOFError, OSError):
            self._process.join(timeout=5)
            problem = f"died (exit status {self._process.exitcode})"
        self.close()
        log.error("pyttsx3's process %s; a new one starts for the next sentence", problem)
        raise SpeechError(f"pyttsx3's process {problem}")

    def render(self, text: str) -> tuple[np.ndarray, int]:
        if self._process is None or not self._process.is_alive():
            self.close()
            self._start()
        assert self._conn is not None
        try:
            self._conn.send(text)
        except OSError as error:
            self.close()
            raise SpeechError(f"pyttsx3's process is gone: {error}") from error
        answer = self._answer(RENDER_TIMEOUT_S + ANSWER_MARGIN_S)
        if answer[0] != "ok":
            raise SpeechError(str(answer[1]))
        return answer[1], int(answer[2])

    def close(self) -> None:
        """Stop the child (at once if it does not stop when asked)."""
        conn, process = self._conn, self._process
        self._conn = self._process = None
        if conn is not None:
            with contextlib.suppress(OSError):  # it is gone already
                conn.send(None)
            conn.close()
        if process is not None:
            process.join(timeout=2)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
