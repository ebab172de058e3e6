"""`pager counter token ID`: a new API token for a counter (or `operator`), its hash written to
`http.tokens_file` (the old one revoked), the token printed once. The daemon reads the file
again when it changes: no reload is needed."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from pager import config
from pager.config import tokens
from pager.errors import UsageError, did_you_mean
from pager.tools.guides import guide

_COUNTER = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def declare(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    token = actions.add_parser(
        "token", help="a new API token for a counter or the operator desk (the old one revoked)",
        epilog=guide("counter"),
    )  # fmt: skip
    token.add_argument("id", help="the counter's id, or 'operator' for the operator desk")
    # Also after the action (`pager counter token -c FILE 5`): the parser's own otherwise.
    token.add_argument("--config", "-c", type=Path, default=argparse.SUPPRESS)
    token.add_argument("--node", default=argparse.SUPPRESS)
    token.set_defaults(func=cmd_token)


def cmd_token(args: argparse.Namespace) -> int:
    cfg = config.load(args.config, args.node)
    path = cfg.http.tokens_file
    if path is None:
        raise UsageError(f"{args.config} has no http.tokens_file: set one (for example "
                         "/etc/pager/api-tokens, mode 600) to serve the HTTP API")  # fmt: skip
    holder = str(args.id)
    if not _COUNTER.match(holder):
        raise UsageError(f"{holder[:40]!r} is not a counter id (1-32 letters, digits, - or _)")
    if holder != tokens.OPERATOR and holder not in cfg.counters:
        hint = did_you_mean(holder, cfg.counters)
        print(f"pager: note: counter {holder} is not in the config{hint}: it is routed by "
              "default_zones")  # fmt: skip
    entries = tokens.read(path) if Path(path).exists() else {}
    token = tokens.new_token(holder)
    revoked = holder in entries
    entries[holder] = tokens.TokenEntry(holder, tokens.hash_token(token))
    tokens.write(path, entries)
    scheme = "https" if cfg.http.tls.cert_file else "http"
    where = cfg.http.listen or "PC:8080"
    print(f"API token for {holder} (shown once; {path} keeps only its hash"
          f"{', the old token no longer works' if revoked else ''}):\n\n  {token}\n")  # fmt: skip
    print("Try it:\n")
    print(f"  curl -H 'Authorization: Bearer {token}' {scheme}://{where}/api/v1/status")
    return 0
