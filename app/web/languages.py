"""The reader's language on a page: its lang and dir, the prefix its links carry, and the same
page's address in every other language (the switcher and <link rel="alternate" hreflang>)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from jinja2 import Environment

from app.i18n import ENGLISH, LANGUAGES, Language, gettext, localized_path, ngettext, route_path


@dataclass(frozen=True)
class Alternate:
    language: Language
    url: str
    current: bool


def language_context(request: Request, site: str) -> dict[str, object]:
    language: Language = getattr(request.state, "language", ENGLISH)
    path = route_path(request.scope)
    query = f"?{request.url.query}" if request.url.query else ""
    shown = [other for other in LANGUAGES if other.offered or other == language]
    return {
        "language": language,
        "lp": language.prefix,
        # None while English is the only language offered: no switcher of one.
        "alternates": [
            Alternate(other, f"{site}{other.prefix}{path}{query}", other == language)
            for other in shown
        ]
        if len(shown) > 1
        else [],
    }


def install(env: Environment) -> None:
    env.add_extension("jinja2.ext.i18n")
    # New-style gettext: _("...", name=value) formats and escapes like any other expression.
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["local"] = localized_path
