"""Alembic environment: runs against the `Database` handed over by `warroom.db.migrate`.

For `alembic revision --autogenerate` during development, set WARROOM_DATABASE_URL or run from a
folder whose warroom-data holds the database; see docs/development.md.
"""

from alembic import context

import warroom.models
from warroom.db import Database

config = context.config
database = config.attributes.get("database")
if database is None:  # invoked by the alembic CLI during development
    from warroom.config import load_settings

    database = Database(load_settings().effective_database_url())

with database.engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=warroom.models.metadata,
        render_as_batch=database.is_sqlite,  # SQLite alters tables by copy-and-move
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
