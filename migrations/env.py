"""Alembic environment: runs on the connection handed over by core.migrate (or a URL from alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

import core.accounts.models  # noqa: F401  (register tables on the metadata)
import core.jobs.models  # noqa: F401
import question_bank.models  # noqa: F401
import quiz.live.models  # noqa: F401
import quiz.quarter.models  # noqa: F401
import quiz.review.models  # noqa: F401
import quiz.roster.models  # noqa: F401
from core.db import Base

# Any stable number: several workers starting at once take turns migrating PostgreSQL.
PG_MIGRATION_LOCK = 727_001

config = context.config
target_metadata = Base.metadata


def run_on(connection) -> None:  # type: ignore[no-untyped-def]
    """Run pending migrations on one connection, serialised across processes on PostgreSQL."""
    is_pg = connection.dialect.name == "postgresql"
    if is_pg:
        # Wait for another worker's migration however long it takes (the app's lock_timeout is for users).
        connection.execute(text("SET lock_timeout = 0"))
        connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_MIGRATION_LOCK})
        connection.commit()
    try:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        if is_pg:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_MIGRATION_LOCK})
            connection.execute(text("RESET lock_timeout"))  # back to the connection's own setting for the pool
            connection.commit()


connection = config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    with create_engine(config.get_main_option("sqlalchemy.url")).connect() as own_connection:
        run_on(own_connection)
