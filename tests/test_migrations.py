"""The Alembic history and the models describe the same schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import warroom.models
from warroom.container import WarRoom
from warroom.db import current_revision, migrate


def test_migrations_match_the_models(wr: WarRoom) -> None:
    with wr.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), warroom.models.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_downgrade_to_nothing_and_back(wr: WarRoom) -> None:
    head = current_revision(wr.db)
    assert head is not None
    migrate_down(wr)
    assert current_revision(wr.db) is None
    migrate(wr.db)
    assert current_revision(wr.db) == head


def test_upgrade_is_idempotent(wr: WarRoom) -> None:
    head = current_revision(wr.db)
    migrate(wr.db)
    assert current_revision(wr.db) == head


def migrate_down(wr: WarRoom) -> None:
    from alembic import command

    from warroom.db import _alembic_config

    command.downgrade(_alembic_config(wr.db), "base")
