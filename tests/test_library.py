"""The message library: messages.NAME declared, announced by name, rendered once by
`pager check`, and recordings brought to the announcement loudness."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pytest
import soundfile

from pager import config
from pager.audio import levels, recordings
from pager.config.library import Message
from pager.core.effects import StartPlay
from pager.core.payloads import parse_announce
from pager.errors import CallRejected, ConfigError
from pager.values.messages import Inbound, MessageKind
from pager.values.priority import Priority
from tests.conftest import pager_command, write_config
from tests.desk import EXAMPLE, Desk, events

CLOSING = "Layanan berakhir lima belas menit lagi."


def a_recording(path: Path, seconds: float = 2.0, rate: int = 22050, level: float = 0.05) -> Path:
    """A stereo clip at another rate than the card's, far quieter than an announcement."""
    t = np.arange(int(seconds * rate)) / rate
    tone = level * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t)) / 2
    soundfile.write(path, np.stack([tone, 0.8 * tone], axis=1), rate)
    return path


def announce(ident: str, **fields: Any) -> Inbound:
    body = json.dumps({"id": ident, **fields}).encode()
    return Inbound("pager/announce", MessageKind.ANNOUNCE, None, body, 0)


def library_desk(**messages: Message) -> Desk:
    return Desk(dataclasses.replace(EXAMPLE, messages=MappingProxyType(messages)))


def test_a_message_of_the_library_is_announced_by_its_name() -> None:
    desk = library_desk(
        closing=Message("closing", text=CLOSING, zones=("mpp",), repeat=1, chime=False),
        drill=Message("drill", text="Latihan evakuasi.", priority=Priority.EMERGENCY),
    )
    effects = desk.take(announce("m1", message="closing"))
    [start] = [e for e in effects if isinstance(e, StartPlay)]
    assert start.speech.text == CLOSING and not start.chime and start.clip is None
    assert [c for c, _ in start.channel_gains] == [0, 1, 2]  # the mpp group
    [queued] = events(desk.effects, "queued")
    assert (queued["message"], queued["priority"], queued["zones"]) == (
        "closing",
        "announcement",
        ["tenant-hall", "waiting-area"],
    )
    job = desk.controller.scheduler.job("/m1")
    assert job is not None and job.repeats == 1
    # The library's priority, unless the desk asks for one; zones the desk names win.
    desk.take(announce("m2", message="drill"))
    assert desk.controller.scheduler.job("/m2").priority is Priority.EMERGENCY  # type: ignore[union-attr]
    desk.take(announce("m3", message="closing", zones=["food-court"], priority="emergency"))
    m3 = desk.controller.scheduler.job("/m3")
    assert m3 is not None and m3.priority is Priority.EMERGENCY and m3.zones == ("food-court",)


def test_a_recorded_message_plays_its_recording_instead_of_speech(tmp_path: Path) -> None:
    clip = a_recording(tmp_path / "closing.wav")
    desk = library_desk(closing=Message("closing", file=str(clip)))
    effects = desk.take(announce("r1", message="closing"))
    [start] = [e for e in effects if isinstance(e, StartPlay)]
    assert start.clip == "closing" and start.chime and not start.speech.phrases


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"message": "closng"}, 'unknown message closng (did you mean "closing"?)'),
        ({"message": "closing", "text": "hi"}, 'give "text" or "message"'),
        ({"message": ""}, '"message" must be a non-empty string'),
    ],
)
def test_bad_library_requests_are_rejected_with_a_reason(body: dict[str, Any], reason: str) -> None:
    desk = library_desk(closing=Message("closing", text=CLOSING))
    desk.take(announce("x", **body))
    [rejected] = events(desk.effects, "rejected")
    assert reason in str(rejected["reason"])


def test_the_payload_names_the_message() -> None:
    parsed = parse_announce(b'{"message": "closing", "id": "d1"}', 0)
    assert (parsed.message, parsed.text, parsed.priority_given) == ("closing", "", False)
    with pytest.raises(CallRejected, match='"priority" must be one of'):
        parse_announce(b'{"message": "closing", "priority": "call"}', 0)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"text": CLOSING, "file": "closing.wav"}, "messages.closing.text: give text"),
        ({"zones": ["mpp"]}, "messages.closing.text: give text"),
        ({"text": CLOSING, "zones": ["food-cort"]}, 'messages.closing.zones[0]: unknown zone or group food-cort (did you mean "food-court"'),
        ({"text": CLOSING, "priority": "call"}, "messages.closing.priority: must be announcement or emergency"),
        ({"file": "missing.wav"}, "messages.closing.file: file"),
        ({"text": CLOSING, "chimes": False}, 'messages.closing.chimes: unknown key (did you mean "chime"'),
    ],
)  # fmt: skip
def test_library_entries_are_checked(tmp_path: Path, entry: dict[str, Any], problem: str) -> None:
    if entry.get("file") == "closing.wav":
        a_recording(tmp_path / "closing.wav")
    cfg = write_config(tmp_path / "zones.yaml", messages={"closing": entry})
    with pytest.raises(ConfigError) as error:
        config.load(cfg)
    assert problem in str(error.value)


def test_a_recording_is_brought_to_the_announcement_loudness_and_peak(tmp_path: Path) -> None:
    a_recording(tmp_path / "closing.wav")
    cfg = config.load(write_config(tmp_path / "zones.yaml",
                                   messages={"closing": {"file": "closing.wav"}}))  # fmt: skip
    clip = recordings.prepared(cfg)["closing"]
    rate, target = cfg.audio.sample_rate, cfg.announcement.loudness_lufs
    assert len(clip) == pytest.approx(2.0 * rate, abs=2)
    assert levels.loudness(clip, rate) == pytest.approx(target, abs=0.5)
    assert levels.true_peak_db(clip, rate) <= -1.0
    assert not clip.flags.writeable


@pytest.mark.parametrize(
    ("content", "problem"), [(b"not audio at all", "cannot read"), (None, "holds no sound")]
)
def test_an_unreadable_recording_is_named(
    tmp_path: Path, content: bytes | None, problem: str
) -> None:
    path = tmp_path / "closing.wav"
    if content is None:
        soundfile.write(path, np.zeros(1000, dtype=np.float32), 48000)
    else:
        path.write_bytes(content)
    cfg = config.load(write_config(tmp_path / "zones.yaml",
                                   messages={"closing": {"file": "closing.wav"}}))  # fmt: skip
    with pytest.raises(ConfigError, match=f"messages.closing.file: .*{problem}"):
        recordings.prepared(cfg)


def test_pager_check_says_every_message_once(tmp_path: Path) -> None:
    a_recording(tmp_path / "closing.wav")
    cfg = write_config(tmp_path / "zones.yaml", ("messages",), messages={
        "closing": {"file": "closing.wav", "zones": ["mpp"]},
        "istirahat": {"text": "Layanan istirahat pukul 12.00 sampai 13.00 WIB."},
    })  # fmt: skip
    done = subprocess.run([*pager_command(), "check", "-c", str(cfg)], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if "message" in line]
    assert lines[0].startswith("  message closing: 2.0 s, announcement, mpp: recording ")
    assert lines[1].startswith("  message istirahat: ")
    assert lines[1].endswith(': "Layanan istirahat pukul dua belas sampai pukul tiga belas waktu '
                             'Indonesia barat."')  # fmt: skip
    say = subprocess.run([*pager_command(), "say", "-c", str(cfg), "--message", "istirahat"],
                         capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    assert say.stdout.splitlines()[0].startswith("Layanan istirahat pukul dua belas")


def test_a_reload_keeps_an_unchanged_recording_and_prepares_a_changed_one(tmp_path: Path) -> None:
    clip = a_recording(tmp_path / "closing.wav")
    path = write_config(tmp_path / "zones.yaml", messages={"closing": {"file": "closing.wav"}})
    first = recordings.prepared(config.load(path))["closing"]
    assert recordings.prepared(config.load(path))["closing"] is first  # not read again
    a_recording(clip, seconds=3.0)  # the technician replaced the file
    again = recordings.prepared(config.load(path))["closing"]
    assert again is not first and len(again) == pytest.approx(3.0 * 48000, abs=2)
