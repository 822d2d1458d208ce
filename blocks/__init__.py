"""Prefect blocks that configure prefect-voc for deployments.

`prefect block register -m blocks` registers every block type below. They are imported
on first use only, since importing Prefect is slow and most of `voc` does not need it.
"""

from importlib import import_module
from typing import Any

_BLOCKS = {
    "OpenAICredentials": "blocks.credentials",
    "AnthropicCredentials": "blocks.credentials",
    "IntercomCredentials": "blocks.credentials",
    "GammaCredentials": "blocks.credentials",
    # Where traces go: see blocks.traces.
    "TraceExport": "blocks.traces",
    # The results store: prefect-sqlalchemy's connector (see blocks.results_store).
    "SqlAlchemyConnector": "prefect_sqlalchemy",
}

__all__ = list(_BLOCKS)


def __getattr__(name: str) -> Any:
    if name in _BLOCKS:
        return getattr(import_module(_BLOCKS[name]), name)
    raise AttributeError(f"module 'blocks' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_BLOCKS])
