"""Where the templates, static files and migrations are.

A wheel carries them inside the package, under app/share (pyproject.toml maps them there). A source
checkout, installed editable or not installed at all, keeps them at the repository's top level,
where the `alembic` command and the layout the README describes expect them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

Resource = Literal["templates", "static", "migrations", "alembic.ini"]

_PACKAGE = Path(__file__).resolve().parent
_INSTALLED = _PACKAGE / "share"
_SOURCE_TREE = _PACKAGE.parent

# Chosen once for all of them, never name by name: an installed package must not mix in a
# folder of the same name that something else left beside it in site-packages.
ROOT = _INSTALLED if _INSTALLED.is_dir() else _SOURCE_TREE


def resource(name: Resource) -> Path:
    """The folder or file `name`: the installed copy, else the source tree's."""
    path = ROOT / name
    if not path.exists():
        raise FileNotFoundError(
            f"{name} is missing from {ROOT}: the app was installed without its {name}"
        )
    return path
