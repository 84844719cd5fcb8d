"""A session's WebSocket: events in (typed), client messages out, reconnects with
``last_event_id``, token refresh. Needs only the session's token: a backend relaying
events to its frontend, or a worker that watches, uses it without an API key."""
from __future__ import annotations

import asyncio
import base64
import inspect
import json
import logging
import time
from collections import deque
from typing import Any, Awaitable, Callable, Deque, Dict, List, Optional, Tuple, Union
from urllib.parse import quote, urlencode

import httpx
import websockets

from ._base import RequestModel, dump_model
from .backoff import Backoff
from .errors import AvatarApiError, AvatarConnectionError
from .events import MEDIA_TYPES, AnyServerMessage, parse_server_message
from .models import (
    WS_CLOSE_CODES,
    AudioBufferClearedMessage,
    AudioBufferCommittedMessage,
    ClientMessageAudioBufferAppend,
    ClientMessageAudioBufferAppendData,
    ClientMessageAudioBufferClear,
    ClientMessageAudioBufferCommit,
    ClientMessageInterrupt,
    ClientMessageStartListening,
    ClientMessageStopListening,
)
from .tokens import refresh_delay, token_expiry

log = logging.getLogger("avatar_sdk")

Handler = Callable[[Any], Union[None, Awaitable[None]]]
TokenRefresher = Callable[[], Awaitable[str]]

#: ``on()`` pseudo-types: every message but frames and audio; every message, frames and
#: audio included, in arrival order (to relay or record them); the connection's state.
EVERY_EVENT = "event"
EVERY_MESSAGE = "*"
STATE = "state"

CONNECTING, OPEN, RECONNECTING, CLOSED = "connecting", "open", "reconnecting", "closed"

_STOPPED = WS_CLOSE_CODES["SESSION_STOPPED"]
_TOKEN_EXPIRED = WS_CLOSE_CODES["TOKEN_EXPIRED"]
# A reconnect would be refused or closed the same way: the client sent too much, too fast.
_FATAL_CLOSES = {WS_CLOSE_CODES["POLICY_VIOLATION"], WS_CLOSE_CODES["MESSAGE_TOO_BIG"]}
# Upgrade refusals a retry cannot cure (401 is cured by a fresh token, when we can get one).
_FATAL_STATUSES = {400, 401, 403, 404}
_GONE = 410
# Raw PCM per audio_buffer_append message: its base64 (4/3) stays well under the
# platform's 256 KiB message bound.
_AUDIO_CHUNK_BYTES = 96 * 1024
_SENTINEL = object()


class _Subscription:
    """One handler of one type: its own queue and task, so a slow handler delays neither
    the socket reader nor the other handlers, and gets its events in order. Frames and
    audio beyond ``max_pending_media`` waiting for it are dropped (they are only useful
    live, as the platform itself does for a slow socket); nothing else ever is."""

    def __init__(self, handler: Handler, max_pending_media: int, on_drop: Callable[[], None]):
        self.handler = handler
        self.max_pending_media = max_pending_media
        self.on_drop = on_drop
        self.queue: "Optional[asyncio.Queue[Any]]" = None  # made in the loop that uses it
        self.task: Optional["asyncio.Task[None]"] = None
        self.pending_media = 0
        self.stopping = False

    def push(self, item: Any, media: bool) -> None:
        if media:
            if self.pending_media >= self.max_pending_media:
                self.on_drop()
                return
            self.pending_media += 1
        if self.task is None or self.task.done() or self.stopping:
            # The first event, or the first after a stop: a new queue and task (a
            # stopped task still ends at its sentinel, after what it had).
            self.stopping = False
            self.queue = asyncio.Queue()
            self.pending_media = 1 if media else 0
            self.task = asyncio.get_running_loop().create_task(self._run(self.queue))
        assert self.queue is not None
        self.queue.put_nowait((item, media))

    async def _run(self, queue: "asyncio.Queue[Any]") -> None:
        while True:
            entry = await queue.get()
            try:
                if entry is _SENTINEL:
                    return
                item, media = entry
                if media:
                    self.pending_media -= 1
                result = self.handler(item)
                if inspect.isawaitable(result):
                    await result
            except asyncio.CancelledError:
                raise
            except Exception:  # a handler's bug must not stop the others or the socket
                log.exception("avatar_sdk: handler %r failed", getattr(self.handler, "__name__", self.handler))
            finally:
                queue.task_done()

    async def drain(self) -> None:
        if self.task is not None and not self.task.done() and self.queue is not None:
            await self.queue.join()

    def stop(self) -> None:
        if self.task is not None and not self.task.done() and self.queue is not None and not self.stopping:
            self.stopping = True
            self.queue.put_nowait(_SENTINEL)


class _SessionEnded(Exception):
    """The session is over (the server said so): the connection ends without error."""


class SessionConnection:
    """The WebSocket of one session, with only its access token.

    ``refresh_token``: an async callable returning a fresh token (the platform's
    ``POST /v1/streaming.token``, made by whoever holds the API key). With it the
    connection replaces its token shortly before it expires and when the server says
    it expired (close 4001, upgrade refused 401); without it, an expired token ends
    the connection with ``AvatarConnectionError``.
    """

    def __init__(
        self,
        ws_url: str,
        session_id: str,
        token: str,
        *,
        refresh_token: Optional[TokenRefresher] = None,
        last_event_id: Optional[int] = None,
        sample_rate: Optional[int] = None,
        backoff: Optional[Backoff] = None,
        refresh_before_expiry: bool = True,
        open_timeout: float = 10.0,
        command_timeout: float = 15.0,
        max_pending_media: int = 250,
        max_message_bytes: int = 16 * 1024 * 1024,
    ):
        self.ws_url = ws_url.rstrip("/")
        self.session_id = session_id
        self.token = token
        #: Id of the last event received: a reconnect resumes after it.
        self.last_event_id = last_event_id
        self.sample_rate = sample_rate
        self.state = "idle"
        #: Reconnections so far (after drops, token refreshes and server restarts).
        self.reconnects = 0
        #: The last close: (code, reason) as the server (or this client) closed it.
        self.last_close: Optional[Tuple[int, str]] = None
        #: Frames and audio dropped because a handler fell behind.
        self.dropped_media = 0
        self._refresher = refresh_token
        self._backoff = backoff or Backoff()
        self._refresh_before_expiry = refresh_before_expiry
        self._open_timeout = open_timeout
        self._command_timeout = command_timeout
        self._max_pending_media = max_pending_media
        self._max_message_bytes = max_message_bytes
        self._subs: Dict[str, List[_Subscription]] = {}
        self._waiters: List[Tuple[str, Optional[Callable[[Any], bool]], "asyncio.Future[Any]"]] = []
        self._recent: Deque[AnyServerMessage] = deque(maxlen=512)
        self._pending_commits: Deque["asyncio.Future[AudioBufferCommittedMessage]"] = deque()
        self._pending_clears: Deque["asyncio.Future[AudioBufferClearedMessage]"] = deque()
        self._ws: Any = None
        self._runner: Optional["asyncio.Task[None]"] = None
        self._opened: Optional["asyncio.Future[None]"] = None
        self._done: Optional["asyncio.Future[None]"] = None
        self._closing = False
        self._planned_reconnect = False
        self._stopped = False
        self._token_stale = False

    # -- handlers --------------------------------------------------------------------

    def on(self, event_type: str, handler: Optional[Handler] = None) -> Any:
        """Registers ``handler`` (async or plain) for messages of ``event_type``
        (``"frame"``, ``"task.completed"``…; ``"event"``: every message but frames and
        audio; ``"*"``: every message in arrival order; ``"state"``: the connection's
        state, a string: connecting, open, reconnecting, closed). As a decorator:
        ``@session.on("frame")``. Returns the handler."""

        def register(fn: Handler) -> Handler:
            sub = _Subscription(fn, self._max_pending_media, self._count_drop)
            self._subs.setdefault(event_type, []).append(sub)
            return fn

        return register if handler is None else register(handler)

    def off(self, event_type: str, handler: Handler) -> None:
        """Removes a handler registered with ``on`` (what it already received still runs)."""
        subs = self._subs.get(event_type, [])
        for sub in [s for s in subs if s.handler == handler]:
            subs.remove(sub)
            sub.stop()

    async def wait_for(self, event_type: str, predicate: Optional[Callable[[Any], bool]] = None, timeout: Optional[float] = 30.0, *, past: bool = False) -> Any:
        """The next message of ``event_type`` matching ``predicate``. ``past=True`` also
        looks at the recent messages already received (not frames and audio), so a
        message that came before the call is not missed. Raises ``asyncio.TimeoutError``
        after ``timeout`` seconds, ``AvatarConnectionError`` when the connection ends."""
        if past:
            for event in self._recent:
                if event.type == event_type and (predicate is None or predicate(event)):
                    return event
        if self.state == CLOSED:
            raise AvatarConnectionError(f"waiting for {event_type}: the connection is closed")
        future: "asyncio.Future[Any]" = asyncio.get_running_loop().create_future()
        waiter = (event_type, predicate, future)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    # -- the connection ----------------------------------------------------------------

    @property
    def url(self) -> str:
        """The socket's URL: ``{ws_url}/{session_id}?token=…&last_event_id=…``."""
        query: Dict[str, Any] = {"token": self.token}
        if self.last_event_id is not None:
            query["last_event_id"] = self.last_event_id
        if self.sample_rate is not None:
            query["sample_rate"] = self.sample_rate
        return f"{self.ws_url}/{quote(self.session_id, safe='')}?{urlencode(query)}"

    async def connect(self, timeout: Optional[float] = 30.0) -> None:
        """Opens the socket; returns once it is open. From then on the connection
        reconnects by itself until the session stops or ``disconnect()``. Raises
        ``AvatarConnectionError`` when the socket cannot be opened (token refused
        without a way to refresh it, session stopped: 410, not open within ``timeout``)."""
        if self._runner is None or self._runner.done():
            loop = asyncio.get_running_loop()
            self._closing = False
            self._stopped = False
            self._opened = loop.create_future()
            self._done = loop.create_future()
            self._runner = loop.create_task(self._run())
        assert self._opened is not None
        try:
            await asyncio.wait_for(asyncio.shield(self._opened), timeout)
        except asyncio.TimeoutError:
            await self.disconnect()
            raise AvatarConnectionError(f"the session's socket did not open within {timeout} s") from None

    async def disconnect(self, drain_timeout: float = 10.0) -> None:
        """Closes the socket for good (no reconnect). Handlers get what was received
        before (up to ``drain_timeout`` seconds)."""
        self._closing = True
        runner = self._runner
        ws = self._ws
        if ws is not None:
            await _quietly(ws.close(code=1000, reason="client disconnect"))
        elif runner is not None and not runner.done():
            runner.cancel()  # between sockets: waiting out a backoff, or opening one
        if runner is not None and not runner.done():
            try:
                await asyncio.wait_for(asyncio.shield(runner), 5.0)
            except asyncio.TimeoutError:
                runner.cancel()
                await asyncio.gather(runner, return_exceptions=True)
        await self._drain_handlers(drain_timeout)

    async def run_forever(self) -> None:
        """Returns when the session has stopped (``session.stopped``, or the server says
        it has) or ``disconnect()`` was called, once the handlers have had every event.
        Raises ``AvatarConnectionError`` when the connection ended for another reason."""
        if self._runner is None:
            await self.connect()
        assert self._done is not None
        try:
            await asyncio.shield(self._done)
        finally:
            await self._drain_handlers(None)

    async def __aenter__(self) -> "SessionConnection":
        await self.connect()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.disconnect()

    # -- client messages ---------------------------------------------------------------

    async def send(self, message: Union[RequestModel, Dict[str, Any]]) -> None:
        """Sends one client message (a generated ``ClientMessage…`` model or a dict)."""
        ws = self._ws
        if ws is None or self.state != OPEN:
            raise AvatarConnectionError(f"not connected (state {self.state})")
        body = dump_model(message) if isinstance(message, RequestModel) else message
        await ws.send(json.dumps(body, separators=(",", ":")))

    async def interrupt(self) -> Any:
        """Stops the speaking task and drops the queued ones (``{"type": "interrupt"}``
        on the socket: ``task.interrupted`` follows)."""
        await self.send(ClientMessageInterrupt(type="interrupt"))

    async def start_listening(self) -> None:
        await self.send(ClientMessageStartListening(type="start_listening"))

    async def stop_listening(self) -> None:
        await self.send(ClientMessageStopListening(type="stop_listening"))

    async def append_audio(self, pcm: bytes, sample_rate: Optional[int] = None) -> None:
        """Appends audio to the session's buffer: PCM s16le mono (or a 16-bit WAV), at
        ``sample_rate`` (else the socket's, else 24000 Hz). Long audio is sent in
        several messages (each under the platform's message bound)."""
        if len(pcm) == 0:
            return
        if len(pcm) > _AUDIO_CHUNK_BYTES and pcm[:4] == b"RIFF":
            raise ValueError("a WAV must fit one message (96 KiB): send long audio as raw PCM")
        for start in range(0, len(pcm), _AUDIO_CHUNK_BYTES):
            chunk = pcm[start:start + _AUDIO_CHUNK_BYTES]
            data = ClientMessageAudioBufferAppendData(audio=base64.b64encode(chunk).decode("ascii"), sample_rate=sample_rate)
            await self.send(ClientMessageAudioBufferAppend(type="audio_buffer_append", data=data))

    async def commit_audio(self) -> AudioBufferCommittedMessage:
        """Makes the buffered audio a speech task: the ``audio_buffer.committed`` answer
        (``task_id``, ``duration``). A refusal (``AUDIO_BUFFER_EMPTY``,
        ``SESSION_NOT_ACTIVE``…) raises ``AvatarApiError`` with the socket's code."""
        future: "asyncio.Future[AudioBufferCommittedMessage]" = asyncio.get_running_loop().create_future()
        self._pending_commits.append(future)
        return await self._command(future, ClientMessageAudioBufferCommit(type="audio_buffer_commit"), self._pending_commits)

    async def clear_audio(self) -> AudioBufferClearedMessage:
        """Drops the buffered audio: the ``audio_buffer.cleared`` answer (``duration``)."""
        future: "asyncio.Future[AudioBufferClearedMessage]" = asyncio.get_running_loop().create_future()
        self._pending_clears.append(future)
        return await self._command(future, ClientMessageAudioBufferClear(type="audio_buffer_clear"), self._pending_clears)

    async def _command(self, future: "asyncio.Future[Any]", message: RequestModel, pending: Deque[Any]) -> Any:
        try:
            await self.send(message)
            return await asyncio.wait_for(asyncio.shield(future), self._command_timeout)
        finally:
            if future in pending:
                pending.remove(future)

    # -- internals ---------------------------------------------------------------------

    def _count_drop(self) -> None:
        self.dropped_media += 1

    def _set_state(self, state: str) -> None:
        if state == self.state:
            return
        self.state = state
        for sub in list(self._subs.get(STATE, [])):
            sub.push(state, False)

    def _dispatch(self, event: AnyServerMessage) -> None:
        event_type = event.type
        event_id = getattr(event, "id", None)
        if isinstance(event_id, int) and (self.last_event_id is None or event_id > self.last_event_id):
            self.last_event_id = event_id
        media = event_type in MEDIA_TYPES
        if event_type == "session.stopped":
            self._stopped = True
        elif event_type == "audio_buffer.committed" and self._pending_commits:
            _settle(self._pending_commits.popleft(), event)
        elif event_type == "audio_buffer.cleared" and self._pending_clears:
            _settle(self._pending_clears.popleft(), event)
        elif event_type == "error" and self._pending_commits and str(getattr(event, "message", "")).startswith("audio_buffer_commit"):
            _settle(self._pending_commits.popleft(), None, AvatarApiError(None, getattr(event, "code", "ERROR"), getattr(event, "message", "")))
        if not media:
            self._recent.append(event)
        for waiter in list(self._waiters):
            waited_type, predicate, future = waiter
            if waited_type != event_type or future.done():
                continue
            try:
                if predicate is None or predicate(event):
                    future.set_result(event)
            except Exception as err:  # the caller's predicate: its error is the caller's
                future.set_exception(err)
        for sub in list(self._subs.get(event_type, [])):
            sub.push(event, media)
        if not media:
            for sub in list(self._subs.get(EVERY_EVENT, [])):
                sub.push(event, False)
        for sub in list(self._subs.get(EVERY_MESSAGE, [])):
            sub.push(event, media)

    async def _run(self) -> None:
        error: Optional[BaseException] = None
        attempt = 0
        first = True
        refused_401 = False
        try:
            while not self._closing:
                if self._token_stale or self._token_expired():
                    try:
                        await self._refresh()
                    except _TRANSIENT as err:
                        log.info("avatar_sdk: token refresh failed (%s): retrying", err)
                        await self._sleep(attempt)
                        attempt += 1
                        continue
                self._set_state(CONNECTING if first else RECONNECTING)
                try:
                    ws = await self._open_socket()
                except _Refused as refused:
                    if refused.status == _GONE:
                        raise _SessionEnded() from None
                    if refused.status == 401 and self._refresher is not None and not refused_401:
                        # A fresh token, once: refused again with it, the refusal is final.
                        refused_401 = True
                        self._token_stale = True
                        continue
                    if refused.status in _FATAL_STATUSES:
                        raise AvatarConnectionError(
                            f"the session's socket was refused: {refused.status} {refused.code or ''}".strip(), status=refused.status, code=refused.code
                        ) from None
                    await self._sleep(attempt)
                    attempt += 1
                    continue
                except (OSError, asyncio.TimeoutError, websockets.exceptions.InvalidHandshake) as err:
                    log.info("avatar_sdk: session socket not opened (%s): retrying", err)
                    await self._sleep(attempt)
                    attempt += 1
                    continue
                attempt = 0
                first = False
                refused_401 = False
                self._ws = ws
                self._set_state(OPEN)
                if self._opened is not None and not self._opened.done():
                    self._opened.set_result(None)
                code, reason = await self._read(ws)
                self._ws = None
                self.last_close = (code, reason)
                self._fail_commands(AvatarConnectionError(f"the socket closed ({code}) before the answer"))
                if self._closing:
                    break
                if self._stopped or (code == _STOPPED and not self._planned_reconnect):
                    raise _SessionEnded()
                if self._planned_reconnect:
                    self._planned_reconnect = False
                elif code == _TOKEN_EXPIRED:
                    if self._refresher is None:
                        raise AvatarConnectionError("the session token expired and there is no refresh_token", close_code=code)
                    self._token_stale = True
                elif code in _FATAL_CLOSES:
                    raise AvatarConnectionError(f"the server closed the socket: {code} {reason}", close_code=code)
                else:
                    await self._sleep(attempt)
                    attempt += 1
                self.reconnects += 1
                self._set_state(RECONNECTING)
        except _SessionEnded:
            pass
        except asyncio.CancelledError:
            if not self._closing:
                error = AvatarConnectionError("the connection was cancelled")
        except Exception as err:
            error = err
        finally:
            self._ws = None
            self._set_state(CLOSED)
            self._fail_commands(AvatarConnectionError("the connection is closed"))
            for _, _, future in list(self._waiters):
                if not future.done():
                    future.set_exception(AvatarConnectionError("the connection is closed"))
            if self._opened is not None and not self._opened.done():
                self._opened.set_exception(error or AvatarConnectionError("the session has stopped", status=_GONE, code="SESSION_NOT_ACTIVE"))
                self._opened.exception()  # retrieved: connect() may never be awaited again
            if self._done is not None and not self._done.done():
                if error is not None:
                    self._done.set_exception(error)
                    self._done.exception()
                else:
                    self._done.set_result(None)

    async def _open_socket(self) -> Any:
        try:
            return await websockets.connect(
                self.url,
                open_timeout=self._open_timeout,
                max_size=self._max_message_bytes,
                close_timeout=5,
            )
        except websockets.exceptions.InvalidHandshake as err:
            status = _refusal_status(err)
            if status is None:
                raise
            raise _Refused(status, _refusal_code(err)) from None

    async def _read(self, ws: Any) -> Tuple[int, str]:
        refresher = asyncio.get_running_loop().create_task(self._refresh_ahead(ws))
        try:
            async for raw in ws:
                try:
                    event = parse_server_message(raw)
                except ValueError as err:
                    log.warning("avatar_sdk: ignored a message that is not a platform message: %s", err)
                    continue
                self._dispatch(event)
        except websockets.exceptions.ConnectionClosed:
            pass
        finally:
            refresher.cancel()
            await asyncio.gather(refresher, return_exceptions=True)
        code = ws.close_code if ws.close_code is not None else 1006
        return code, ws.close_reason or ""

    async def _refresh_ahead(self, ws: Any) -> None:
        """Replaces the token shortly before it expires: a fresh one, then a reconnect
        with ``last_event_id`` (the server closes a socket when its token expires)."""
        if self._refresher is None or not self._refresh_before_expiry:
            return
        delay = refresh_delay(self.token)
        if delay is None:
            return
        await asyncio.sleep(delay)
        try:
            await self._refresh()
        except Exception as err:  # the 4001 close will try again
            log.warning("avatar_sdk: token refresh ahead of expiry failed: %s", err)
            return
        self._planned_reconnect = True
        await _quietly(ws.close(code=1000, reason="token refresh"))

    async def _refresh(self) -> None:
        if self._refresher is None:
            raise AvatarConnectionError("the session token expired and there is no refresh_token", status=401)
        try:
            self.token = await self._refresher()
        except AvatarApiError as err:
            if err.code == "SESSION_NOT_ACTIVE" or err.status == _GONE:
                raise _SessionEnded() from None
            if err.status is None or err.status >= 500 or err.status == 429:
                raise _Transient(str(err)) from err
            raise
        self._token_stale = False

    def _token_expired(self) -> bool:
        exp = token_expiry(self.token)
        return exp is not None and exp <= time.time() and self._refresher is not None

    async def _sleep(self, attempt: int) -> None:
        self._set_state(RECONNECTING)
        await asyncio.sleep(self._backoff.delay(attempt))

    def _fail_commands(self, error: Exception) -> None:
        for pending in (self._pending_commits, self._pending_clears):
            while pending:
                _settle(pending.popleft(), None, error)

    async def _drain_handlers(self, timeout: Optional[float]) -> None:
        current = asyncio.current_task()
        subs = [sub for subs in self._subs.values() for sub in subs if sub.task is not current]
        drains = [sub.drain() for sub in subs]
        if drains:
            try:
                await asyncio.wait_for(asyncio.gather(*drains), timeout)
            except asyncio.TimeoutError:
                log.warning("avatar_sdk: handlers still busy after %s s", timeout)
        if self.state == CLOSED:
            for sub in subs:
                sub.stop()


class _Transient(Exception):
    """A token refresh that may work later (the platform busy or restarting)."""


# Failures a later attempt may not meet: the network, timeouts, the platform's 5xx/429.
_TRANSIENT = (_Transient, OSError, asyncio.TimeoutError, httpx.TransportError)


class _Refused(Exception):
    def __init__(self, status: int, code: Optional[str]):
        super().__init__(status)
        self.status = status
        self.code = code


def _refusal_status(err: Exception) -> Optional[int]:
    # websockets 10-13: InvalidStatusCode.status_code; 11+: InvalidStatus.response.
    status = getattr(err, "status_code", None)
    if status is None:
        response = getattr(err, "response", None)
        status = getattr(response, "status_code", None)
    return int(status) if status is not None else None


def _refusal_code(err: Exception) -> Optional[str]:
    body = getattr(getattr(err, "response", None), "body", None)
    if not body:
        return None
    try:
        return json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def _settle(future: "asyncio.Future[Any]", result: Any, error: Optional[Exception] = None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


async def _quietly(awaitable: Awaitable[Any]) -> None:
    try:
        await awaitable
    except Exception:
        pass
