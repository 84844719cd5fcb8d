"""The SDK's errors."""
from __future__ import annotations

from typing import Any, Dict, Optional


class AvatarError(Exception):
    """Base of the SDK's own errors."""


class AvatarApiError(AvatarError):
    """The platform refused a request: its error envelope
    ``{"error": {"code", "message", "details"}}`` with the HTTP status (``None`` for an
    error the platform sent on the WebSocket, or inside a chat stream after it began)."""

    def __init__(self, status: Optional[int], code: str, message: str, details: Optional[Dict[str, Any]] = None):
        super().__init__(f"{status if status is not None else 'ws'} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details: Dict[str, Any] = details or {}

    @property
    def retry_after(self) -> Optional[float]:
        """Seconds the platform asked to wait (rate limits), when it said."""
        value = self.details.get("retry_after_seconds")
        return float(value) if isinstance(value, (int, float)) else None

    @classmethod
    def from_envelope(cls, status: Optional[int], body: Any) -> "AvatarApiError":
        """From an answer's body; a body that is not an envelope (a proxy's page) still
        becomes an error with the status, as ``HTTP_<status>``."""
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and isinstance(error.get("code"), str):
            details = error.get("details")
            return cls(status, error["code"], str(error.get("message", "")), details if isinstance(details, dict) else {})
        text = body if isinstance(body, str) else repr(body)
        return cls(status, f"HTTP_{status}", text[:500], {})


class AvatarConnectionError(AvatarError):
    """The session's WebSocket could not be opened, or ended for good for a reason other
    than the session stopping or ``disconnect()``: the upgrade was refused (``status``,
    and the envelope's ``code`` when the server sent one), or the server closed the
    socket with a code that a reconnect would not cure (``close_code``)."""

    def __init__(self, message: str, *, status: Optional[int] = None, code: Optional[str] = None, close_code: Optional[int] = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.close_code = close_code
