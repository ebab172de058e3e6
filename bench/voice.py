"""The voice as a PA engineer measures it: loudness, true peak, pauses, pace, render time.

    .venv/bin/python -m bench.voice [--sentences 20]

Prints one JSON object. Sentences are calls of the example config with varied tickets.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from pager import config
from pager.audio import chime, levels
from pager.config.announcement import AnnouncementConfig
from pager.core.announcer import Announcer
from pager.core.payloads import parse_call
from pager.errors import SpeechError
from pager.language.words import syllables
from pager.speech import voices
from pager.speech.engines import EspeakCommandEngine
from pager.tools.voice_pack import script as pack_script
from pager.tts import Synthesizer
from pager.values.spoken import Spoken
from tests.conftest import EXAMPLE_CONFIG

RATE = 48000
TARGETS = (-23.0, -16.0, -12.0)


def calls(count: int) -> list[Spoken]:
    cfg = config.load(EXAMPLE_CONFIG)
    announcer = Announcer.of(cfg)
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return [
        announcer.call(
            parse_call(str(n % 8 + 1), f'{{"ticket": "{letters[n % 24]}{(37 * n) % 999 + 1}"}}'
                       .encode(), 0)
        ).speech
        for n in range(count)
    ]  # fmt: skip


def levels_at(target: float, sentences: list[Spoken]) -> dict[str, float]:
    """Median loudness and worst true peak of the rendered calls, and the chime's loudness."""
    synth = Synthesizer("id", 125, RATE, target)
    synth.start()
    try:
        rendered = [synth.speak(s) for s in sentences]
    finally:
        synth.close()
    bell = chime.prepared(AnnouncementConfig(loudness_lufs=target), RATE)
    return {
        "target_lufs": target,
        "speech_lufs_median": round(
            statistics.median(levels.loudness(r, RATE) for r in rendered), 2
        ),
        "speech_lufs_worst": round(
            max((levels.loudness(r, RATE) - target for r in rendered), key=abs) + target, 2
        ),
        "true_peak_dbtp_max": round(max(levels.true_peak_db(r, RATE) for r in rendered), 2),
        "chime_lufs": round(levels.loudness(bell, RATE), 2),
    }


def pace(sentences: list[Spoken]) -> dict[str, Any]:
    """Syllables per second while speaking (pauses left out), and the pauses as said."""
    synth = Synthesizer("id", 125, RATE, -20.0)
    synth.start()
    try:
        said, seconds = 0, 0.0
        for sentence in sentences:
            for words, _ in sentence.phrases:
                samples = synth.speak(words)
                voiced = np.flatnonzero(np.abs(samples) > 1e-3)
                seconds += (voiced[-1] - voiced[0]) / RATE
                said += syllables(words)
        whole = synth.speak(sentences[0])
    finally:
        synth.close()
    quiet = np.abs(whole) < 1e-3
    gaps, run = [], 0
    for silent in quiet:
        if silent:
            run += 1
        elif run:
            gaps.append(run / RATE)
            run = 0
    bell = chime.bell(RATE)
    prepared = chime.prepared(config.load(EXAMPLE_CONFIG).announcement, RATE)
    return {
        "syllables_per_second": round(said / seconds, 2),
        "pauses_s": sorted(round(g, 3) for g in gaps if g > 0.1),
        "chime_s": round(len(bell) / RATE, 3),
        "pause_after_chime_s": round((len(prepared) - len(bell)) / RATE, 3),
    }


def render_ms(
    voice: str, sentences: list[Spoken], only: str | None = None, pack: Path | None = None
) -> dict[str, Any]:
    """Milliseconds to render each call (cache misses) with one voice: with its engines in
    their order, with `only` one of them, or assembled from a voice pack."""
    synth = Synthesizer(voice, 125, RATE, -20.0, voice_pack=pack)
    synth.start()
    try:
        if only:
            synth._engines = [e for e in synth._engines if e.name == only]
        engines = [engine.name for engine in synth._engines]
        times = []
        failed = 0  # with one engine alone there is no fallback: its failures are counted
        for sentence in sentences:
            start = time.perf_counter()
            try:
                synth.speak(sentence)
            except SpeechError:
                failed += 1
                continue
            times.append((time.perf_counter() - start) * 1000)
    finally:
        synth.close()
    used = "voice pack, then " + ", ".join(engines) if pack else ", ".join(engines)
    return {"voice": voice, "engines": used, "failed": failed,
            "median_ms": round(statistics.median(times), 1) if times else None,
            "max_ms": round(max(times), 1) if times else None}  # fmt: skip


def recorded_pack(folder: Path) -> Path:
    """A complete voice pack for the example config, its clips spoken by espeak-ng."""
    engine = EspeakCommandEngine("id", 125)
    for phrase in pack_script(config.load(EXAMPLE_CONFIG)):
        samples, rate = engine.render(phrase)
        soundfile.write(folder / f"{phrase}.wav", samples, rate)
    return folder


def measure(count: int) -> dict[str, Any]:
    sentences = calls(count)
    renders = [
        render_ms("id", sentences),
        render_ms("id", sentences, only="pyttsx3"),
        render_ms("id", sentences, only="espeak-ng"),
        render_ms("id+f3", sentences),
    ]
    if any(v.name == "mb-id1" and v.installed for v in voices.available()):
        renders.append(render_ms("mb-id1", sentences))
    with tempfile.TemporaryDirectory(prefix="pager-bench-pack-") as folder:
        renders.append(render_ms("id", sentences, pack=recorded_pack(Path(folder))))
    return {
        "sentences": count,
        "levels": [levels_at(target, sentences) for target in TARGETS],
        "pace": pace(sentences),
        "render": renders,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=int, default=20)
    print(json.dumps(measure(parser.parse_args().sentences), indent=2))


if __name__ == "__main__":
    main()
