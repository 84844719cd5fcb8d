"""Helpers of the SDK's tests: session tokens shaped as the platform's, and a stand-in
for the platform's notifier (the WebSocket server) whose behaviour each test scripts."""
import asyncio
import base64
import http
import json
import time
from collections import deque
from urllib.parse import parse_qs, urlsplit

from websockets.legacy.server import serve

SID = "eb052fc7-cf27-4b6f-bb9d-22f010258142"


def jwt(claims):
    """A token shaped as the platform signs them (HS256 JWT); the SDK never checks the signature."""
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def token(ttl=3600.0, name="t"):
    now = int(time.time())
    return jwt({"tid": "tenant", "sid": SID, "iat": now, "exp": now + ttl, "name": name})


def message(event_id, event_type, **fields):
    """A server message as the notifier sends it."""
    defaults = {
        "frame": {"task_id": "t1", "frame_id": 1, "timestamp": 0.0, "viseme": "aa", "data": "AAAA", "mime_type": "image/svg+xml"},
        "status": {"status": "speaking", "message": "Speaking"},
        "task.started": {"task_id": "t1", "duration_estimate": 1.0, "attempt": 1},
        "task.completed": {"task_id": "t1", "duration": 1.0},
        "session.stopped": {"duration": 1.5, "billed_seconds": 2, "reason": "client_stop"},
        "audio_buffer.committed": {"task_id": "t9", "duration": 0.5},
        "audio_buffer.cleared": {"duration": 0.5},
        "error": {"code": "INVALID_MESSAGE", "message": "bad"},
    }.get(event_type, {})
    return json.dumps({"id": event_id, "session_id": SID, "type": event_type, **defaults, **fields})


async def until(condition, timeout=10.0, what="condition"):
    """Waits for ``condition()`` to hold (polling), or fails after ``timeout``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


class FakeNotifier:
    """Each upgrade is recorded (its query); ``refusals`` (status, code) answer upgrades
    first; then each connection runs the next of ``scripts`` (``async def (ws, query)``),
    or, when there is none, stays open until the client closes it."""

    def __init__(self):
        self.upgrades = []
        self.refusals = deque()
        self.scripts = deque()
        self.received = []  # client messages, decoded
        self.server = None

    async def __aenter__(self):
        self.server = await serve(self._handle, "127.0.0.1", 0, process_request=self._upgrade)
        return self

    async def __aexit__(self, *exc):
        self.server.close()
        await self.server.wait_closed()

    @property
    def url(self):
        return f"ws://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/ws"

    async def _upgrade(self, path, headers):
        query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        query["path"] = urlsplit(path).path
        self.upgrades.append(query)
        if self.refusals:
            status, code = self.refusals.popleft()
            body = json.dumps({"error": {"code": code, "message": "refused", "details": {}}}).encode()
            return http.HTTPStatus(status), [("Content-Type", "application/json")], body

    async def _handle(self, ws, path=None):
        query = self.upgrades[-1]
        script = self.scripts.popleft() if self.scripts else None
        if script is None:
            await self.read_all(ws)
        else:
            await script(ws, query)

    async def read_all(self, ws):
        async for raw in ws:
            self.received.append(json.loads(raw))
