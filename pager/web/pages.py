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

ASSET_TYPES = {".js": "application/javascript", ".css": "text/css"}


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
    return translations.gettext(config.ui.language)


def render(config: Config, template: str, **context: Any) -> str:
    language = config.ui.language
    return _environment(language).get_template(template).render(language=language, **context)


@functools.cache
def _static(name: str) -> str:
    return (resources.files("pager.web") / "static" / name).read_text(encoding="utf-8")


async def asset(request: web.Request) -> web.StreamResponse:
    """A file of `static/` by its name (`/app.js`, `/display.css`)."""
    name = request.path.lstrip("/")
    kind = ASSET_TYPES[name[name.rindex(".") :]]
    return web.Response(text=_static(name), content_type=kind)
