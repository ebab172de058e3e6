"""The documentation as its readers find it: a short README whose links all lead somewhere,
and every command's help pointing to its guide. (The site itself is built with `mkdocs
build --strict` by the test command: a broken link between its pages fails there.)"""

from __future__ import annotations

import argparse
import re

import pytest

from pager import cli
from pager.tools.guides import GUIDES
from tests.conftest import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
_LINK = re.compile(r"\]\((?!https?://|#)([^)#\s]+)(?:#[^)]*)?\)")


def test_the_readme_is_short_and_each_of_its_links_leads_to_a_page() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.encode()) <= 20_000
    links = _LINK.findall(text)
    assert "docs/petugas/index.md" in links and "docs/integration/mqtt.md" in links
    assert "docs/technician/install.md" in links
    for target in links:
        assert (ROOT / target).is_file(), target


def test_the_readmes_first_screen_names_each_readers_guide() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    first_screen = "\n".join(lines[:40])
    for guide in ("docs/technician/install.md", "docs/petugas/index.md",
                  "docs/integration/mqtt.md", "scripts/quickstart", "scripts/test"):  # fmt: skip
        assert guide in first_screen, guide


def _commands(parser: argparse.ArgumentParser, path: str = "pager") -> list[tuple[str, str]]:
    """Every (sub)command's name and help text."""
    found = [(path, parser.format_help())]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, f"{path} {name}")
    return found


@pytest.mark.parametrize(("command", "help_text"), _commands(cli._parser()))
def test_every_commands_help_ends_with_its_guide(command: str, help_text: str) -> None:
    guide = re.search(r"Guide: (\S+)$", help_text.strip())
    assert guide, f"{command}: no guide in its help"
    page = guide[1].split("docs/", 1)[1]
    assert (DOCS / page).is_file(), f"{command}: {page} is not a page of docs/"


def test_every_guide_named_is_a_page() -> None:
    for command, page in GUIDES.items():
        assert (DOCS / page).is_file(), f"{command}: {page}"
