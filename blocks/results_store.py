"""The results store as a Prefect block: a saved prefect-sqlalchemy `SqlAlchemyConnector`.

`--store block:NAME` (or `VOC_STORE_URL=block:NAME`) points the monitor at the
database that block describes, so a deployment's workers share one store and the
password stays in the block rather than in flow-run parameters.
"""

PREFIX = "block:"


def is_block_reference(store: str) -> bool:
    return store.startswith(PREFIX)


def store_url_from_block(store: str) -> str:
    """The SQLAlchemy URL of the connector block named in `block:NAME`."""
    from prefect_sqlalchemy import SqlAlchemyConnector  # Prefect is slow to import: only here

    connector = SqlAlchemyConnector.load(store.removeprefix(PREFIX))
    return connector.get_engine().url.render_as_string(hide_password=False)
