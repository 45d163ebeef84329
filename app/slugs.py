"""URL slugs from names, in one place for pages and for new records."""

from __future__ import annotations

import re
import unicodedata

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(value: str) -> str:
    # Plain ASCII needs no decomposing: most titles are, and exports slug every one.
    ascii_text = (
        value
        if value.isascii()
        else unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    )
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:80]
