"""The interface's languages: complete catalogues, the language in the address, right to left."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from jinja2 import Environment
from selectolax.lexbor import LexborHTMLParser as HTMLParser

import app
from app.i18n import LANGUAGES, LOCALE_DIR, Language, _current, translations
from app.resources import resource
from app.web import filters, languages
from tests.dom import attr, first

TRANSLATED = [language for language in LANGUAGES if language.prefix]


def _marked_strings() -> set[str]:
    """Every string the templates and the app mark for translation, as `make i18n` extracts
    them (babel.cfg)."""
    templates = extract_from_dir(
        str(resource("templates")),
        method_map=[("**.html", "jinja2")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}},
    )
    code = extract_from_dir(str(Path(app.__file__).parent), method_map=[("**.py", "python")])
    return {
        message if isinstance(message, str) else message[0]
        for _, _, message, *_ in (*templates, *code)
    }


@pytest.mark.parametrize("language", TRANSLATED, ids=lambda language: language.code)
def test_every_marked_string_is_translated(language: Language) -> None:
    path = LOCALE_DIR / language.catalogue / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        catalogue = read_po(source)
    # A plural message is translated when every one of its forms is.
    translated = {
        m.id[0] if isinstance(m.id, tuple) else m.id
        for m in catalogue
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    marked = _marked_strings()
    assert marked, "no string is marked for translation"
    missing = sorted(marked - translated)
    assert missing == [], (
        f"untranslated in {language.code} (run make i18n and translate): {missing}"
    )


def test_english_keeps_its_addresses(client: TestClient) -> None:
    page = HTMLParser(client.get("/incidents").text)
    assert attr(first(page, "html"), "lang") == "en"
    assert attr(first(page, "html"), "dir") == "ltr"
    assert attr(first(page, ".site-header nav a"), "href") == "/incidents"


def test_a_language_not_ready_is_not_offered(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A language whose catalogue is not whole answers at its prefix, for translators to
    review, but no page links it; with English alone, there is no switcher of one."""
    english_only = tuple(replace(language, offered=not language.prefix) for language in LANGUAGES)
    monkeypatch.setattr("app.web.languages.LANGUAGES", english_only)
    page = HTMLParser(client.get("/incidents").text)
    assert page.css("link[rel=alternate][hreflang]") == [] and page.css(".languages") == []
    urdu = HTMLParser(client.get("/ur/incidents").text)
    assert {attr(a, "hreflang") for a in urdu.css(".languages a")} == {"en", "ur"}


def test_every_language_is_offered_and_linked_from_every_page(client: TestClient) -> None:
    assert all(language.offered for language in LANGUAGES)
    page = HTMLParser(client.get("/incidents?sort=date").text)
    alternates = {
        attr(link, "hreflang"): attr(link, "href")
        for link in page.css("link[rel=alternate][hreflang]")
    }
    assert alternates == {
        "en": "http://testserver/incidents?sort=date",
        "ur": "http://testserver/ur/incidents?sort=date",
        "ps": "http://testserver/ps/incidents?sort=date",
        "fa-AF": "http://testserver/fa-AF/incidents?sort=date",
    }
    switcher = {attr(a, "hreflang"): attr(a, "href") for a in page.css(".languages a")}
    assert switcher == alternates


@pytest.mark.parametrize("language", TRANSLATED, ids=lambda language: language.code)
def test_a_page_opens_in_the_language_of_its_address(
    client: TestClient, language: Language
) -> None:
    response = client.get(f"{language.prefix}/incidents?sort=date")
    assert response.status_code == 200
    page = HTMLParser(response.text)
    html = first(page, "html")
    assert (attr(html, "lang"), attr(html, "dir")) == (language.code, "rtl")
    nav = [a.text(strip=True) for a in page.css(".site-header nav a")]
    assert "Incidents" not in nav and len(nav) == 5
    # Links to pages keep the language; the canonical link is this page in this language.
    assert {attr(a, "href") for a in page.css(".site-header nav a")} >= {
        f"{language.prefix}/incidents",
        f"{language.prefix}/actors",
    }
    canonical = attr(first(page, "link[rel=canonical]"), "href")
    assert canonical == f"http://testserver{language.prefix}/incidents?sort=date"
    # The switcher offers every language, this one marked, for the same view.
    switcher = {attr(a, "hreflang"): a for a in page.css(".languages a")}
    assert set(switcher) == {other.code for other in LANGUAGES}
    assert "aria-current" in switcher[language.code].attributes
    assert attr(switcher["en"], "href") == "http://testserver/incidents?sort=date"
    # Downloads stay language-neutral; the coverage page is a page, in this language.
    links = {attr(a, "href").split("?")[0] for a in page.css(".downloads a")}
    assert links == {
        "/incidents.csv",
        "/incidents.json",
        "/incidents.geojson",
        "/incidents.atom",
        f"{language.prefix}/incidents/coverage",
    }


def test_a_redirect_keeps_the_language(client: TestClient) -> None:
    response = client.get("/ur/incidents/new", follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"].startswith("/ur/login")


def test_the_page_cache_keeps_each_language_apart(client: TestClient) -> None:
    for _ in range(2):  # the second round is served from the cache
        english = HTMLParser(client.get("/incidents").text)
        urdu = HTMLParser(client.get("/ur/incidents").text)
        assert attr(first(english, "html"), "lang") == "en"
        assert attr(first(urdu, "html"), "lang") == "ur"


def test_a_static_file_and_the_api_are_the_same_under_a_prefix(client: TestClient) -> None:
    assert client.get("/api/v1/incidents").json() == client.get("/ur/api/v1/incidents").json()


def test_a_filter_change_pushes_an_address_in_the_same_language(client: TestClient) -> None:
    response = client.get("/ps/incidents?country=PAK", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["hx-push-url"] == "/ps/incidents?country=PAK"
    english = client.get("/incidents?country=PAK", headers={"HX-Request": "true"})
    assert english.headers["hx-push-url"] == "/incidents?country=PAK"


def test_a_filter_on_a_literal_follows_each_reader_not_the_first() -> None:
    """Jinja works out a filter on a literal once, at compile time, unless the filter takes
    the context: the first page's language would then stick for every reader."""
    env = Environment(autoescape=True)
    filters.install(env)
    languages.install(env)
    template = env.from_string("{{ 1234 | num }} {{ 'disputed' | humanize }}")
    pashto = next(language for language in LANGUAGES if language.code == "ps")
    assert template.render() == "1,234 Disputed"
    token = _current.set(pashto)
    try:
        assert template.render() == f"۱٬۲۳۴ {translations(pashto).ugettext('Disputed')}"
    finally:
        _current.reset(token)


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.code)
def test_counts_are_written_as_babel_writes_them(language: Language) -> None:
    """Whole numbers take a quicker path than Babel's; it must write exactly what Babel does,
    separators and digits included (Pashto and Dari: ۱۲٬۳۴۵)."""
    from babel.numbers import format_decimal

    from app.i18n import _locale, format_number, native_digits

    counts = [
        0,
        7,
        999,
        1000,
        1234,
        9999,
        10_000,
        123_456,
        1_234_567,
        10**12,
        *range(0, 10**7, 9973),
    ]
    token = _current.set(language)
    try:
        for count in counts:
            babel = format_decimal(count, locale=_locale(language), numbering_system="default")
            assert format_number(count) == native_digits(babel, language), count
        # Babel still writes what the quick path leaves to it.
        assert format_number(-1234) == native_digits(
            format_decimal(-1234, locale=_locale(language), numbering_system="default"), language
        )
        assert format_number(1234.5) == native_digits(
            format_decimal(1234.5, locale=_locale(language), numbering_system="default"), language
        )
    finally:
        _current.reset(token)
