"""A session seen from a backend with the API key: its WebSocket (``SessionConnection``,
token refreshed through ``POST /v1/streaming.token``) and its HTTP calls."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from .connection import SessionConnection
from .models import (
    CreateSessionResponse,
    GetSessionResponse,
    GetTaskResponse,
    InterruptResponse,
    SpeakResponse,
    StartSessionResponse,
    StopSessionResponse,
)

if TYPE_CHECKING:
    from .client import AvatarClient, ChatStream


class AvatarSession(SessionConnection):
    """One session: what ``AvatarClient.create_session`` returns.

    The socket: ``await session.connect()``, ``@session.on("frame")``,
    ``await session.run_forever()`` (see ``SessionConnection``). The calls: ``speak``,
    ``chat``, ``chat_stream``, ``interrupt``, ``stop``, ``history``.
    """

    def __init__(self, client: "AvatarClient", created: CreateSessionResponse, **connection_options: Any):
        super().__init__(client.ws_url, created.session_id, created.access_token, refresh_token=self._fresh_token, **connection_options)
        self.client = client
        self.created = created
        #: ``streaming.start``'s answer (provider, provider_session…), once started.
        self.started: Optional[StartSessionResponse] = None

    @property
    def access_token(self) -> str:
        """The session's current WebSocket token (for a frontend)."""
        return self.token

    @property
    def ice_servers(self) -> List[Any]:
        return list(self.created.ice_servers)

    async def start(self, sdp: Optional[Dict[str, str]] = None) -> StartSessionResponse:
        """``streaming.start`` (``create_session`` does it unless ``start=False``)."""
        self.started = await self.client.start_session(self.session_id, sdp=sdp)
        return self.started

    async def speak(self, text: str, voice_id: Optional[str] = None, voice_settings: Optional[Dict[str, float]] = None) -> SpeakResponse:
        """Queues ``text``: ``{task_id, status, duration_estimate}``; the socket then
        gets ``task.started``, the frames, ``task.completed``."""
        return await self.client.speak(self.session_id, text, voice_id=voice_id, voice_settings=voice_settings)

    async def chat(self, text: str, *, system: Optional[str] = None, model: Optional[str] = None) -> str:
        """One chat turn: the reply's text, once complete (the avatar speaks it sentence
        by sentence while it streams)."""
        answer = await self.client.chat_completion(self.session_id, _messages(text, system), model=model)
        return answer.choices[0].message.content if answer.choices else ""

    def chat_stream(self, text: str, *, system: Optional[str] = None, model: Optional[str] = None) -> "ChatStream":
        """One chat turn as it streams: ``async for delta in session.chat_stream(…)``."""
        return self.client.chat_stream(self.session_id, _messages(text, system), model=model)

    async def interrupt(self) -> InterruptResponse:  # type: ignore[override]
        """Stops the speaking task and drops the queued ones (``streaming.interrupt``):
        ``{status, interrupted_task_ids}``. (``SessionConnection.interrupt`` sends it on
        the socket instead.)"""
        return await self.client.interrupt(self.session_id)

    async def stop(self) -> StopSessionResponse:
        """Stops the session: ``{status, duration, billed_seconds}``. The socket gets
        ``session.stopped`` and closes; ``run_forever()`` returns."""
        return await self.client.stop_session(self.session_id)

    async def history(self) -> GetSessionResponse:
        """The session with its tasks, events and conversation (``GET /v1/sessions/{id}``)."""
        return await self.client.get_session(self.session_id)

    async def get_task(self, task_id: str) -> GetTaskResponse:
        return await self.client.get_task(task_id)

    async def __aexit__(self, *exc: Any) -> None:
        """Leaving ``async with session:`` stops the session (billing ends) and closes the socket."""
        try:
            await self.stop()
        finally:
            await self.disconnect()

    async def _fresh_token(self) -> str:
        return (await self.client.session_token(self.session_id)).access_token


def _messages(text: str, system: Optional[str]) -> List[Dict[str, str]]:
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": text})
    return messages
