"""Python SDK of the Avatar Platform: sessions, speech and chat over its HTTP API, the
session's events over its WebSocket (typed with models generated from the platform's
OpenAPI document).

    client = AvatarClient("http://localhost:8000/v1", "ws://localhost:8001/ws", api_key)
    session = await client.create_session(quality="medium")
    await session.connect()

    @session.on("frame")
    async def on_frame(frame: models.FrameEvent): ...

    await session.speak("Hello!")
    await session.run_forever()
"""
from . import models
from .backoff import Backoff
from .client import AvatarClient, ChatStream
from .connection import SessionConnection
from .errors import AvatarApiError, AvatarConnectionError, AvatarError
from .events import UnknownServerMessage, parse_server_message
from .session import AvatarSession
from .version import __version__

__all__ = [
    "AvatarApiError",
    "AvatarClient",
    "AvatarConnectionError",
    "AvatarError",
    "AvatarSession",
    "Backoff",
    "ChatStream",
    "SessionConnection",
    "UnknownServerMessage",
    "__version__",
    "models",
    "parse_server_message",
]
