"""URL slugs from names, in one place for pages and for new records."""

from __future__ import annotations

import re
import unicodedata


def slugify(value: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80]
