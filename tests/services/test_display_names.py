"""display_names.csv: a row for every sector, place, district and actor of the reference files,
names in Arabic script, and display_name picks the reader's language."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator

import pytest

from app import i18n
from app.display_names import display_name
from app.services.reference import REFERENCE_DIR

# The languages besides English: each has a column of names.
LANGUAGES = tuple(language.code for language in i18n.LANGUAGES if language.prefix)
REFERENCE_FILES = {
    "sector": "sectors.csv",
    "place": "places.csv",
    "district": "districts.csv",
    "actor": "actors.csv",
}
# Besides Arabic-script letters: spaces, the en dash of sector pairs, hyphen, apostrophe,
# parentheses and the zero-width non-joiner of Dari compounds.
ALLOWED = set(" –-'()\u200c")


def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _reference(kind: str) -> list[dict[str, str]]:
    return _rows(REFERENCE_FILES[kind])


def _slugs(kind: str) -> set[str]:
    return {row["slug"] for row in _reference(kind)}


DISPLAY = _rows("display_names.csv")
DATASET_ACTORS = {row["slug"] for row in _reference("actor") if row["kind"] == "dataset"}


def _is_arabic_letter(char: str) -> bool:
    return unicodedata.category(char).startswith("L") and "ARABIC" in unicodedata.name(char, "")


def test_header_and_one_row_per_record() -> None:
    with (REFERENCE_DIR / "display_names.csv").open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == ["kind", "slug", *LANGUAGES]
    keys = [(row["kind"], row["slug"]) for row in DISPLAY]
    assert len(keys) == len(set(keys))


def test_every_row_names_a_record_of_the_reference_files() -> None:
    for row in DISPLAY:
        assert row["kind"] in REFERENCE_FILES, row
        assert row["slug"] in _slugs(row["kind"]), row


@pytest.mark.parametrize("kind", ["sector", "place", "actor"])
def test_every_sector_place_and_actor_has_a_row(kind: str) -> None:
    shown = {row["slug"] for row in DISPLAY if row["kind"] == kind}
    assert _slugs(kind) - shown == set()


def test_every_district_has_a_row() -> None:
    shown = {row["slug"] for row in DISPLAY if row["kind"] == "district"}
    assert _slugs("district") - shown == set()


def _cells() -> Iterator[tuple[dict[str, str], str, str]]:
    for row in DISPLAY:
        for code in LANGUAGES:
            yield row, code, row[code]


def test_names_are_in_arabic_script() -> None:
    for row, code, name in _cells():
        if row["kind"] == "actor" and row["slug"] in DATASET_ACTORS:
            continue
        assert name == name.strip(), (row["slug"], code)
        bad = [c for c in name if c not in ALLOWED and not _is_arabic_letter(c)]
        assert not bad, (row["slug"], code, name, bad)


def test_dataset_actors_keep_their_latin_names() -> None:
    names = {row["slug"]: row for row in DISPLAY if row["kind"] == "actor"}
    for slug in DATASET_ACTORS:
        assert {names[slug][code] for code in LANGUAGES} == {slug.upper()}


def test_each_language_uses_its_own_letters() -> None:
    # Urdu: ہ, ی, ک (not Arabic ه, ي, ك); Pashto and Dari no Urdu-only letters; Dari none of
    # Pashto's own letters.
    urdu_only = set("ہےٹڈڑھ")
    pashto_only = set("ړښځڅټډږۍېګڼ")
    for row, code, name in _cells():
        assert "ك" not in name, (row["slug"], code)
        if code == "ur":
            assert not set(name) & set("هي"), (row["slug"], name)
        else:
            assert not set(name) & urdu_only, (row["slug"], code, name)
        if code == "fa-AF":
            assert not set(name) & (pashto_only | {"ي"}), (row["slug"], name)


@pytest.fixture
def urdu() -> Iterator[i18n.Language]:
    language = next(lang for lang in i18n.LANGUAGES if lang.code == "ur")
    token = i18n._current.set(language)
    try:
        yield language
    finally:
        i18n._current.reset(token)


def test_display_name_in_urdu(urdu: i18n.Language) -> None:
    row = next(r for r in DISPLAY if (r["kind"], r["slug"]) == ("district", "bajaur"))
    assert display_name("district", "bajaur", "Bajaur") == row["ur"] == "باجوڑ"
    assert display_name("place", "chaman", "Chaman") == "چمن"


def test_display_name_keeps_the_stored_name_of_an_unknown_record(urdu: i18n.Language) -> None:
    assert display_name("place", "no-such-place", "Somewhere") == "Somewhere"
    assert display_name("place", None, "Somewhere") == "Somewhere"


def test_display_name_in_english_is_the_stored_name() -> None:
    assert i18n.current_language() is i18n.ENGLISH
    assert display_name("district", "bajaur", "Bajaur") == "Bajaur"


def test_the_native_filter_names_a_model_by_its_type_and_any_record_by_the_kind_given(
    urdu: i18n.Language,
) -> None:
    from app.display_names import native
    from app.models import Place
    from app.services.incidents import Named

    assert native(Place(slug="chaman", name="Chaman")) == "چمن"
    assert native(Named("chaman", "Chaman"), "place") == "چمن"
    # Without a kind, a record that is not a model keeps its stored name.
    assert native(Named("chaman", "Chaman")) == "Chaman"
