"""The text the page's scripts write comes from the page, in the reader's language: every page
carries the messages the scripts ask for as JSON in an attribute (templates/_messages.html),
each translated by the server's catalogue."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from app.i18n import (
    LANGUAGES,
    Language,
    _current,
    format_number,
    gettext,
    ngettext,
    pgettext,
)
from app.resources import resource
from tests.dom import attr, first

SCRIPTS = ("js/app.js", "js/visuals.js")
# t("key", "English"...) and counted("key", n, ...) in either script.
TEXT_CALL = re.compile(r"""\bt\(\s*"([^"]+)"\s*,\s*(["`])""")
COUNTED_CALL = re.compile(r"""\bcounted\(\s*"([^"]+)"\s*,""")
TRANSLATED = [language for language in LANGUAGES if language.prefix]


def _asked(pattern: re.Pattern[str]) -> set[str]:
    return {
        match.group(1)
        for script in SCRIPTS
        for match in pattern.finditer((resource("static") / script).read_text(encoding="utf-8"))
    }


def _messages(html: str) -> tuple[dict[str, Any], str | None]:
    block = first(HTMLParser(html), "#messages")
    assert "hidden" in block.attributes
    return json.loads(attr(block, "data-messages")), attr(block, "data-prefix")


def test_the_scripts_ask_for_messages() -> None:
    # The patterns still find the scripts' calls: a test that read none would pass on anything.
    assert {"linkCopied", "attribution", "chartEmpty"} <= _asked(TEXT_CALL)
    assert {"incidentCount", "pointCount", "mapUnlocated"} <= _asked(COUNTED_CALL)


def test_every_message_the_scripts_ask_for_is_on_the_page(client: TestClient) -> None:
    messages, prefix = _messages(client.get("/incidents").text)
    assert prefix == ""
    texts, counted = _asked(TEXT_CALL), _asked(COUNTED_CALL)
    assert sorted(texts - messages.keys()) == []
    assert sorted(counted - messages.keys()) == []
    for key in texts:
        assert isinstance(messages[key], str), key
    for key in counted:
        assert set(messages[key]) == {"one", "other"}, key
    # Nothing on the page that no script reads.
    assert sorted(messages.keys() - texts - counted) == []


def test_english_messages_are_the_scripts_own_english(client: TestClient) -> None:
    """The scripts' English (for a page without the messages) and the page's are the same."""
    messages, _ = _messages(client.get("/incidents").text)
    source = "\n".join((resource("static") / s).read_text(encoding="utf-8") for s in SCRIPTS)
    compared = set()
    for match in re.finditer(r"""\bt\(\s*"([^"]+)"\s*,\s*"((?:[^"\\]|\\.)*)\"""", source):
        assert messages[match.group(1)] == json.loads(f'"{match.group(2)}"'), match.group(1)
        compared.add(match.group(1))
    for match in re.finditer(
        r"""\bcounted\(\s*"([^"]+)"\s*,[^,]+,\s*"([^"]*)"\s*,\s*"([^"]*)"\s*\)""", source
    ):
        key, one, other = match.groups()
        assert messages[key] == {"one": one, "other": other}, key
        compared.add(key)
    # Every message was compared: none has its English where these patterns miss it.
    assert compared == messages.keys()
    assert messages["serverRefused"] == (
        "The server could not do this (status {status}). Reload the page and try again."
    )
    assert messages["incidentCount"] == {"one": "{n} incident", "other": "{n} incidents"}


def _in(language: Language, translate: Any) -> Any:
    token = _current.set(language)
    try:
        return translate()
    finally:
        _current.reset(token)


@pytest.mark.parametrize("language", TRANSLATED, ids=lambda language: language.code)
def test_a_language_gets_its_catalogues_messages(client: TestClient, language: Language) -> None:
    # An English page first: the template compiles in English, and must not keep its numbers.
    client.get("/incidents")
    messages, prefix = _messages(client.get(f"{language.prefix}/incidents").text)
    assert prefix == language.prefix

    def expected() -> dict[str, Any]:
        one, two = format_number(1), format_number(2)
        return {
            "linkCopied": gettext("Link copied."),
            "attribution": gettext("Boundaries: Natural Earth"),
            "chartIncidents": gettext("Incidents"),
            "serverRefused": gettext(
                "The server could not do this (status %(status)s). Reload the page and try again."
            )
            % {"status": "{status}"},
            "listSeparator": pgettext("between the items of a list", ", "),
            "incidentCount": {
                "one": (
                    ngettext("%(num)s incident", "%(num)s incidents", 1) % {"num": one}
                ).replace(one, "{n}"),
                "other": (
                    ngettext("%(num)s incident", "%(num)s incidents", 2) % {"num": two}
                ).replace(two, "{n}"),
            },
        }

    wanted = _in(language, expected)
    assert {key: messages[key] for key in wanted} == wanted


def test_a_translated_message_reaches_the_page_safely(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page takes the catalogue's text as it is, and nothing in it leaves the attribute."""
    urdu = next(language for language in LANGUAGES if language.code == "ur")
    hostile = "لنک کاپی ہو گیا۔' onclick='alert(1)' x=\"</div><b>&amp;"
    catalogue = {
        "Link copied.": hostile,
        "%(num)s incident": "%(num)s واقعہ",
        "%(num)s incidents": "%(num)s واقعات",
    }

    class Catalogue:
        def ugettext(self, message: str) -> str:
            return catalogue.get(message, message)

        def ungettext(self, singular: str, plural: str, n: int) -> str:
            return catalogue.get(singular if n == 1 else plural, singular)

        def upgettext(self, where: str, message: str) -> str:
            return message

    monkeypatch.setattr("app.i18n.translations", lambda language: Catalogue())
    html = client.get(f"{urdu.prefix}/incidents").text
    tree = HTMLParser(html)
    assert not tree.css("b") and not tree.css("[onclick]")
    messages, _ = _messages(html)
    assert messages["linkCopied"] == hostile
    assert messages["incidentCount"] == {"one": "{n} واقعہ", "other": "{n} واقعات"}
