"""A stdlib HTTP server on 127.0.0.1 (a free port), in a thread, with scriptable failures.

Subclasses answer in `route`; `script` replies (429 with Retry-After, 500, a body that
is not JSON, a slow reply) are served first, one request each, whatever the path.
"""

import contextlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# A closed gate never holds a reply longer than this: a test that forgets to open it
# fails on its own timeouts instead of hanging.
GATE_TIMEOUT_S = 300


@dataclass
class Reply:
    """What the server sends back: a status, headers, a JSON value or raw bytes, a delay."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return b"" if self.body is None else json.dumps(self.body).encode()


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float = field(default_factory=time.time)  # when it arrived (UNIX seconds)


class FakeServer:
    """Base of the fake services; use as a context manager, or `start()` and `stop()`."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.script: deque[Reply] = deque()
        self.delay_s = 0.0  # every reply takes this long from the request (a slow provider)
        # Replies wait until this is set: a provider that answers only when a test says so.
        self.gate = threading.Event()
        self.gate.set()
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests it was answering at once
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- what subclasses and tests use ---------------------------------------------------

    def route(self, seen: Seen) -> Reply:
        return Reply(404, {"error": {"message": f"no route for {seen.method} {seen.path}"}})

    def refuse(self, seen: Seen) -> Reply | None:
        """A reply that refuses this request instead of answering it; None answers it.

        Tests replace it to fail chosen requests (one agent's, say) for as long as they like.
        """
        return None

    def held(self, seen: Seen) -> bool:
        """Whether this request's reply waits at the gate; tests replace it to hold only
        chosen requests (one topic's, say) while the rest are answered."""
        return True

    def fail_next(self, reply: Reply, times: int = 1) -> None:
        """Serve `reply` to the next `times` requests instead of answering them."""
        with self._lock:
            self.script.extend([reply] * times)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- serving ---------------------------------------------------------------------------

    def _answer(self, seen: Seen) -> Reply:
        with self._lock:
            self.requests.append(seen)
            scripted = self.script.popleft() if self.script else None
        return scripted or self.refuse(seen) or self.route(seen)

    def start(self) -> "FakeServer":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, as a real server

            def _handle(self) -> None:
                arrived = time.monotonic()
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                seen = Seen(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
                reply = fake._answer(seen)
                with fake._lock:
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                # The delay is the reply's latency, the time taken to answer included.
                latency = reply.delay_s or fake.delay_s
                time.sleep(max(0.0, latency - (time.monotonic() - arrived)))
                if fake.held(seen):
                    fake.gate.wait(GATE_TIMEOUT_S)
                with fake._lock:
                    fake.in_flight -= 1
                data = reply.payload()
                self.send_response(reply.status)
                headers = {"content-type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                # The client may have given up waiting (a timeout test).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            do_GET = do_POST = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> "FakeServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 stalls a client 1-2 s when 16 connections arrive at once.
    request_queue_size = 64
