"""A fake Gamma v1.0 Generate API: generations that complete after a few polls."""

from collections import deque
from itertools import count

from tests.servers.base import FakeServer, Reply, Seen


class FakeGamma(FakeServer):
    """Starts generations for `X-API-KEY: api_key`; each is pending for `pending_polls` polls."""

    def __init__(self, api_key: str = "sk-gamma-test-0123456789", pending_polls: int = 1):
        super().__init__()
        self.api_key = api_key
        self.pending_polls = pending_polls
        self.fail_generation = False
        self.gamma_url = "https://gamma.app/docs/voc-{generation_id}"
        # Replies sent for a POST that Gamma did accept (the generation exists): a 502
        # from a proxy, say, after the service took the request.
        self.after_accepting: deque[Reply] = deque()
        self.generations: dict[str, dict] = {}
        self._ids = count(1)

    def route(self, seen: Seen) -> Reply:
        if seen.headers.get("x-api-key") != self.api_key:
            return Reply(401, {"message": "Invalid API key.", "statusCode": 401})
        if seen.method == "POST" and seen.path == "/v1.0/generations":
            generation_id = f"gen{next(self._ids):04d}"
            self.generations[generation_id] = {"body": seen.body, "polls": 0}
            if self.after_accepting:
                return self.after_accepting.popleft()
            return Reply(201, {"generationId": generation_id})
        if seen.method == "GET" and seen.path.startswith("/v1.0/generations/"):
            return self.status(seen.path.rsplit("/", 1)[1])
        return super().route(seen)

    def status(self, generation_id: str) -> Reply:
        generation = self.generations.get(generation_id)
        if generation is None:
            return Reply(404, {"message": "Generation not found", "statusCode": 404})
        generation["polls"] += 1
        if generation["polls"] <= self.pending_polls:
            return Reply(200, {"generationId": generation_id, "status": "pending"})
        if self.fail_generation:
            error = {"message": "Input text could not be processed", "statusCode": 400}
            return Reply(200, {"generationId": generation_id, "status": "failed", "error": error})
        reply = {
            "generationId": generation_id,
            "status": "completed",
            "gammaId": f"g{generation_id}",
            "gammaUrl": self.gamma_url.format(generation_id=generation_id),
            "credits": {"deducted": 40, "remaining": 960},
        }
        if generation["body"].get("exportAs"):
            reply["exportUrl"] = (
                f"https://exports.gamma.app/{generation_id}.{generation['body']['exportAs']}"
            )
        return Reply(200, reply)
