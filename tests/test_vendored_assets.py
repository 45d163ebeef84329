"""Every front-end asset is vendored, pinned and unchanged: nothing loads from another site."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"


def test_vendored_files_match_the_pinned_manifest() -> None:
    manifest = json.loads((VENDOR / "manifest.json").read_text())
    listed = set()
    for package in manifest.values():
        assert re.fullmatch(r"\d+\.\d+\.\d+", package["version"])
        assert package["registry"].startswith("https://registry.npmjs.org/")
        for name, entry in package["files"].items():
            listed.add(name)
            assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == entry["sha256"], name
        assert any(name.endswith("LICENSE") for name in package["files"])
    on_disk = {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*") if p.is_file()} - {
        "manifest.json"
    }
    assert on_disk == listed


def test_no_template_loads_anything_from_another_site() -> None:
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r'(src|href)="(https?:)?//', text), template
