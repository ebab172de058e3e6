"""The shape of the code: the layers hold (an import that runs up one fails import-linter,
as the test command runs it), and no function, class or file grows past what a reader can
follow (60 lines, 300 lines, about 400 lines)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PAGER = ROOT / "pager"
MAX_FUNCTION, MAX_CLASS, MAX_FILE = 60, 300, 400


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).parent / "lint-imports"
    return subprocess.run([str(command), "--config", str(root / "pyproject.toml")], cwd=root,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip


def test_the_layers_hold_and_an_import_up_a_layer_breaks_them(tmp_path: Path) -> None:
    assert _lint_imports(ROOT).returncode == 0, _lint_imports(ROOT).stdout
    copy = tmp_path / "copy"
    shutil.copytree(PAGER, copy / "pager", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy)
    audio = copy / "pager" / "audio" / "levels.py"
    audio.write_text(audio.read_text() + "\nfrom pager.core import controller  # up a layer\n")
    broken = _lint_imports(copy)
    assert broken.returncode != 0
    assert "pager.audio.levels -> pager.core.controller" in broken.stdout, broken.stdout


def test_no_function_class_or_file_of_pager_is_too_long_to_follow() -> None:
    too_long = []
    for path in sorted(PAGER.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT)
        if len(text.splitlines()) > MAX_FILE:
            too_long.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                assert node.end_lineno is not None
                size = node.end_lineno - node.lineno + 1
                limit = MAX_CLASS if isinstance(node, ast.ClassDef) else MAX_FUNCTION
                if size > limit:
                    too_long.append(f"{name}:{node.lineno} {node.name}: {size} lines")
    assert not too_long, "split by responsibility: " + "; ".join(too_long)
