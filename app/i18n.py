"""The interface's languages: English at the site's own paths, Urdu, Pashto and Dari under a
path prefix (/ur/incidents, /ps/incidents, /fa-AF/incidents), so a shared link opens in the
language it was shared in and English links stay as they always were.

Messages are gettext catalogues (app/locale/<locale>/LC_MESSAGES/messages.po, `make i18n`
extracts and updates them). They are compiled in memory when first used, so the repository
holds no generated .mo files. Exports, feeds and the API stay language-neutral.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, get_group_symbol
from babel.numbers import format_percent as babel_percent
from babel.support import NullTranslations, Translations
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"


# Compared and hashed as the object itself: each language is one of LANGUAGES, and the
# catalogues, locales and formats are cached per language, looked up hundreds of times a
# page (a field-by-field hash cost more than the lookups).
@dataclass(frozen=True, eq=False)
class Language:
    code: str  # as in lang="" and hreflang="" (BCP 47)
    name: str  # in its own script, as the switcher shows it
    direction: str  # "ltr" or "rtl"
    prefix: str  # the path prefix; "" for English
    # Offered to readers (the switcher, hreflang links) once its catalogue covers the whole
    # interface; until then its pages answer at the prefix, for translators to review.
    offered: bool = False

    @property
    def catalogue(self) -> str:
        """The gettext locale name (fa_AF, not fa-AF)."""
        return self.code.replace("-", "_")


ENGLISH = Language("en", "English", "ltr", "", offered=True)
LANGUAGES = (
    ENGLISH,
    Language("ur", "اردو", "rtl", "/ur", offered=True),
    Language("ps", "پښتو", "rtl", "/ps", offered=True),
    Language("fa-AF", "دری", "rtl", "/fa-AF", offered=True),
)
BY_PREFIX = {language.prefix: language for language in LANGUAGES if language.prefix}
# Paths that are the same in every language: data, the API and files.
NEUTRAL_PATHS = ("/static/", "/api/", "/healthz")

_current: ContextVar[Language] = ContextVar("language", default=ENGLISH)


def current_language() -> Language:
    return _current.get()


@functools.cache
def translations(language: Language) -> NullTranslations:
    """The language's catalogue, compiled from its .po file once per process."""
    path = LOCALE_DIR / language.catalogue / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language is ENGLISH or not path.exists():
        return NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=language.catalogue)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext(message: str) -> str:
    return str(translations(current_language()).ugettext(message))


def ngettext(singular: str, plural: str, n: int) -> str:
    return str(translations(current_language()).ungettext(singular, plural, n))


def pgettext(context: str, message: str) -> str:
    """A message whose translation depends on where it is used ("denied" of a claim)."""
    return str(translations(current_language()).upgettext(context, message))


def N_(message: str) -> str:
    """Marks a message where it is defined (a vocabulary's label, a form's error) for
    extraction; it is translated where it is shown, in the reader's language."""
    return message


K = TypeVar("K")


class Translated(Mapping[K, str]):
    """A vocabulary's labels, each in the reader's language when looked up."""

    def __init__(self, labels: Mapping[K, str]) -> None:
        self._labels = labels

    def __getitem__(self, key: K) -> str:
        return gettext(self._labels[key])

    def __iter__(self) -> Iterator[K]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)


# Digits as each numbering system writes them; Babel formats with Latin digits.
_DIGITS = {
    "arab": "٠١٢٣٤٥٦٧٨٩",
    "arabext": "۰۱۲۳۴۵۶۷۸۹",
}


@functools.cache
def _locale(language: Language) -> Locale:
    return Locale.parse(language.catalogue)


def native_digits(text: str, language: Language | None = None) -> str:
    """Latin digits as the language writes them (Pashto and Dari: ۰۱۲…; Urdu keeps 012…)."""
    system = _locale(language or current_language()).default_numbering_system
    digits = _DIGITS.get(system)
    return text.translate(str.maketrans("0123456789", digits)) if digits else text


_TO_LATIN = str.maketrans({d: str(i) for digits in _DIGITS.values() for i, d in enumerate(digits)})


def latin_digits(text: str) -> str:
    """A number as typed in Pashto, Dari or Arabic digits (۱۲, ١٢), read as 12."""
    return text.translate(_TO_LATIN)


def format_number(value: int | float) -> str:
    """12,345 in English, 12٬345 with the language's own digits and separators."""
    language = current_language()
    if type(value) is int and value >= 0 and (whole := _whole_numbers(language)):
        return whole(value)
    formatted = format_decimal(value, locale=_locale(language), numbering_system="default")
    return native_digits(formatted, language)


@functools.cache
def _whole_numbers(language: Language) -> Callable[[int], str] | None:
    """Counts written the quick way, where the language groups digits by threes as Python
    does: Babel's format_decimal is about 20 µs a number, and a list page writes hundreds
    (every facet count). None where the grouping differs, and Babel writes them."""
    locale = _locale(language)
    pattern = locale.decimal_formats[None]
    if pattern.grouping != (3, 3) or pattern.int_prec[0] != 1:
        return None
    separator = get_group_symbol(locale, numbering_system="default")
    digits = _DIGITS.get(locale.default_numbering_system, "0123456789")
    table = str.maketrans({",": separator, **{str(i): d for i, d in enumerate(digits)}})
    return lambda value: f"{value:,}".translate(table)


def format_percent(share: float) -> str:
    """0.42 -> "42%", as the reader's language writes a share ("۴۲٪" in Pashto)."""
    language = current_language()
    formatted = babel_percent(share, locale=_locale(language), numbering_system="default")
    return native_digits(formatted, language)


def format_day(value: date, pattern: str = "d MMM y") -> str:
    """A date as the reader's language writes it (9 Oct 2025, ۹ اکتوبر ۲۰۲۵); machine-
    readable attributes and addresses keep ISO dates."""
    return _written_day(value, pattern, current_language())


# Babel takes about 20 µs a date and a list page writes a hundred, while the record holds a
# few thousand distinct days: each is worked out once per language and pattern.
@functools.lru_cache(maxsize=16_384)
def _written_day(value: date, pattern: str, language: Language) -> str:
    return native_digits(format_date(value, pattern, locale=_locale(language)), language)


def route_path(scope: Scope) -> str:
    """The path the routes see: without a deployment's root path or a language's prefix
    (both are in root_path), as middleware must read it to apply a path's rules."""
    root = scope.get("root_path", "")
    path: str = scope["path"]
    return path[len(root) :] if root and path.startswith(root) else path


def language_of_path(path: str) -> tuple[Language, str]:
    """The language a path asks for, and the path without its prefix."""
    for prefix, language in BY_PREFIX.items():
        if path == prefix or path.startswith(prefix + "/"):
            return language, path[len(prefix) :] or "/"
    return ENGLISH, path


class LanguagePrefix:
    """Reads the language from the path's prefix and serves the page under it: the routes see
    the path without the prefix (it is moved to root_path, as a proxy's would be), and a
    redirect to one of the site's own paths keeps the language."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root = scope.get("root_path", "")
        language, rest = language_of_path(scope["path"][len(root) :])
        if language is not ENGLISH:
            scope = dict(
                scope, root_path=root + language.prefix, path=root + language.prefix + rest
            )
            scope.setdefault("state", {})["language"] = language
            send = _sending_localized(send, language)
        token = _current.set(language)
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)


def _sending_localized(send: Send, language: Language) -> Send:
    """`send`, with the site's paths in redirects and htmx's headers under the prefix."""

    async def send_localized(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [
                (name, _localized(value, language) if name in _LINK_HEADERS else value)
                for name, value in message.get("headers", [])
            ]
        await send(message)

    return send_localized


_LINK_HEADERS = {b"location", b"hx-push-url", b"hx-location", b"hx-redirect"}


def _localized(value: bytes, language: Language) -> bytes:
    """A site path in a redirect or an htmx header, under the language's prefix."""
    text = value.decode("latin-1")
    if not text.startswith("/") or text.startswith("//"):
        return value
    if text.startswith(NEUTRAL_PATHS) or language_of_path(text)[0] is not ENGLISH:
        return value
    return (language.prefix + text).encode("latin-1")


def localized_path(path: str, language: Language | None = None) -> str:
    """One of the site's own paths in the reader's language (data and files stay as they are)."""
    language = language or current_language()
    if not language.prefix or not path.startswith("/") or path.startswith(NEUTRAL_PATHS):
        return path
    return language.prefix + path
