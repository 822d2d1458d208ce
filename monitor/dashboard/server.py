"""Serving the dashboard: the listening socket and uvicorn."""

import ipaddress
import socket
from types import FrameType

import uvicorn
from fastapi import FastAPI

#: Open SSE streams never end by themselves: give them this long at shutdown.
GRACEFUL_SHUTDOWN_S = 2


def is_loopback(host: str) -> bool:
    """Whether `host` listens on loopback only (127.0.0.0/8, ::1 or localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host:port` (port 0: any free one); raises OSError if it cannot."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def url_of(sock: socket.socket) -> str:
    """The dashboard's address as a browser would type it."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


class _Server(uvicorn.Server):
    """uvicorn that ends the app's event streams as it starts to stop, and notes the
    signal that stopped it.

    uvicorn waits for open responses before the app's own shutdown runs, and an SSE
    stream never ends by itself: without this, every stop would wait out the grace
    period and then cancel the streams with a traceback.
    """

    stopped_by: int | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.stopped_by = self.stopped_by or sig
        super().handle_exit(sig, frame)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.config.app.state.hub.end_streams()
        await super().shutdown(sockets)


def serve(app: FastAPI, sock: socket.socket) -> int | None:
    """Run uvicorn on the bound socket until a signal stops it; that signal's number.

    uvicorn raises the signal again once it has stopped, which ends the process only
    if the signal's disposition was the default: a background job from a script starts
    with SIGINT ignored, and would otherwise exit 0 after a Ctrl-C-style stop.
    """
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    server = _Server(config)
    server.run(sockets=[sock])
    return server.stopped_by
