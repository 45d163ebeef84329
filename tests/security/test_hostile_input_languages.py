"""Hostile input stays inert text in Urdu, Pashto and Dari too.

The same records as tests/security/test_hostile_input.py, a payload in every free-text field and
every filter parameter, read back under each translated prefix (/ur, /ps, /fa-AF): the list and
its htmx partial, the incident page, home, the record pages, and an editor's history, edit and
source forms, plus a form refused with the payload in it. Translated messages interpolate what
was typed (a filter's value in its chip or its error, a refused web address), and the language
switcher and hreflang links repeat the address with its query: none of it may become markup.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser
from sqlalchemy import select

from app.db import Database
from app.i18n import LANGUAGES, Language
from app.models import Source
from tests.dom import attr, first
from tests.security.test_hostile_input import (  # noqa: F401 (editor is a fixture)
    EDITOR_PAGES,
    PAYLOADS,
    _enter_everything,
    _pages,
    assert_inert_html,
    editor,
)
from tests.web.signin import csrf_from

TRANSLATED = [language for language in LANGUAGES if language.prefix]


def _check_language(response_text: str, language: Language, where: str) -> None:
    """A whole page is in the language asked for, so the translated templates were the ones read."""
    html = first(LexborHTMLParser(response_text), "html")
    assert attr(html, "lang") == language.code, where
    assert attr(html, "dir") == language.direction, where


def _in_arabic_script(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_form_input_is_inert_in_every_translated_page(
    editor: TestClient,  # noqa: F811
    client: TestClient,
    database: Database,
    payload: str,
) -> None:
    incident_id = _enter_everything(editor, payload)
    with database.read() as s:
        source_id = s.scalars(select(Source.id).where(Source.outlet == payload.strip())).one()
    text = payload.strip()
    reader = TestClient(client.app)
    for language in TRANSLATED:
        prefix = language.prefix
        shown = 0
        for who, browser in (("reader", reader), ("editor", editor)):
            for path, headers in _pages(incident_id, payload):
                url = prefix + path
                response = browser.get(url, headers=headers)
                where = f"{who} {url}"
                assert response.status_code < 500, where
                assert_inert_html(response.text, where)
                if not headers:
                    _check_language(response.text, language, where)
                shown += text in LexborHTMLParser(response.text).text()
            # The incident page itself shows the title as typed, as text.
            page = browser.get(f"{prefix}/incidents/{incident_id}")
            assert first(LexborHTMLParser(page.text), "h1").text(strip=True) == text, who
        assert shown, f"{prefix}: the payload was never shown as text"
        # A refused filter value is quoted inside a translated sentence, as text (its first 40
        # characters: a long value is shortened).
        refused = reader.get(f"{prefix}/incidents", params={"status": payload})
        assert refused.status_code == 422, prefix
        message = first(LexborHTMLParser(refused.text), ".problems li").text()
        assert text[:40] in message and _in_arabic_script(message), (prefix, message)
        for path in EDITOR_PAGES:
            url = prefix + path.format(id=incident_id, source=source_id)
            response = editor.get(url)
            assert response.status_code == 200, url
            assert_inert_html(response.text, url)
            _check_language(response.text, language, url)
        # The forms give back what was typed as the fields' values, whole.
        form = LexborHTMLParser(editor.get(f"{prefix}/incidents/{incident_id}/edit").text)
        assert attr(first(form, "input#title"), "value") == text, prefix
        assert first(form, "textarea#summary").text() == text, prefix
        form = LexborHTMLParser(editor.get(f"{prefix}/sources/{source_id}/edit").text)
        assert attr(first(form, "input#outlet"), "value") == text, prefix
        _refused_claim(editor, language, incident_id, payload)


def _refused_claim(browser: TestClient, language: Language, incident_id: int, payload: str) -> None:
    """A claim refused for its hostile web address: the translated form comes back with its
    message, inert, and the outlet as typed."""
    prefix = language.prefix
    form_page = browser.get(f"{prefix}/incidents/{incident_id}/claims/new")
    assert form_page.status_code == 200, prefix
    version = attr(first(LexborHTMLParser(form_page.text), "input[name=version]"), "value")
    response = browser.post(
        f"{prefix}/incidents/{incident_id}/claims",
        data={"csrf_token": csrf_from(form_page.text), "version": version,
              "claimant": "Frontier Corps", "kind": "casualties", "statement": "x",
              "source_1_url": payload, "source_1_outlet": payload},
        follow_redirects=False,
    )  # fmt: skip
    where = f"422 from {prefix}/incidents/{incident_id}/claims"
    assert response.status_code == 422, where
    assert_inert_html(response.text, where)
    _check_language(response.text, language, where)
    tree = LexborHTMLParser(response.text)
    assert attr(first(tree, "input#source_1_outlet"), "value") == payload.strip(), where
    assert _in_arabic_script(first(tree, "#source_1_url-error").text()), where
