"""Alembic's entry point: migrates the connection `monitor.store.migrations` hands it.

Alembic runs this file for every command; nothing else imports it. The connection comes
in `config.attributes["connection"]`, inside a transaction the caller holds (and commits),
under the store's schema lock.
"""

from alembic import context

from monitor.store.schema import metadata

context.configure(connection=context.config.attributes["connection"], target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
