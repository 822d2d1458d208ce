"""`voc dashboard`: a FastAPI app over the results store, with live updates over SSE."""

from monitor.dashboard.app import create_app

__all__ = ["create_app"]
