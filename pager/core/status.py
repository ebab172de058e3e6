"""What the retained status says about the node: audio health, queues, what plays, waits."""

from __future__ import annotations

from collections.abc import Mapping

from pager.core.health import HealthReports
from pager.core.plays import Airtime, Plays
from pager.core.scheduler import Scheduler


def details(
    scheduler: Scheduler, depths: Mapping[str, int], health: HealthReports, audio_ok: bool
) -> dict[str, object]:
    """The status's fields that change only with what happens (not with the clock);
    `depths` are the scheduler's queue depths."""
    return {
        "audio": "ok" if audio_ok else "failed",
        "queues": dict(depths),
        "playing": {zone: shown(scheduler, play) for zone, play in scheduler.playing().items()},
        "xruns": health.xruns,
        "callback_errors": health.callback_errors,
    }


def waits(
    depths: Mapping[str, int], plays: Plays, airtime: Airtime, combine_max: int, now: float
) -> dict[str, int]:
    """Per zone (with its queue depth), about how many seconds a new call would wait for its
    own sentence."""
    busy_for = plays.busy_for(now)
    return {
        zone: round(airtime.wait(busy_for.get(zone, 0.0), waiting, combine_max))
        for zone, waiting in depths.items()
    }


def shown(scheduler: Scheduler, play_id: str) -> str:
    """The id shown for what plays: the call's (the first still playing of a combined
    announcement)."""
    members = scheduler.members(play_id) or [play_id]
    job = scheduler.job(members[0])
    return job.shown_id if job is not None else play_id
