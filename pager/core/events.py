"""The bodies of what is published on {prefix}/event/{node}: one shape for every event."""

from __future__ import annotations

from pager.core.effects import Publish
from pager.values.events import EventName
from pager.values.jobs import Job


def event(node: str, name: EventName, now: float, /, **fields: object) -> Publish:
    body: dict[str, object] = {"event": name.value, "node": node, **fields}
    body["ts"] = round(now, 3)
    return Publish(body)


def job_event(
    node: str, name: EventName, job: Job, zones: tuple[str, ...], now: float, *,
    text: str = "", reason: str = "", **fields: object,
) -> Publish:  # fmt: skip
    """An event about one call, message or zone test."""
    if job.test is not None:
        name, fields = _test_event(name, job, fields)
    if reason:
        fields["reason"] = reason
    if job.message is not None:  # a message of the library, by its name
        fields["message"] = job.message
    if job.source is not None:  # made by the daily schedule
        fields["source"] = job.source
    if job.ticket is not None and job.test is None:  # a call: which kind, and whether final
        fields = {"kind": job.kind, "final": job.final, **fields}
        if job.name is not None:  # as privacy.names_shown allows, never more than was said
            fields["name"] = job.name
        if job.service is not None:
            fields["service"] = job.service
    return event(node, name, now, id=job.shown_id, priority=job.priority.label,
                 ticket=job.ticket, counter=job.counter, zones=list(zones), play=job.play,
                 text=text or job.text, **fields)  # fmt: skip


def _test_event(
    name: EventName, job: Job, fields: dict[str, object]
) -> tuple[EventName, dict[str, object]]:
    """A zone test's events: test-queued, test-started, and test-finished (`completed`
    false, with the reason, when a call cut it short, it was stopped or it failed)."""
    assert job.test is not None
    test = {"zone": job.test.zone, "channel": job.test.channel, "tone": job.test.tone}
    if name is EventName.QUEUED:
        return EventName.TEST_QUEUED, {**fields, **test}
    if name in (EventName.STARTED, EventName.RESUMED):
        return EventName.TEST_STARTED, {**fields, **test}
    completed = name is EventName.FINISHED
    return EventName.TEST_FINISHED, {**fields, **test, "completed": completed}
