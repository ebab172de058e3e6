"""Building the daemon's parts from the config (shared by `pager run`, `pager say` and reload)."""

from __future__ import annotations

from pager.calls import Announcer
from pager.config import Config
from pager.policies import SchedulingConfig
from pager.scheduler import Policy, Priority
from pager.tts import Synthesizer

PRIORITIES = {p.label: p for p in Priority}


def make_synthesizer(config: Config) -> Synthesizer:
    a = config.announcement
    return Synthesizer(a.voice, a.rate, config.audio.sample_rate, a.loudness_lufs)


def make_announcer(config: Config) -> Announcer:
    a = config.announcement
    return Announcer(config.routing(), a.template, a.lexicon, a.repeat_prefix)


def make_policy(scheduling: SchedulingConfig) -> Policy:
    return Policy(
        max_age_s=scheduling.max_age_s,
        repeat_interval_s=scheduling.repeat_interval_s,
        supersede=scheduling.supersede,
        resume_preempted=frozenset(PRIORITIES[p] for p in scheduling.resume_preempted),
        partial=frozenset(PRIORITIES[p] for p in scheduling.partial),
        emergency_interval_s=scheduling.emergency_interval_s,
    )
