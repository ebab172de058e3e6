"""Where each command is explained: the page of the guide for its reader, in docs/ (the
site MkDocs builds). Every `pager` command's help ends with its guide."""

from __future__ import annotations

from pathlib import Path

# Where each command is explained: the guide for its reader (docs/, built by MkDocs).
GUIDES = {
    "pager": "index.md",
    "run": "technician/install.md",
    "call": "integration/mqtt.md",
    "say": "technician/voice.md",
    "check": "reference/configuration.md",
    "test-zone": "technician/zone-tests.md",
    "inputs": "technician/listening.md",
    "announce": "technician/operation.md",
    "schedule": "technician/operation.md",
    "status": "technician/operation.md",
    "history": "technician/operation.md",
    "stats": "technician/operation.md",
    "voice-pack": "technician/voice.md",
    "voices": "technician/voice.md",
    "devices": "technician/wiring.md",
    "counter": "technician/install.md",
}


def guide(command: str) -> str:
    """The line that points a command's help to its guide: the page in this installation's
    docs/ folder when it has one, else its path in pager's source."""
    page = GUIDES[command]
    installed = Path(__file__).resolve().parents[2] / "docs" / page
    return f"Guide: {installed if installed.is_file() else 'docs/' + page}"
