"""Topics to message kinds (the MQTT contract's topic names)."""

from __future__ import annotations

from pager.core.model import MessageKind
from pager.io.mqtt import classify


def test_topics_are_classified() -> None:
    assert classify("pager", "pager/call/5") == (MessageKind.CALL, "5")
    assert classify("pager", "pager/cancel/5") == (MessageKind.CANCEL, "5")
    assert classify("pager", "pager/cancel") == (MessageKind.CANCEL, None)
    assert classify("pager", "pager/announce") == (MessageKind.ANNOUNCE, None)
    assert classify("pager", "pager/call/5/x") == (MessageKind.UNKNOWN, None)
    assert classify("pager", "other/call/5") == (MessageKind.UNKNOWN, None)
    assert classify("mpp/pager", "mpp/pager/call/A-1") == (MessageKind.CALL, "A-1")
