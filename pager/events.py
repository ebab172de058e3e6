"""What the daemon tells the world: events per call and the retained status."""

from __future__ import annotations

import time
from typing import Any

from pager.mqtt import MqttLink
from pager.scheduler import Job, Scheduler


class Reporter:
    """Publishes events and, when it changed, the retained status."""

    def __init__(self, link: MqttLink, node: str) -> None:
        self.link = link
        self.node = node
        self._last_status: dict[str, Any] = {}

    def job(self, event: str, job: Job, zones: tuple[str, ...], **fields: Any) -> None:
        """An event about one call or message."""
        announcement = job.payload
        fields.setdefault("text", announcement.text if announcement else None)
        if not fields.get("reason"):
            fields.pop("reason", None)
        self.event(event, id=job.id, priority=job.priority.label, ticket=job.ticket,
                   counter=job.counter, zones=list(zones), play=job.play, **fields)  # fmt: skip

    def event(self, event: str, **fields: Any) -> None:
        body: dict[str, Any] = {"event": event, "node": self.node, **fields}
        body["ts"] = round(time.time(), 3)
        self.link.publish_event(body)

    def status(self, scheduler: Scheduler, audio_ok: bool) -> None:
        """The retained status, if anything in it changed."""
        status = {
            "audio": "ok" if audio_ok else "failed",
            "queues": scheduler.queue_depths(),
            "playing": scheduler.playing(),
        }
        if status != self._last_status:
            self._last_status = status
            self.link.publish_status(**status)

    def status_again(self) -> None:
        """Publish the status at the next chance even if unchanged (after a reconnect)."""
        self._last_status = {}
