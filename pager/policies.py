"""Settings for scheduling and background music: their dataclasses and YAML loaders."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pager.schema import Problems, Section, int_in, is_bool, number_in


def field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


PRIORITIES = ("call", "announcement", "emergency")


@dataclass(frozen=True)
class SchedulingConfig:
    max_age_s: float = 180.0  # calls older than this are dropped as expired
    repeat_interval_s: float = 15.0  # pause before a call's repeat
    max_repeats: int = 3  # the most a call may ask for
    supersede: bool = True  # a counter's next ticket replaces its queued older call
    resume_preempted: tuple[str, ...] = ("call", "announcement")  # the rest is dropped
    partial: tuple[str, ...] = ("emergency",)  # may start where free instead of waiting
    emergency_gain_db: float = 0.0  # emergencies ignore zone gains
    emergency_interval_s: float = 2.0  # pause between emergency repeats
    fade_ms: float = 20.0  # fade-out of a pre-empted or cancelled announcement
    stop_grace_s: float = 15.0  # on stop, how long a playing announcement may take to finish


@dataclass(frozen=True)
class MusicConfig:
    level_db: float = -15.0  # background music level under the zone's gain
    duck_db: float = -20.0  # how far music drops while an announcement plays in its zone
    attack_ms: float = 300.0  # time to duck
    release_ms: float = 1500.0  # time to come back


def priorities(value: Any) -> str | None:
    if not isinstance(value, list) or not all(v in PRIORITIES for v in value):
        return f"must be a list of {', '.join(PRIORITIES)}"
    return None


def load_scheduling(raw: Any, problems: Problems) -> SchedulingConfig:
    s = Section(raw, "scheduling", field_names(SchedulingConfig), problems)
    d = SchedulingConfig()
    return SchedulingConfig(
        max_age_s=float(s.get("max_age_s", d.max_age_s, number_in(5, 86400))),
        repeat_interval_s=float(s.get("repeat_interval_s", d.repeat_interval_s, number_in(0, 600))),
        max_repeats=s.get("max_repeats", d.max_repeats, int_in(0, 10)),
        supersede=s.get("supersede", d.supersede, is_bool),
        resume_preempted=tuple(s.get("resume_preempted", list(d.resume_preempted), priorities)),
        partial=tuple(s.get("partial", list(d.partial), priorities)),
        emergency_gain_db=float(s.get("emergency_gain_db", d.emergency_gain_db, number_in(-40, 0))),
        emergency_interval_s=float(
            s.get("emergency_interval_s", d.emergency_interval_s, number_in(0, 600))
        ),
        fade_ms=float(s.get("fade_ms", d.fade_ms, number_in(1, 50))),
        stop_grace_s=float(s.get("stop_grace_s", d.stop_grace_s, number_in(0, 120))),
    )


def load_music(raw: Any, problems: Problems) -> MusicConfig:
    m = Section(raw, "music", field_names(MusicConfig), problems)
    d = MusicConfig()
    return MusicConfig(
        level_db=float(m.get("level_db", d.level_db, number_in(-60, 0))),
        duck_db=float(m.get("duck_db", d.duck_db, number_in(-80, 0))),
        attack_ms=float(m.get("attack_ms", d.attack_ms, number_in(1, 10000))),
        release_ms=float(m.get("release_ms", d.release_ms, number_in(1, 30000))),
    )


def playlist(raw: Any, path: str, base: Path, problems: Problems) -> tuple[str, ...]:
    if raw is None:
        return ()
    files = [raw] if isinstance(raw, str) else raw
    if not isinstance(files, list) or not files:
        problems.add(path, "must be an audio file or a list of them")
        return ()
    good = []
    for i, name in enumerate(files):
        full = base / str(name)
        if not full.is_file():
            problems.add(f"{path}[{i}]", f"file {full} does not exist")
        else:
            good.append(str(full))
    return tuple(good)
