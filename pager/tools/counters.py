"""`pager counter add|list|remove|token`: a counter in one command. The config file edited in
place (comments and layout kept, validated as a reload would), the counter's broker login and
ACL block (as `scripts/broker-setup` makes them) and its HTTP API token, then the running
daemon and broker reloaded; what to hand to the agency printed once. Everything they change
is in files: they work the same when the daemon does not run."""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path

from pager import config
from pager.config import tokens
from pager.config.model import Config
from pager.errors import UsageError, did_you_mean
from pager.language.words import COUNTER_PATTERN
from pager.tools import broker, handoff, running
from pager.tools.config_edit import ConfigEdit
from pager.tools.guides import guide
from pager.values.priority import Priority

PRIORITIES = tuple(p.label for p in Priority if p >= Priority.CALL)


def declare(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)

    def action(name: str, summary: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=summary, description=summary,
                                 epilog=guide("counter"))  # fmt: skip
        # Also after the action (`pager counter add -c FILE 9`): the parser's own otherwise.
        sub.add_argument("--config", "-c", type=Path, default=argparse.SUPPRESS)
        sub.add_argument("--node", default=argparse.SUPPRESS)
        sub.add_argument("--mosquitto-dir", type=Path, default=Path("/etc/mosquitto"),
                         help="the broker's folder as scripts/broker-setup made it (its pager/ "
                         "holds passwd and acl; default /etc/mosquitto)")  # fmt: skip
        return sub

    add = action("add", "add a counter: the config, its broker login and its API token")
    add.add_argument("id", help="the counter's id, e.g. 9 (1-32 letters, digits, - or _)")
    add.add_argument("--service", required=True, help="its service, e.g. Imigrasi")
    add.add_argument(
        "--zones", help="zones or groups that hear it, e.g. mpp,food-court (default: those of "
        "its service's other counters, else default_zones)",
    )  # fmt: skip
    add.add_argument("--max-priority", choices=PRIORITIES, default="call",
                     help="the highest priority its calls may ask for (default call)")  # fmt: skip
    add.set_defaults(func=cmd_add)
    listing = action("list", "the counters: service, zones, rights, broker login, API token")
    listing.set_defaults(func=cmd_list)
    remove = action("remove", "remove a counter: the config, its broker login and its token")
    remove.add_argument("id", help="the counter's id")
    remove.set_defaults(func=cmd_remove)
    token = action("token", "a new API token for a counter or the operator desk (the old one "
                   "revoked)")  # fmt: skip
    token.add_argument("id", help="the counter's id, or 'operator' for the operator desk")
    token.set_defaults(func=cmd_token)


def _checked_id(ident: str) -> str:
    if not COUNTER_PATTERN.match(ident):
        raise UsageError(f"{ident[:40]!r} is not a counter id (1-32 letters, digits, - or _)")
    return ident


def _zones_for(cfg: Config, service: str, given: str | None) -> list[str]:
    if given:
        return [name.strip() for name in given.split(",") if name.strip()]
    for counter in cfg.counters.values():
        if counter.service == service:
            return list(counter.zones)
    return list(cfg.default_zones)


def cmd_add(args: argparse.Namespace) -> int:
    ident = _checked_id(str(args.id))
    edit = ConfigEdit(args.config, args.node)
    if ident in edit.before.counters:
        raise UsageError(f"counter {ident} is in {args.config} already: `pager counter remove "
                         f"{ident}` first, or edit its entry")  # fmt: skip
    zones = _zones_for(edit.before, args.service, args.zones)
    fields: dict[str, object] = {"service": args.service, "zones": zones}
    if args.max_priority != "call":
        fields["max_priority"] = args.max_priority
    edit.set_counter(ident, fields)
    cfg = edit.save()
    print(f"{args.config}: counter {ident} added ({args.config}.bak keeps the previous file)")
    password = _broker_login(cfg, args.mosquitto_dir, ident, add=True)
    token = _new_token(cfg, ident)
    _reload(args.config)
    print()
    print(handoff.text(cfg, ident, password, token))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    ident = _checked_id(str(args.id))
    edit = ConfigEdit(args.config, args.node)
    if ident not in edit.before.counters:
        hint = did_you_mean(ident, edit.before.counters)
        raise UsageError(f"counter {ident} is not in {args.config}{hint}")
    edit.remove_counter(ident)
    cfg = edit.save()
    print(f"{args.config}: counter {ident} removed ({args.config}.bak keeps the previous file)")
    _broker_login(cfg, args.mosquitto_dir, ident, add=False)
    path = cfg.http.tokens_file
    if path and Path(path).exists():
        entries = tokens.read(path)
        if entries.pop(ident, None) is not None:
            tokens.write(path, entries)
            print(f"{path}: its API token revoked")
    _reload(args.config)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    cfg = config.load(args.config, args.node)
    logins = broker.known_users(args.mosquitto_dir / "pager" / "passwd")
    path = cfg.http.tokens_file
    holders = tokens.read(path) if path and Path(path).exists() else {}
    rows = [("counter", "service", "zones", "max priority", "broker login", "API token")]
    for ident, counter in cfg.counters.items():
        login = broker.counter_user(ident)
        rows.append((ident, counter.service or "-", ",".join(counter.zones),
                     counter.max_priority.label, login if login in logins else "-",
                     "yes" if ident in holders else "-"))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    others = sorted(set(holders) - set(cfg.counters) - {tokens.OPERATOR})
    if others:
        print(f"tokens of counters not in the config (default_zones): {', '.join(others)}")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    cfg = config.load(args.config, args.node)
    if cfg.http.tokens_file is None:
        raise UsageError(f"{args.config} has no http.tokens_file: set one (for example "
                         "/etc/pager/api-tokens, mode 600) to serve the HTTP API")  # fmt: skip
    holder = _checked_id(str(args.id))
    if holder != tokens.OPERATOR and holder not in cfg.counters:
        hint = did_you_mean(holder, cfg.counters)
        print(f"pager: note: counter {holder} is not in the config{hint}: it is routed by "
              "default_zones")  # fmt: skip
    token = _new_token(cfg, holder)
    assert token is not None
    print()
    print(handoff.token_text(cfg, token))
    return 0


def _new_token(cfg: Config, holder: str) -> str | None:
    """A new token for the holder in the tokens file (the old one revoked), if there is one."""
    path = cfg.http.tokens_file
    if path is None:
        print("no http.tokens_file in the config: no API token (the HTTP API is off)")
        return None
    entries = tokens.read(path) if Path(path).exists() else {}
    token = tokens.new_token(holder)
    revoked = holder in entries
    entries[holder] = tokens.TokenEntry(holder, tokens.hash_token(token))
    tokens.write(path, entries)
    print(f"{path}: a new API token for {holder} (only its hash is kept"
          f"{'; the old token no longer works' if revoked else ''})")  # fmt: skip
    return token


def _broker_login(cfg: Config, mosquitto_dir: Path, ident: str, add: bool) -> str | None:
    """The counter's broker login made (its new password) or removed, and the ACL written
    for the config's counters, when the broker was set up by scripts/broker-setup."""
    folder = mosquitto_dir / "pager"
    passwd = folder / "passwd"
    if not passwd.exists():
        print(f"no broker set-up in {folder} (scripts/broker-setup): no broker login")
        return None
    user = broker.counter_user(ident)
    broker.write_acl(folder, cfg.mqtt.topic_prefix, cfg.counters)
    password = None
    if add:
        password = secrets.token_urlsafe(18)
        broker.add_password(passwd, user, password)
        print(f"{folder}: broker login {user}, its ACL block written")
    elif broker.remove_password(passwd, user):
        print(f"{folder}: broker login {user} removed, its ACL block too")
    print(broker.reload_broker(mosquitto_dir))
    return password


def _reload(config_path: Path) -> None:
    pids = running.reload_daemons(config_path)
    if pids:
        print(f"asked the running daemon (pid {', '.join(map(str, pids))}) to reload "
              f"{config_path}: its config-reloaded event (pager status) confirms it")  # fmt: skip
    else:
        print(f"no daemon runs {config_path} here: it reads the change when it starts")
