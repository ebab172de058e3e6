"""`pager announce`: an operator message, or a message of the library by its name,
published on {prefix}/announce as the operator desk does (with the operator's login)."""

from __future__ import annotations

import argparse
import json
import uuid

from pager import config
from pager.errors import UsageError, did_you_mean
from pager.tools.connect import Session, add_login_options


def cmd_announce(args: argparse.Namespace) -> int:
    cfg = config.load(args.config, args.node)
    if (args.message is None) == (args.text is None):
        raise UsageError("announce what: --message NAME (from the library) or --text, one")
    payload: dict[str, object] = {"id": args.id or f"desk-{uuid.uuid4().hex[:12]}"}
    if args.message is not None:
        if args.message not in cfg.messages:
            known = ", ".join(cfg.messages) or "none: the config has no messages"
            raise UsageError(f"unknown message {args.message}"
                             f"{did_you_mean(args.message, cfg.messages)} (the library: "
                             f"{known})")  # fmt: skip
        payload["message"] = args.message
    else:
        payload["text"] = args.text
    if args.zones:
        payload["zones"] = args.zones.split(",")
    if args.priority:
        payload["priority"] = args.priority
    topic = f"{cfg.mqtt.topic_prefix}/announce"
    session = Session(cfg, args, "announce")
    try:
        session.publish(topic, json.dumps(payload, ensure_ascii=False))
    finally:
        session.close()
    print(f"published to {topic}: {json.dumps(payload, ensure_ascii=False)}")
    return 0


def declare(announce: argparse.ArgumentParser) -> None:
    """The options of `pager announce`."""
    announce.add_argument("--message", help="a message of the library (messages.NAME)")
    announce.add_argument("--text", help="free text instead, read like any operator message")
    announce.add_argument("--zones", help="comma-separated zones or groups (default: the "
                          "message's, else every zone)")  # fmt: skip
    announce.add_argument("--priority", choices=("announcement", "emergency"),
                          help="default: the message's (announcement for text)")  # fmt: skip
    announce.add_argument("--id", help="the message's id (default: a new one)")
    add_login_options(announce)
    announce.set_defaults(func=cmd_announce)
