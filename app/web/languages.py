"""The reader's language on a page: its lang and dir, the prefix its links carry, and the same
page's address in every other language (the switcher and <link rel="alternate" hreflang>)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from fastapi import Request
from jinja2 import Environment, pass_context, pass_eval_context
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from markupsafe import Markup

from app.display_names import display_name, native
from app.i18n import (
    ENGLISH,
    LANGUAGES,
    Language,
    current_language,
    format_day,
    format_number,
    gettext,
    localized_path,
    ngettext,
    pgettext,
    route_path,
)


@dataclass(frozen=True)
class Alternate:
    language: Language
    url: str
    current: bool


def language_context(request: Request, site: str) -> dict[str, object]:
    language: Language = getattr(request.state, "language", ENGLISH)
    path = route_path(request.scope)
    query = f"?{request.url.query}" if request.url.query else ""
    shown = [other for other in LANGUAGES if other.offered or other.code == language.code]
    return {
        "language": language,
        "lp": language.prefix,
        # None while English is the only language offered: no switcher of one.
        "alternates": [
            Alternate(other, f"{site}{other.prefix}{path}{query}", other.code == language.code)
            for other in shown
        ]
        if len(shown) > 1
        else [],
    }


def _filled(eval_ctx: EvalContext, message: str, variables: dict[str, Any]) -> str:
    """A translated message with its values in: escaped as any expression is, and numbers
    written as the reader's language writes them (a bool or an id given as text stays)."""
    if not variables and "%" not in message:
        # Most messages are labels: no values to put in, and formatting would change nothing.
        return Markup(message) if eval_ctx.autoescape else message  # noqa: S704
    if eval_ctx.autoescape:
        message = Markup(message)  # noqa: S704 - the catalogue is ours, the values are escaped
    return message % {
        name: format_number(value)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else value
        for name, value in variables.items()
    }


# New-style gettext, as Jinja's own (`_("...", name=value)`, `{% trans %}` blocks), with the
# numbers in a message localized: Jinja's would write them with Latin digits. They take the
# evaluation context, all they need, and not the whole context: Jinja copies the whole context
# for a function that takes it when called inside a loop or a block with variables of its
# own, and labels inside loops and blocks were a tenth of an incident page's rendering.
@pass_eval_context
def _gettext(eval_ctx: EvalContext, message: str, **variables: Any) -> str:
    return _filled(eval_ctx, gettext(message), variables)


@pass_eval_context
def _ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return _filled(eval_ctx, ngettext(singular, plural, num), variables)


@pass_eval_context
def _pgettext(eval_ctx: EvalContext, where: str, message: str, **variables: Any) -> str:
    return _filled(eval_ctx, pgettext(where, message), variables)


P = ParamSpec("P")
R = TypeVar("R")


def per_reader(function: Callable[P, R]) -> Callable[..., R]:
    """A filter whose result depends on the reader's language. Jinja works out a filter on a
    literal (`{{ 1 | num }}`, `{{ "Place" | tr }}`) once, when the template compiles, in
    whatever language the first page was in; a filter that takes the context never is."""

    @pass_context
    def filter_(context: Context, *args: Any, **kwargs: Any) -> R:
        return function(*args, **kwargs)

    return filter_


def translate(value: object) -> str:
    """A label defined elsewhere (marked there with N_) in the reader's language; as plain
    text, escaped like any value, never trusted as markup."""
    return gettext(str(value)) if value else ""


def rendered_once_per_language(env: Environment, name: str) -> Callable[..., Markup]:
    """A global that gives a template depending on nothing but the reader's language (the
    scripts' messages: some sixty labels on every page), rendered the first time each language
    asks and given back as it was after that."""
    rendered: dict[str, Markup] = {}

    @pass_context
    def once(context: Context) -> Markup:
        language = current_language()
        if language.code not in rendered:
            html = env.get_template(name).render(lp=language.prefix)
            rendered[language.code] = Markup(html)  # noqa: S704 - rendered with autoescape on
        return rendered[language.code]

    return once


def install(env: Environment) -> None:
    env.add_extension("jinja2.ext.i18n")
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    # `_` straight to _gettext: the extension's alias looks the function up and calls it
    # through the context again, for every label on the page.
    env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext)
    env.policies["ext.i18n.trimmed"] = True
    env.globals["local"] = localized_path
    env.filters["tr"] = per_reader(translate)
    env.filters["num"] = per_reader(format_number)
    env.filters["day"] = per_reader(format_day)
    env.filters["native"] = per_reader(native)
    env.globals["display_name"] = display_name
    env.globals["script_messages"] = rendered_once_per_language(env, "_messages.html")
