"""API tokens: made, hashed, checked, revoked; the tokens file read strictly; and what the
controller answers an API request with (its `Ack`'s refusal)."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from pager.cli import main
from pager.config import tokens
from pager.core.effects import Ack, Refusal
from pager.values.messages import Inbound, MessageKind
from pager.web.tokenbook import TokenBook
from tests.conftest import without_rate_limits, write_config
from tests.desk import EXAMPLE, Desk, call

FAST = 1000  # iterations: the tests check the format, not the cost


def tokens_file(tmp_path: Path, **holders: str) -> Path:
    path = tmp_path / "api-tokens"
    entries = {h: tokens.TokenEntry(h, tokens.hash_token(t, iterations=FAST))
               for h, t in holders.items()}  # fmt: skip
    tokens.write(path, entries)
    return path


def test_a_token_matches_its_hash_only_and_names_its_holder() -> None:
    token = tokens.new_token("5")
    hashed = tokens.hash_token(token, iterations=FAST)
    assert hashed.startswith(f"pbkdf2_sha256${FAST}$") and token not in hashed
    assert tokens.matches(token, hashed)
    assert not tokens.matches(token + "x", hashed)
    assert not tokens.matches(tokens.new_token("5"), hashed)
    assert tokens.holder_of(token) == "5"
    assert tokens.holder_of("no-dot") is None and tokens.holder_of("../x.y") is None


def test_the_book_knows_each_holder_and_a_new_token_revokes_the_old(tmp_path: Path) -> None:
    first, desk = tokens.new_token("5"), tokens.new_token("operator")
    path = tokens_file(tmp_path, **{"5": first, "operator": desk})
    book = TokenBook(str(path))
    assert book.holder(first) == "5" and book.holder(desk) == "operator"
    assert book.holder("") is None and book.holder("5.wrong") is None
    assert book.holder(desk.replace("operator.", "5.")) is None  # another holder's secret
    second = tokens.new_token("5")
    entries = tokens.read(path)
    entries["5"] = tokens.TokenEntry("5", tokens.hash_token(second, iterations=FAST))
    tokens.write(path, entries)
    os.utime(path, ns=(1, 1))  # a new stamp, as a rewrite within the same instant may not give
    assert book.holder(first) is None, "a revoked token still works"
    assert book.holder(second) == "5"


def test_without_the_file_no_token_is_valid(tmp_path: Path) -> None:
    assert TokenBook(str(tmp_path / "missing")).holder(tokens.new_token("5")) is None
    assert TokenBook(None).holder(tokens.new_token("5")) is None


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("5 s3cret-token", "a hash, never the token itself"),
        ("counter/5 pbkdf2_sha256$1000$c2FsdHNhbHQ=$" + "A" * 43 + "=", "is not a counter id"),
    ],
)
def test_a_bad_tokens_file_says_which_line(tmp_path: Path, line: str, says: str) -> None:
    path = tmp_path / "api-tokens"
    path.write_text(f"# the API's tokens\n{line}\n")
    path.chmod(0o600)
    with pytest.raises(tokens.TokenFileError, match=rf"line 2: .*{says}"):
        tokens.read(path)


def test_a_tokens_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tokens_file(tmp_path, **{"5": tokens.new_token("5")})
    path.chmod(0o644)
    with pytest.raises(tokens.TokenFileError, match="chmod 600"):
        tokens.read(path)


def answered(desk: Desk, message: Inbound) -> Refusal | None:
    """The refusal the controller's Ack gives an API request (None: taken)."""
    acks = [e for e in desk.take(dataclasses.replace(message, request=1)) if isinstance(e, Ack)]
    assert len(acks) == 1 and acks[0].message.request == 1
    return acks[0].refusal


def test_the_controller_answers_each_request_with_why_it_was_not_taken() -> None:
    desk = Desk(EXAMPLE)
    assert answered(desk, call("5", "A1", "a1")) is None
    assert answered(desk, call("5", "A1", "a1")) is None  # a duplicate: the same call
    invalid = answered(desk, call("5", "A0234567", "a2"))
    assert invalid is not None and invalid.kind == "invalid" and "A0234567" in invalid.reason
    beyond = answered(desk, call("5", "A3", "a3", priority="emergency"))
    assert beyond is not None and beyond.kind == "not-allowed"
    cancel = Inbound("pager/cancel/5", MessageKind.CANCEL, "5", json.dumps({"id": "x"}).encode(),
                     0)  # fmt: skip
    nothing = answered(desk, cancel)
    assert nothing is not None and nothing.kind == "not-found"
    flooded = [answered(desk, call("9", f"B{n}", f"b{n}")) for n in range(40)]
    limited = [r for r in flooded if r is not None]
    assert limited and all(r.kind == "rate-limited" for r in limited)
    assert all(r.retry_after is not None and 0 < r.retry_after <= 2 for r in limited)
    assert answered(Desk(without_rate_limits(EXAMPLE)), call("9", "B1", "b1")) is None


def test_pager_counter_token_prints_a_token_once_and_a_new_one_revokes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "api-tokens"
    cfg = write_config(tmp_path / "zones.yaml", http={"listen": "127.0.0.1:8080",
                                                      "tokens_file": str(path)})  # fmt: skip

    def made() -> str:
        assert main(["counter", "token", "-c", str(cfg), "5"]) == 0
        printed = capsys.readouterr().out
        token = next(word for word in printed.split() if word.startswith("5."))
        assert token not in path.read_text() and "Authorization: Bearer" in printed
        return token

    first = made()
    assert path.stat().st_mode & 0o777 == 0o600
    assert TokenBook(str(path)).holder(first) == "5"
    second = made()
    book = TokenBook(str(path))
    assert book.holder(first) is None and book.holder(second) == "5"
    assert main(["counter", "token", "-c", str(cfg), "../5"]) == 2  # not a counter id
