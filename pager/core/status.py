"""What the retained status says about the node: audio health, queues, what plays, waits."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping

from pager.core.health import HealthReports
from pager.core.plays import Airtime, Plays
from pager.core.scheduler import Scheduler

RECENT_CALLS = 8
_CALL_EVENTS = frozenset({"queued", "started", "resumed", "finished", "preempted", "cancelled",
                          "expired", "superseded", "merged", "failed"})  # fmt: skip


class RecentCalls:
    """The last calls and operator messages, each with what last happened to it."""

    def __init__(self) -> None:
        self._calls: OrderedDict[tuple[object, object], dict[str, object]] = OrderedDict()

    def note(self, event: Mapping[str, object]) -> None:
        """Take one published event (events that are not about a call are ignored)."""
        name = event.get("event")
        if name not in _CALL_EVENTS:
            return
        key = (event.get("counter"), event.get("id"))
        entry = self._calls.get(key)
        if entry is None:
            entry = self._calls[key] = {"id": event.get("id"), "ticket": event.get("ticket"),
                                        "counter": event.get("counter"),
                                        "kind": event.get("kind"),
                                        "received": event.get("ts")}  # fmt: skip
            while len(self._calls) > RECENT_CALLS:
                self._calls.popitem(last=False)
        entry.update(event=name, zones=event.get("zones"), ts=event.get("ts"))

    def shown(self) -> list[dict[str, object]]:
        """Newest first."""
        return [dict(entry) for entry in reversed(self._calls.values())]


def details(
    scheduler: Scheduler, depths: Mapping[str, int], health: HealthReports, audio_ok: bool,
    recent: RecentCalls,
) -> dict[str, object]:  # fmt: skip
    """The status's fields that change only with what happens (not with the clock);
    `depths` are the scheduler's queue depths."""
    return {
        "audio": "ok" if audio_ok else "failed",
        "queues": dict(depths),
        "playing": {zone: shown(scheduler, play) for zone, play in scheduler.playing().items()},
        "xruns": health.xruns,
        "callback_errors": health.callback_errors,
        "recent": recent.shown(),
    }


def shown_depths(scheduler: Scheduler, zones: Iterable[str]) -> dict[str, int]:
    """The queue depths of the zones, and of an output of no zone while it is tested."""
    playing, configured = scheduler.playing(), set(zones)
    return {zone: depth for zone, depth in scheduler.queue_depths().items()
            if depth or zone in configured or zone in playing}  # fmt: skip


def waits(
    depths: Mapping[str, int], plays: Plays, airtime: Airtime,
    combine_max: Callable[[tuple[str, ...]], int], now: float, *,
    compacting: Collection[str] = (),
) -> dict[str, int]:  # fmt: skip
    """Per zone (with its queue depth), about how many seconds a new call would wait for its
    own sentence (in compact sentences where the zone says them now)."""
    busy_for = plays.busy_for(now)
    return {
        zone: round(
            airtime.wait(busy_for.get(zone, 0.0), waiting, combine_max((zone,)), zone in compacting)
        )
        for zone, waiting in depths.items()
    }


def shown(scheduler: Scheduler, play_id: str) -> str:
    """The id shown for what plays: the call's (the first still playing of a combined
    announcement)."""
    members = scheduler.members(play_id) or [play_id]
    job = scheduler.job(members[0])
    return job.shown_id if job is not None else play_id
