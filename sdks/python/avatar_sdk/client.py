"""The platform's HTTP API (``/v1``) with an API key, on httpx."""
from __future__ import annotations

import asyncio
import json
import os
import uuid
from typing import TYPE_CHECKING, Any, AsyncIterator, Dict, List, Optional, Type, TypeVar
from urllib.parse import quote

import httpx

from ._base import RequestModel, ServerModel, dump_model, parse_lenient, parse_model
from .backoff import Backoff
from .errors import AvatarApiError
from .models import (
    OPERATIONS,
    ChatCompletionRequest,
    ChatCompletionRequestMessage,
    ChatCompletionResponse,
    CreateSessionRequest,
    CreateSessionResponse,
    GetSessionResponse,
    GetTaskResponse,
    InterruptRequest,
    InterruptResponse,
    ListAvatarsQuery,
    ListAvatarsResponse,
    ListProvidersResponse,
    ListSessionsQuery,
    ListSessionsResponse,
    ListVoicesQuery,
    ListVoicesResponse,
    SessionTokenRequest,
    SessionTokenResponse,
    SpeakRequest,
    SpeakRequestVoiceSettings,
    SpeakResponse,
    StartSessionRequest,
    StartSessionRequestSdp,
    StartSessionResponse,
    StopSessionRequest,
    StopSessionResponse,
    UsageQuery,
    UsageResponse,
)
from .sse import DONE, SseParser
from .version import __version__

if TYPE_CHECKING:  # the session module imports this one
    from .session import AvatarSession

R = TypeVar("R", bound=ServerModel)

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Answers that say "the same request again later may succeed", and that the platform
# did not keep under the Idempotency-Key (so the retry with the same key does the work
# once): 503, a 429 that says when (Retry-After), a twin request still running.
_RETRY_CODES = {"IDEMPOTENCY_IN_PROGRESS"}


class AvatarClient:
    """The platform's API with a tenant API key.

    ``api_url``: the API's base including ``/v1`` (``http://localhost:8000/v1``);
    ``ws_url``: the WebSocket base (``ws://localhost:8001/ws``); ``api_key``: the
    tenant's key (default: the ``AVATAR_API_KEY`` environment variable).

    Every POST carries a fresh ``Idempotency-Key``, the same on its retries: a request
    that failed on the network or got 503 (or 429 with ``Retry-After``) is sent again up
    to ``retries`` times, and the platform does its work at most once.
    """

    def __init__(
        self,
        api_url: str,
        ws_url: str,
        api_key: Optional[str] = None,
        *,
        timeout: float = 30.0,
        retries: int = 2,
        max_retry_wait: float = 30.0,
        backoff: Optional[Backoff] = None,
        http_client: Optional[httpx.AsyncClient] = None,
    ):
        api_key = api_key or os.environ.get("AVATAR_API_KEY")
        if not api_key:
            raise ValueError("an API key is needed: api_key=… or AVATAR_API_KEY")
        self.api_url = api_url.rstrip("/")
        self.ws_url = ws_url.rstrip("/")
        self.retries = retries
        self.max_retry_wait = max_retry_wait
        self._backoff = backoff or Backoff(base=0.5, cap=8.0)
        self._headers = {"Authorization": f"Bearer {api_key}", "User-Agent": f"avatar-sdk-python/{__version__}"}
        self._own_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> "AvatarClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    # -- sessions ------------------------------------------------------------------------

    async def create_session(
        self,
        quality: Optional[str] = None,
        avatar_id: Optional[str] = None,
        voice_id: Optional[str] = None,
        provider: Optional[str] = None,
        idle_timeout: Optional[int] = None,
        max_duration: Optional[int] = None,
        *,
        conversation_engine: Optional[Dict[str, Any]] = None,
        start: bool = True,
        sdp: Optional[Dict[str, str]] = None,
        **connection_options: Any,
    ) -> "AvatarSession":
        """Creates a session (``streaming.new``) and, unless ``start=False``, starts it
        (``streaming.start``: billing starts). ``connection_options`` go to the
        session's socket (``SessionConnection``: ``sample_rate``, ``backoff``…)."""
        from .session import AvatarSession

        request = CreateSessionRequest(
            quality=quality,
            avatar_id=avatar_id,
            voice_id=voice_id,
            provider=provider,
            conversation_engine=conversation_engine,
            idle_timeout=idle_timeout,
            max_duration=max_duration,
        )
        created = await self.request("createSession", CreateSessionResponse, body=request)
        session = AvatarSession(self, created, **connection_options)
        if start:
            try:
                await session.start(sdp=sdp)
            except BaseException:
                # Not left waiting for its idle timeout, holding one of the tenant's sessions.
                try:
                    await self.stop_session(created.session_id)
                except Exception:
                    pass
                raise
        return session

    async def resume_session(self, session_id: str, **connection_options: Any) -> "AvatarSession":
        """An ``AvatarSession`` for a session created earlier (another process): a fresh
        token (``streaming.token``); ``connect()`` it to watch."""
        from .session import AvatarSession

        token = await self.session_token(session_id)
        created = CreateSessionResponse(session_id=session_id, ice_servers=[], access_token=token.access_token)
        return AvatarSession(self, created, **connection_options)

    async def start_session(self, session_id: str, sdp: Optional[Dict[str, str]] = None) -> StartSessionResponse:
        body = StartSessionRequest(session_id=session_id, sdp=StartSessionRequestSdp(**sdp) if sdp else None)
        return await self.request("startSession", StartSessionResponse, body=body)

    async def stop_session(self, session_id: str) -> StopSessionResponse:
        return await self.request("stopSession", StopSessionResponse, body=StopSessionRequest(session_id=session_id))

    async def session_token(self, session_id: str) -> SessionTokenResponse:
        return await self.request("sessionToken", SessionTokenResponse, body=SessionTokenRequest(session_id=session_id))

    async def get_session(self, session_id: str) -> GetSessionResponse:
        return await self.request("getSession", GetSessionResponse, path={"session_id": session_id})

    async def list_sessions(self, **query: Any) -> ListSessionsResponse:
        """``status``, ``provider``, ``from_`` (or ``**{"from": …}``), ``to``, ``sort``, ``limit``, ``cursor``, ``offset``."""
        return await self.request("listSessions", ListSessionsResponse, query=ListSessionsQuery(**query))

    # -- speech and chat -------------------------------------------------------------------

    async def speak(self, session_id: str, text: str, voice_id: Optional[str] = None, voice_settings: Optional[Dict[str, float]] = None) -> SpeakResponse:
        body = SpeakRequest(
            session_id=session_id,
            text=text,
            voice_id=voice_id,
            voice_settings=SpeakRequestVoiceSettings(**voice_settings) if voice_settings else None,
        )
        return await self.request("speak", SpeakResponse, body=body)

    async def interrupt(self, session_id: str) -> InterruptResponse:
        return await self.request("interrupt", InterruptResponse, body=InterruptRequest(session_id=session_id))

    async def chat_completion(self, session_id: str, messages: List[Dict[str, str]], model: Optional[str] = None) -> ChatCompletionResponse:
        """One chat turn, answered when the reply is complete (it is spoken as it streams)."""
        body = _chat_request(session_id, messages, model, stream=False)
        return await self.request("chatCompletion", ChatCompletionResponse, body=body)

    def chat_stream(self, session_id: str, messages: List[Dict[str, str]], model: Optional[str] = None) -> "ChatStream":
        """One chat turn as the reply streams: ``async for delta in …`` gives its pieces."""
        return ChatStream(self, _chat_request(session_id, messages, model, stream=True))

    # -- catalog, tasks, usage -------------------------------------------------------------

    async def providers(self) -> ListProvidersResponse:
        return await self.request("listProviders", ListProvidersResponse)

    async def avatars(self, provider: Optional[str] = None) -> ListAvatarsResponse:
        return await self.request("listAvatars", ListAvatarsResponse, query=ListAvatarsQuery(provider=provider))

    async def voices(self, provider: Optional[str] = None) -> ListVoicesResponse:
        return await self.request("listVoices", ListVoicesResponse, query=ListVoicesQuery(provider=provider))

    async def get_task(self, task_id: str) -> GetTaskResponse:
        return await self.request("getTask", GetTaskResponse, path={"task_id": task_id})

    async def usage(self, **query: Any) -> UsageResponse:
        """``from_`` (or ``**{"from": …}``), ``to``, ``group_by``; JSON only."""
        query.pop("format", None)
        return await self.request("usage", UsageResponse, query=UsageQuery(**query))

    # -- the transport ---------------------------------------------------------------------

    def url(self, operation: str, path: Optional[Dict[str, str]] = None) -> str:
        """The URL of an operation (its OpenAPI ``operationId``) under ``api_url``."""
        _, template = OPERATIONS[operation]
        relative = template[len("/v1"):] if template.startswith("/v1/") else template
        for name, value in (path or {}).items():
            relative = relative.replace("{" + name + "}", quote(str(value), safe=""))
        return self.api_url + relative

    async def request(
        self,
        operation: str,
        response_model: Type[R],
        *,
        body: Optional[RequestModel] = None,
        query: Optional[RequestModel] = None,
        path: Optional[Dict[str, str]] = None,
        idempotency_key: Optional[str] = None,
    ) -> R:
        """Calls an operation; its answer as ``response_model``. Raises
        ``AvatarApiError`` for the platform's error envelope, httpx's errors for a
        network failure that outlasted the retries."""
        method, _ = OPERATIONS[operation]
        headers = dict(self._headers)
        if method == "POST":
            headers[IDEMPOTENCY_HEADER] = idempotency_key or str(uuid.uuid4())
        json_body = dump_model(body) if body is not None else ({} if method == "POST" else None)
        params = dump_model(query) if query is not None else None
        url = self.url(operation, path)
        attempt = 0
        while True:
            try:
                response = await self._http.request(method, url, json=json_body, params=params, headers=headers)
            except httpx.TransportError:
                # A GET, or a POST with its Idempotency-Key: sending it again is safe.
                if attempt >= self.retries:
                    raise
                await asyncio.sleep(self._backoff.delay(attempt))
                attempt += 1
                continue
            if response.status_code < 400:
                return parse_lenient(response_model, response.json())
            error = _error_of(response)
            delay = self._retry_delay(response, error, attempt)
            if delay is None:
                raise error
            await asyncio.sleep(delay)
            attempt += 1

    def _retry_delay(self, response: httpx.Response, error: AvatarApiError, attempt: int) -> Optional[float]:
        if attempt >= self.retries:
            return None
        retry_after = _retry_after(response)
        retryable = response.status_code == 503 or (response.status_code == 429 and retry_after is not None) or error.code in _RETRY_CODES
        if not retryable:
            return None
        delay = retry_after if retry_after is not None else self._backoff.delay(attempt)
        return delay if delay <= self.max_retry_wait else None


class ChatStream:
    """A streamed chat reply: ``async for delta in stream`` gives the reply's pieces as
    they come; then ``text`` is the whole reply and ``finish_reason`` how it ended
    (``stop``, ``interrupted``). A failure once streaming raises ``AvatarApiError``
    (status ``None``) with the platform's code."""

    def __init__(self, client: AvatarClient, body: ChatCompletionRequest):
        self._client = client
        self._body = body
        self.text = ""
        self.finish_reason: Optional[str] = None
        self._iterator: Optional[AsyncIterator[str]] = None

    def __aiter__(self) -> "ChatStream":
        return self

    async def __anext__(self) -> str:
        if self._iterator is None:
            self._iterator = self._stream()
        return await self._iterator.__anext__()

    async def aclose(self) -> None:
        """Stops reading: the connection closes, which ends the reply on the platform too."""
        if self._iterator is not None:
            await self._iterator.aclose()  # type: ignore[attr-defined]

    async def __aenter__(self) -> "ChatStream":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def collect(self) -> str:
        """Reads the stream to its end: the whole reply."""
        async for _ in self:
            pass
        return self.text

    async def _stream(self) -> AsyncIterator[str]:
        client = self._client
        headers = dict(client._headers)
        headers[IDEMPOTENCY_HEADER] = str(uuid.uuid4())
        headers["Accept"] = "text/event-stream"
        url = client.url("chatCompletion")
        payload = dump_model(self._body)
        attempt = 0
        while True:
            try:
                async with client._http.stream("POST", url, json=payload, headers=headers) as response:
                    if response.status_code >= 400:
                        await response.aread()
                        error = _error_of(response)
                        delay = client._retry_delay(response, error, attempt)
                        if delay is None:
                            raise error
                    elif not response.headers.get("content-type", "").startswith("text/event-stream"):
                        # A JSON answer after all (a server without streaming): one piece.
                        await response.aread()
                        done = parse_model(ChatCompletionResponse, response.json())
                        self.finish_reason = done.choices[0].finish_reason if done.choices else None
                        text = done.choices[0].message.content if done.choices else ""
                        self.text += text
                        if text:
                            yield text
                        return
                    else:
                        async for delta in self._read(response):
                            yield delta
                        return
            except (httpx.ConnectError, httpx.ConnectTimeout):
                # Nothing was sent: safe to try again. (Not after: a turn that reached the
                # platform is not repeated, whatever happened to its answer.)
                if attempt >= client.retries:
                    raise
                delay = client._backoff.delay(attempt)
            await asyncio.sleep(delay)
            attempt += 1

    async def _read(self, response: httpx.Response) -> AsyncIterator[str]:
        parser = SseParser()
        async for line in response.aiter_lines():
            for data in parser.feed_line(line):
                delta = self._event(data)
                if delta is _END:
                    return
                if delta:
                    yield delta
        for data in parser.close():
            delta = self._event(data)
            if delta is _END:
                return
            if delta:
                yield delta
        raise AvatarApiError(None, "STREAM_ENDED", "the chat stream ended without [DONE]")

    def _event(self, data: str) -> Any:
        if data == DONE:
            return _END
        try:
            chunk = json.loads(data)
        except ValueError:
            raise AvatarApiError(None, "INVALID_STREAM", f"not JSON in the chat stream: {data[:200]}") from None
        if isinstance(chunk, dict) and "error" in chunk:
            raise AvatarApiError.from_envelope(None, chunk)
        choice = (chunk.get("choices") or [{}])[0] if isinstance(chunk, dict) else {}
        if choice.get("finish_reason"):
            self.finish_reason = choice["finish_reason"]
        content = (choice.get("delta") or {}).get("content")
        if isinstance(content, str) and content:
            self.text += content
            return content
        return None


_END = object()


def _chat_request(session_id: str, messages: List[Dict[str, str]], model: Optional[str], stream: bool) -> ChatCompletionRequest:
    return ChatCompletionRequest(
        session_id=session_id,
        messages=[ChatCompletionRequestMessage(**m) for m in messages],
        stream=stream,
        model=model,
    )


def _error_of(response: httpx.Response) -> AvatarApiError:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    return AvatarApiError.from_envelope(response.status_code, body)


def _retry_after(response: httpx.Response) -> Optional[float]:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None

