"""Run the Alembic migrations from the app and the command line."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from app.resources import resource


def alembic_config(database_url: str) -> Config:
    config = Config(str(resource("alembic.ini")))
    config.set_main_option("script_location", str(resource("migrations")))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)
