"""WebSocket messages from the platform, as typed models."""
from __future__ import annotations

import json
from typing import Any, Optional, Union

from ._base import ServerModel, parse_lenient
from .models import SERVER_MESSAGE_TYPES, ServerMessage

#: Types that are only useful live: never replayed, dropped for a slow client.
MEDIA_TYPES = frozenset({"frame", "audio"})


class UnknownServerMessage(ServerModel):
    """A message of a type this SDK does not know (a newer platform): its fields are
    kept as attributes, as sent."""

    type: str
    id: Optional[int] = None
    session_id: Optional[str] = None


AnyServerMessage = Union[ServerMessage, UnknownServerMessage]


def parse_server_message(data: Union[str, bytes, dict]) -> AnyServerMessage:
    """One WebSocket message (JSON text or its decoded object) as its model, chosen by
    ``type``. Raises ValueError when it is not a JSON object with a string ``type``."""
    obj: Any = json.loads(data) if isinstance(data, (str, bytes)) else data
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise ValueError("not a platform message: a JSON object with a string type")
    model = SERVER_MESSAGE_TYPES.get(obj["type"])
    if model is None:
        return parse_lenient(UnknownServerMessage, obj)
    return parse_lenient(model, obj)
