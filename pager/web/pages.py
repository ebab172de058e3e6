"""The pages' HTML, rendered from Jinja2 templates in the language of `ui.language`, and
their static files."""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import resources
from typing import Any

import jinja2
from aiohttp import web

from pager import translations
from pager.config.model import Config
from pager.translations import N_

ASSET_TYPES = {".js": "application/javascript", ".css": "text/css"}
# What the status page's script writes ({name} fields are filled in by the script).
STATUS_STRINGS = {
    "online": N_("● online"), "offline": N_("○ offline"), "reconnecting": N_("reconnecting…"),
    "audio": N_("audio"), "audioOk": N_("audio ok"), "brokerUp": N_("broker connected"),
    "brokerLost": N_("broker lost"), "xruns": N_("xruns {n}"),
    "storageOk": N_("disk ok"), "storageFailed": N_("disk failing: {stores}"),
    "clockOk": N_("clock ok"), "clockUnset": N_("clock not set"),
    "inputsOk": N_("inputs ok"), "inputsFailed": N_("inputs failing"),
    "ambient": N_("{level} dB, gain +{gain} dB"),
    "document": N_("document {ticket}"), "atCounter": N_("{call} (counter {counter})"),
    "test": N_("test {what}"), "output": N_("output {output}"), "message": N_("message {id}"),
    "outputs": N_("{zone} (outputs {outputs})"), "testButton": N_("Test"),
    "testZone": N_("Test zone {zone}"), "seconds": N_("{n} s"),
    "compactSeconds": N_("{n} s, compact"),
    "nothingScheduled": N_("nothing scheduled"),
    "confirm": N_('Announce the message "{name}" now?'),
    "recording": N_("a recording"), "waiting": N_("sent: waiting for its turn…"),
    "notSent": N_("not sent: {reason}"),
}  # fmt: skip
# What the caller page's script writes.
CALLER_STRINGS = {
    "badToken": N_("This token was not accepted: ask the technician for a new one."),
    "operatorToken": N_("This is the operator desk's token: the caller page needs a counter's."),
    "counter": N_("Counter {counter}"), "noService": N_("no service"),
    "next": N_("next: {ticket}"), "notNumbered": N_("not numbered: set services.{service}.prefix"),
    "lastCalled": N_("last called: {ticket}"), "nothingYet": N_("no call yet"),
    "seconds": N_("{n} s"), "compactSeconds": N_("{n} s, compact"),
    "noTicket": N_("Type a ticket number first."), "sending": N_("sending…"),
    "notSent": N_("not sent: {reason}"), "offline": N_("no connection to pager: retrying…"),
}  # fmt: skip
# A supervised speaker line's state (the status's `lines`).
LINE_STATES = {"ok": N_("line ok"), "fault": N_("LINE FAULT"), "unknown": N_("line unknown")}
# How an announcement sent from the page goes on.
PROGRESS = {
    "queued": N_("queued"), "started": N_("playing now"), "finished": N_("announced"),
    "rejected": N_("refused: {reason}"), "failed": N_("failed: {reason}"),
    "preempted": N_("interrupted: {reason}"), "cancelled": N_("cancelled"),
    "expired": N_("expired: {reason}"), "duplicate": N_("sent already"),
}  # fmt: skip


@functools.cache
def _environment(language: str) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("pager.web", "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
    )
    environment.install_gettext_translations(  # type: ignore[attr-defined]
        translations.catalogue(language), newstyle=True
    )
    return environment


def translate(config: Config) -> Callable[[str], str]:
    return translations.translator(config.ui.language)


def status_strings(config: Config) -> dict[str, object]:
    """The status page script's words, translated."""
    _ = translate(config)
    return {**{key: _(text) for key, text in STATUS_STRINGS.items()},
            "events": {key: _(text) for key, text in translations.EVENT_WORDS.items()},
            "lines": {key: _(text) for key, text in LINE_STATES.items()},
            "progress": {key: _(text) for key, text in PROGRESS.items()}}  # fmt: skip


def caller_strings(config: Config) -> dict[str, object]:
    """The caller page script's words, translated."""
    _ = translate(config)
    return {**{key: _(text) for key, text in CALLER_STRINGS.items()},
            "progress": {key: _(text) for key, text in PROGRESS.items()}}  # fmt: skip


def render(config: Config, template: str, **context: Any) -> str:
    language = config.ui.language
    return _environment(language).get_template(template).render(language=language, **context)


@functools.cache
def _static(name: str) -> str:
    return (resources.files("pager.web") / "static" / name).read_text(encoding="utf-8")


async def openapi(request: web.Request) -> web.StreamResponse:
    """The HTTP API's OpenAPI 3.1 document (`static/openapi.json`)."""
    return web.Response(text=_static("openapi.json"), content_type="application/json")


async def asset(request: web.Request) -> web.StreamResponse:
    """A file of `static/` by its name (`/app.js`, `/display.css`)."""
    name = request.path.lstrip("/")
    kind = ASSET_TYPES[name[name.rindex(".") :]]
    return web.Response(text=_static(name), content_type=kind)
