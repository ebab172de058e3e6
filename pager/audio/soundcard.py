"""The sound card: one sounddevice (PortAudio) stream with all the interface's channels,
whose callback only copies the mixer's block out; reopened with backoff when the device
fails, and read by its DAC clock for timed starts."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from pager.audio.sinks import Health, OutputChange, Report, Source
from pager.audio.timing import DacClock
from pager.config.model import AudioConfig
from pager.config.zoning import Zone
from pager.errors import AudioError, did_you_mean

log = logging.getLogger(__name__)

RETRY_FIRST_S = 0.5
RETRY_MAX_S = 30.0


def list_devices(kind: str = "output") -> list[dict[str, Any]]:
    """PortAudio's devices with outputs (`kind` "output") or inputs ("input"): index, name,
    host API, channels, default rate."""
    import sounddevice

    result = []
    for device in sounddevice.query_devices():
        if device[f"max_{kind}_channels"] > 0:
            api = sounddevice.query_hostapis(device["hostapi"])["name"]
            result.append({**device, "hostapi_name": api})
    return result


def list_output_devices() -> list[dict[str, Any]]:
    """PortAudio's output devices: index, name, host API, channels, default rate."""
    return list_devices("output")


def _describe(devices: list[dict[str, Any]], kind: str) -> str:
    if not devices:
        return f"PortAudio sees no {kind} device at all"
    short = kind[:-3] if kind == "output" else kind[:2]  # "out", "in"
    rows = [f'{d["index"]}: "{d["name"]}" ({d[f"max_{kind}_channels"]} {short})' for d in devices]
    return f"{kind} devices: " + "; ".join(rows)


def resolve_device(wanted: str | int, channels: int, kind: str = "output") -> int:
    """The PortAudio index of the configured device (`kind` "output" or "input"); AudioError
    lists the devices there are."""
    import sounddevice

    devices = list_devices(kind)
    key = "audio.channels" if kind == "output" else "audio.inputs"
    if wanted == "default":
        index = sounddevice.default.device[1 if kind == "output" else 0]
        if index is None or index < 0:
            raise AudioError(f"there is no default {kind} device; {_describe(devices, kind)}")
        matches = [d for d in devices if d["index"] == index]
    elif isinstance(wanted, int):
        matches = [d for d in devices if d["index"] == wanted]
    else:
        matches = [d for d in devices if d["name"] == wanted] or [
            d for d in devices if wanted.lower() in d["name"].lower()
        ]
    if not matches:
        hint = did_you_mean(str(wanted), [d["name"] for d in devices])
        label = "audio device" if kind == "output" else "audio input device"
        raise AudioError(f'{label} "{wanted}" not found{hint}; {_describe(devices, kind)}')
    if len(matches) > 1:
        raise AudioError(f'audio device "{wanted}" is ambiguous; {_describe(matches, kind)}')
    device = matches[0]
    if device[f"max_{kind}_channels"] < channels:
        raise AudioError(
            f'audio device "{device["name"]}" has {device[f"max_{kind}_channels"]} {kind}s but '
            f"{key} is {channels}"
        )
    return int(device["index"])


def end_stream(stream: Any, *, stop: bool = False) -> None:
    """Stop a PortAudio stream (`stop`: letting its last blocks play) and close it; a failed
    device may do neither cleanly, which is only logged."""
    for end in (stream.stop, stream.close) if stop else (stream.close,):
        try:
            end()
        except Exception as error:
            log.debug("ending a stream of a device that may have failed: %s", error)


class HeldStream:
    """A PortAudio stream an output or the inputs hold: closed to be reopened after a
    failure (`_close`), or stopped for good (`stop`)."""

    def __init__(self) -> None:
        self._stream: Any = None
        self._stopping = threading.Event()

    def _close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            end_stream(stream)

    def stop(self) -> None:
        """Stop for good, letting the last blocks play; then `_stopped` (to log)."""
        self._stopping.set()
        stream, self._stream = self._stream, None
        if stream is not None:
            end_stream(stream, stop=True)
            self._stopped()

    def _stopped(self) -> None:
        """Once the stream has ended on `stop`."""


def reopen_with_backoff(
    stopping: threading.Event, close: Callable[[], None], reopen: Callable[[], None], what: str,
    *, restart: bool = True,
) -> bool:  # fmt: skip
    """Call `close`, then `reopen` (which raises AudioError, OSError or PortAudioError while
    the device is away), with a growing pause until it succeeds (True) or `stopping` is set
    (False). With `restart`, PortAudio is restarted before each try (it lists devices only
    when it starts), which ends every other stream: the output's recovery does it, the
    inputs' must not."""
    import sounddevice

    delay = RETRY_FIRST_S
    while not stopping.wait(delay):
        try:
            close()
            if restart:
                sounddevice._terminate()
                sounddevice._initialize()
            reopen()
        except (AudioError, OSError, sounddevice.PortAudioError) as error:
            log.warning("%s still unavailable (%s); next try in %.0f s", what, error,
                        min(delay * 2, RETRY_MAX_S))  # fmt: skip
            delay = min(delay * 2, RETRY_MAX_S)
            continue
        return True
    return False


class SoundDeviceSink(HeldStream):
    """A long-running PortAudio output stream; its callback only runs the mixer.

    The stream is a raw one: the callback mixes into a block of its own and copies it out,
    and while nothing sounds it copies prepared silence without running the mix at all.
    That keeps an idle stream's cost down to PortAudio's own (see BENCHMARKS.md).
    """

    def __init__(self, audio: AudioConfig) -> None:
        super().__init__()
        self.audio = audio
        self.description = f"sound device {audio.device!r}"
        self.callbacks = 0
        self.callback_errors = 0
        self.status_flags = 0
        self.first_error: BaseException | None = None
        self.report: Report = lambda fact: None
        self._source: Source | None = None
        frames, channels = audio.blocksize, audio.channels
        self._block = np.zeros((frames, channels), dtype=np.float32)
        self._silence = bytes(self._block.nbytes)
        self.clock = DacClock(audio.sample_rate)

    def start(self, source: Source) -> None:
        self._source = source
        self._open()

    def _open(self) -> None:
        import sounddevice

        index = resolve_device(self.audio.device, self.audio.channels)
        try:
            self._stream = sounddevice.RawOutputStream(
                device=index,
                channels=self.audio.channels,
                samplerate=self.audio.sample_rate,
                blocksize=self.audio.blocksize,
                dtype="float32",
                latency=self.audio.latency,
                callback=self._callback,
                finished_callback=self._finished,
            )
            self._stream.start()
        except sounddevice.PortAudioError as error:
            raise AudioError(f"cannot open {self.description}: {error}") from error
        name = sounddevice.query_devices(index)["name"]
        self.description = f'sound device {index} "{name}"'
        log.info(
            "playing on %s: %d channels at %d Hz, %d-frame blocks, output latency %.1f ms",
            self.description,
            self.audio.channels,
            self.audio.sample_rate,
            self.audio.blocksize,
            self._stream.latency * 1000,
        )

    def _callback(self, outdata: Any, frames: int, when: Any, status: Any) -> None:
        # If this raised, PortAudio would never call it again: guard it and always fill.
        try:
            self.callbacks += 1
            if status:
                self.status_flags += 1
            assert self._source is not None
            self.clock.note(self._source.frames_rendered, when.outputBufferDacTime)
            if frames == len(self._block) and self._source.skip_silence(frames):
                outdata[:] = self._silence
                return
            block = self._block[:frames]  # PortAudio keeps to the blocksize it was given
            self._source.render(block)
            outdata[:] = block
        except Exception as error:
            self.callback_errors += 1
            if self.first_error is None:
                self.first_error = error  # logged by a non-real-time thread (the runtime)
            outdata[:] = bytes(len(outdata))

    def health(self) -> Health:
        return Health(self.status_flags, self.callback_errors, self.first_error)

    def frame_at(self, when: float) -> int | None:
        stream = self._stream
        if stream is None:
            return None
        try:
            stream_now, wall_now = stream.time, time.time()
        except Exception:  # the stream is failing: PortAudio cannot tell its time
            return None
        return self.clock.frame_at(when, stream_now, wall_now)

    def set_zones(self, zones: Mapping[str, Zone]) -> None:
        pass

    def _finished(self) -> None:
        """PortAudio ended the stream: on our stop, or because the device failed."""
        if not self._stopping.is_set():
            threading.Thread(target=self._recover, name="audio-recovery", daemon=True).start()

    def _recover(self) -> None:
        """Report the failure, then reopen the device with backoff until it is back."""
        log.error("the audio output %s failed; reopening it", self.description)
        self.report(OutputChange(False, f"{self.description} stopped"))

        def close() -> None:
            self._close()
            self.clock.reset()

        if reopen_with_backoff(self._stopping, close, self._open, "audio output"):
            log.info("the audio output is back: %s", self.description)
            self.report(OutputChange(True, self.description))

    def _stopped(self) -> None:
        log.info(
            "stream closed after %d blocks (%d with under/overflow flags, %d errors)",
            self.callbacks,
            self.status_flags,
            self.callback_errors,
        )
