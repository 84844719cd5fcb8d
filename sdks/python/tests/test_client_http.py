"""The HTTP client against a stand-in transport: Idempotency-Key and retries, error
envelopes, the chat stream."""
import json
import unittest

import httpx

from avatar_sdk import AvatarApiError, AvatarClient, Backoff, models

SID = "eb052fc7-cf27-4b6f-bb9d-22f010258142"
TASK = "442ed71e-d30f-4581-aada-ee6ccafc196e"
SPOKEN = {"task_id": TASK, "status": "processing", "duration_estimate": 1.2}


def envelope(code, message="refused", details=None):
    return {"error": {"code": code, "message": message, "details": details or {}}}


class Recorder:
    """Answers requests in turn from ``answers`` (a Response, or an exception to raise)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests = []

    def __call__(self, request):
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def client_with(recorder, **options):
    http = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    fast = Backoff(base=0.001, cap=0.002)
    return AvatarClient("http://api.test/v1", "ws://ws.test/ws", "ak_test", http_client=http, backoff=fast, **options)


class RequestTest(unittest.IsolatedAsyncioTestCase):
    async def test_a_post_carries_the_key_the_body_and_the_route(self):
        recorder = Recorder(httpx.Response(200, json=SPOKEN))
        client = client_with(recorder)
        answer = await client.speak(SID, "Hello", voice_id="v1")
        self.assertIsInstance(answer, models.SpeakResponse)
        self.assertEqual(answer.task_id, TASK)
        request = recorder.requests[0]
        self.assertEqual((request.method, str(request.url)), ("POST", "http://api.test/v1/avatar.speak"))
        self.assertEqual(json.loads(request.content), {"session_id": SID, "text": "Hello", "voice_id": "v1"})
        self.assertEqual(request.headers["authorization"], "Bearer ak_test")
        self.assertRegex(request.headers["idempotency-key"], r"^[0-9a-f-]{36}$")

    async def test_each_call_has_its_own_key(self):
        recorder = Recorder(httpx.Response(200, json=SPOKEN), httpx.Response(200, json=SPOKEN))
        client = client_with(recorder)
        await client.speak(SID, "one")
        await client.speak(SID, "two")
        keys = [r.headers["idempotency-key"] for r in recorder.requests]
        self.assertNotEqual(keys[0], keys[1])

    async def test_network_error_and_503_are_retried_with_the_same_key(self):
        recorder = Recorder(
            httpx.ConnectError("refused"),
            httpx.Response(503, json=envelope("SERVICE_UNAVAILABLE")),
            httpx.Response(200, json=SPOKEN),
        )
        client = client_with(recorder, retries=2)
        self.assertEqual((await client.speak(SID, "Hello")).task_id, TASK)
        keys = {r.headers["idempotency-key"] for r in recorder.requests}
        self.assertEqual((len(recorder.requests), len(keys)), (3, 1))

    async def test_429_is_retried_only_when_it_says_when(self):
        recorder = Recorder(
            httpx.Response(429, json=envelope("RATE_LIMITED", details={"retry_after_seconds": 0}), headers={"Retry-After": "0"}),
            httpx.Response(200, json=SPOKEN),
        )
        self.assertEqual((await client_with(recorder).speak(SID, "Hello")).task_id, TASK)
        quota = Recorder(httpx.Response(429, json=envelope("QUOTA_EXCEEDED", details={"quota": "max_active_sessions"})))
        with self.assertRaises(AvatarApiError) as caught:
            await client_with(quota).speak(SID, "Hello")
        self.assertEqual((caught.exception.status, caught.exception.code), (429, "QUOTA_EXCEEDED"))
        self.assertEqual(len(quota.requests), 1)

    async def test_a_retry_after_longer_than_allowed_is_not_waited_for(self):
        recorder = Recorder(httpx.Response(429, json=envelope("RATE_LIMITED"), headers={"Retry-After": "42"}))
        with self.assertRaises(AvatarApiError) as caught:
            await client_with(recorder, max_retry_wait=5).speak(SID, "Hello")
        self.assertEqual(caught.exception.code, "RATE_LIMITED")
        self.assertEqual(len(recorder.requests), 1)

    async def test_retries_run_out(self):
        recorder = Recorder(*[httpx.Response(503, json=envelope("SERVICE_UNAVAILABLE"))] * 3)
        with self.assertRaises(AvatarApiError) as caught:
            await client_with(recorder, retries=2).speak(SID, "Hello")
        self.assertEqual(caught.exception.status, 503)
        self.assertEqual(len(recorder.requests), 3)
        gone = Recorder(*[httpx.ConnectError("down")] * 2)
        with self.assertRaises(httpx.ConnectError):
            await client_with(gone, retries=1).providers()

    async def test_the_envelope_becomes_the_error(self):
        recorder = Recorder(httpx.Response(404, json=envelope("SESSION_NOT_FOUND", "no such session", {"session_id": SID})))
        with self.assertRaises(AvatarApiError) as caught:
            await client_with(recorder).speak(SID, "Hello")
        error = caught.exception
        self.assertEqual((error.status, error.code, error.message, error.details), (404, "SESSION_NOT_FOUND", "no such session", {"session_id": SID}))
        self.assertEqual(len(recorder.requests), 1)

    async def test_an_answer_that_is_not_an_envelope(self):
        recorder = Recorder(httpx.Response(502, text="<html>bad gateway</html>"))
        with self.assertRaises(AvatarApiError) as caught:
            await client_with(recorder).providers()
        self.assertEqual((caught.exception.status, caught.exception.code), (502, "HTTP_502"))

    async def test_gets_have_no_key_and_encode_their_query_and_path(self):
        listing = {"sessions": [], "total": 0, "next_cursor": None}
        task = {"task_id": TASK, "session_id": SID, "status": "completed", "text": "x", "duration_estimate": 1, "created_at": "t",
                "started_at": "t", "ended_at": "t", "spoken_seconds": 1, "error": None}
        recorder = Recorder(httpx.Response(200, json=listing), httpx.Response(200, json=task))
        client = client_with(recorder)
        await client.list_sessions(status="active", from_="2026-11-01", limit=10)
        self.assertEqual((await client.get_task("a/b")).status, "completed")
        first, second = recorder.requests
        self.assertNotIn("idempotency-key", first.headers)
        self.assertEqual(dict(first.url.params), {"status": "active", "from": "2026-11-01", "limit": "10"})
        self.assertEqual(second.url.raw_path, b"/v1/tasks/a%2Fb")

    async def test_a_bad_query_is_refused_before_sending(self):
        client = client_with(Recorder())
        with self.assertRaises(Exception):
            await client.list_sessions(colour="blue")

    async def test_create_session_creates_then_starts(self):
        created = {"session_id": SID, "ice_servers": [{"urls": "stun:x"}], "access_token": "a.b.c"}
        recorder = Recorder(httpx.Response(200, json=created), httpx.Response(200, json={"status": "started", "provider": "local"}))
        session = await client_with(recorder).create_session(quality="high", voice_id="EXAVITQu4vr4xnSDxMaL")
        self.assertEqual((session.session_id, session.access_token, session.started.provider), (SID, "a.b.c", "local"))
        self.assertEqual([r.url.path for r in recorder.requests], ["/v1/streaming.new", "/v1/streaming.start"])
        self.assertEqual(json.loads(recorder.requests[0].content), {"quality": "high", "voice_id": "EXAVITQu4vr4xnSDxMaL"})

    async def test_a_session_that_fails_to_start_is_stopped(self):
        created = {"session_id": SID, "ice_servers": [], "access_token": "a.b.c"}
        recorder = Recorder(
            httpx.Response(200, json=created),
            httpx.Response(422, json=envelope("PROVIDER_UNKNOWN_AVATAR")),
            httpx.Response(200, json={"status": "stopped", "duration": 0, "billed_seconds": 0}),
        )
        with self.assertRaises(AvatarApiError):
            await client_with(recorder).create_session(avatar_id="nobody")
        self.assertEqual(recorder.requests[-1].url.path, "/v1/streaming.stop")


def sse(*events):
    return "".join(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events).encode()


def chunk(content):
    return {"choices": [{"delta": {"content": content}}]}


class ChatStreamTest(unittest.IsolatedAsyncioTestCase):
    async def test_deltas_add_up_to_the_reply(self):
        body = sse(chunk("Hello"), chunk(", world"), chunk("!"), {"choices": [{"delta": {}, "finish_reason": "stop"}]}, "[DONE]")
        recorder = Recorder(httpx.Response(200, content=body, headers={"content-type": "text/event-stream; charset=utf-8"}))
        stream = client_with(recorder).chat_stream(SID, [{"role": "user", "content": "Hi"}])
        deltas = [d async for d in stream]
        self.assertEqual(deltas, ["Hello", ", world", "!"])
        self.assertEqual((stream.text, stream.finish_reason), ("Hello, world!", "stop"))
        self.assertEqual(json.loads(recorder.requests[0].content)["stream"], True)

    async def test_an_error_once_streaming(self):
        body = sse(chunk("Hel"), envelope("PROVIDER_TIMEOUT", "the engine stalled", {"provider": "chat"}), "[DONE]")
        recorder = Recorder(httpx.Response(200, content=body, headers={"content-type": "text/event-stream"}))
        got = []
        with self.assertRaises(AvatarApiError) as caught:
            async for delta in client_with(recorder).chat_stream(SID, [{"role": "user", "content": "Hi"}]):
                got.append(delta)
        self.assertEqual(got, ["Hel"])
        self.assertEqual((caught.exception.status, caught.exception.code, caught.exception.details), (None, "PROVIDER_TIMEOUT", {"provider": "chat"}))

    async def test_an_error_before_the_first_piece(self):
        recorder = Recorder(httpx.Response(409, json=envelope("SESSION_NOT_ACTIVE")))
        with self.assertRaises(AvatarApiError) as caught:
            await client_with(recorder).chat_stream(SID, [{"role": "user", "content": "Hi"}]).collect()
        self.assertEqual((caught.exception.status, caught.exception.code), (409, "SESSION_NOT_ACTIVE"))

    async def test_a_stream_cut_before_done_is_an_error(self):
        recorder = Recorder(httpx.Response(200, content=sse(chunk("Hel")), headers={"content-type": "text/event-stream"}))
        with self.assertRaises(AvatarApiError) as caught:
            await client_with(recorder).chat_stream(SID, [{"role": "user", "content": "Hi"}]).collect()
        self.assertEqual(caught.exception.code, "STREAM_ENDED")

    async def test_503_before_the_stream_is_retried(self):
        body = sse(chunk("ok"), "[DONE]")
        recorder = Recorder(
            httpx.Response(503, json=envelope("SERVICE_UNAVAILABLE")),
            httpx.Response(200, content=body, headers={"content-type": "text/event-stream"}),
        )
        self.assertEqual(await client_with(recorder).chat_stream(SID, [{"role": "user", "content": "Hi"}]).collect(), "ok")
        self.assertEqual(len({r.headers["idempotency-key"] for r in recorder.requests}), 1)


if __name__ == "__main__":
    unittest.main()
