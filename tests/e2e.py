"""The `e2e` marker, kept honest: a test that starts `pager run`, a broker or the virtual
sound card carries `@pytest.mark.e2e`, so that `pytest -m "not e2e"` is the fast suite (pure
logic and the real speech engines) and `pytest -m e2e` the end-to-end one.

The parts check it themselves (`require`), so a test cannot start one and forget the mark.
Outside pytest (the benchmarks) nothing is checked.
"""

from __future__ import annotations

unmarked: str | None = None  # the running test's id, when it does not carry the marker


def require(what: str) -> None:
    """Refuse to start `what` inside a test that is not marked e2e."""
    if unmarked is not None:
        raise RuntimeError(f"{unmarked} starts {what}: mark the test @pytest.mark.e2e")
