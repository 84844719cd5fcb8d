"""The session's WebSocket against a stand-in notifier: resume with last_event_id,
close codes and upgrade refusals, token refresh, handlers."""
import asyncio
import base64
import json
import unittest

from avatar_sdk import AvatarApiError, AvatarConnectionError, Backoff, SessionConnection, models
from support import SID, FakeNotifier, message, token, until

FAST = Backoff(base=0.01, cap=0.05)


def connection(notifier, **options):
    options.setdefault("backoff", FAST)
    return SessionConnection(notifier.url, SID, options.pop("token", token()), **options)


class ReconnectTest(unittest.IsolatedAsyncioTestCase):
    async def test_a_dropped_socket_resumes_after_the_last_event_id(self):
        async def first(ws, query):
            for m in (message(1, "session.started"), message(2, "status"), message(2, "frame")):
                await ws.send(m)
            await ws.close(1012, "service restart")

        async def second(ws, query):
            await ws.send(message(3, "task.started"))
            await ws.wait_closed()

        async with FakeNotifier() as notifier:
            notifier.scripts.extend([first, second])
            conn = connection(notifier)
            got = []
            conn.on("*", got.append)
            await conn.connect()
            started = await conn.wait_for("task.started", past=True)
            self.assertEqual(started.id, 3)
            self.assertNotIn("last_event_id", notifier.upgrades[0])
            self.assertEqual(notifier.upgrades[1]["last_event_id"], "2")
            self.assertEqual(notifier.upgrades[1]["path"], f"/ws/{SID}")
            self.assertEqual(conn.reconnects, 1)
            self.assertEqual(conn.last_close, (1012, "service restart"))
            await until(lambda: len(got) == 4, what="every message to the handler")
            self.assertEqual([(m.type, m.id) for m in got], [("session.started", 1), ("status", 2), ("frame", 2), ("task.started", 3)])
            await conn.disconnect()

    async def test_an_expired_token_is_refreshed_and_the_socket_resumes(self):
        async def expire(ws, query):
            await ws.send(message(5, "session.started"))
            await ws.close(4001, "token expired")

        async with FakeNotifier() as notifier:
            notifier.scripts.append(expire)
            fresh = token(name="fresh")
            calls = []

            async def refresh():
                calls.append(1)
                return fresh

            conn = connection(notifier, refresh_token=refresh)
            await conn.connect()
            await until(lambda: len(notifier.upgrades) == 2 and conn.state == "open", what="the reconnect")
            self.assertEqual(calls, [1])
            self.assertEqual((notifier.upgrades[1]["token"], notifier.upgrades[1]["last_event_id"]), (fresh, "5"))
            self.assertEqual(conn.token, fresh)
            await conn.disconnect()

    async def test_an_expired_token_without_a_refresher_ends_the_connection(self):
        async def expire(ws, query):
            await ws.close(4001, "token expired")

        async with FakeNotifier() as notifier:
            notifier.scripts.append(expire)
            conn = connection(notifier)
            await conn.connect()
            with self.assertRaises(AvatarConnectionError) as caught:
                await asyncio.wait_for(conn.run_forever(), 10)
            self.assertEqual(caught.exception.close_code, 4001)
            self.assertEqual((len(notifier.upgrades), conn.state), (1, "closed"))

    async def test_the_token_is_replaced_ahead_of_its_expiry(self):
        async with FakeNotifier() as notifier:
            fresh = token(name="fresh")

            async def refresh():
                return fresh

            # 3 s lifetime: replaced 1 s before it expires, before the server would close.
            conn = connection(notifier, token=token(ttl=3), refresh_token=refresh)
            await conn.connect()
            await until(lambda: len(notifier.upgrades) == 2 and conn.state == "open", timeout=15, what="the planned reconnect")
            self.assertEqual(notifier.upgrades[1]["token"], fresh)
            self.assertEqual(conn.last_close, (1000, "token refresh"))
            await conn.disconnect()

    async def test_session_stopped_closes_for_good(self):
        async def stop(ws, query):
            await ws.send(message(7, "session.stopped"))
            await ws.close(1000, "session stopped")

        async with FakeNotifier() as notifier:
            notifier.scripts.append(stop)
            conn = connection(notifier)
            stopped = []

            @conn.on("session.stopped")
            async def on_stopped(event):
                await asyncio.sleep(0.05)  # run_forever waits for the handlers
                stopped.append(event)

            await conn.connect()
            await asyncio.wait_for(conn.run_forever(), 10)
            self.assertEqual([e.billed_seconds for e in stopped], [2])
            self.assertEqual((conn.state, len(notifier.upgrades)), ("closed", 1))

    async def test_policy_violation_is_final(self):
        async def violate(ws, query):
            await ws.close(1008, "rate limit abuse")

        async with FakeNotifier() as notifier:
            notifier.scripts.append(violate)
            conn = connection(notifier)
            await conn.connect()
            with self.assertRaises(AvatarConnectionError) as caught:
                await asyncio.wait_for(conn.run_forever(), 10)
            self.assertEqual((caught.exception.close_code, len(notifier.upgrades)), (1008, 1))

    async def test_disconnect_while_reconnecting(self):
        async def restart(ws, query):
            notifier.refusals.extend([(503, "SERVICE_UNAVAILABLE")] * 1000)  # down from now on
            await ws.close(1012, "service restart")

        async with FakeNotifier() as notifier:
            notifier.scripts.append(restart)
            conn = connection(notifier, backoff=Backoff(base=5, cap=5))
            await conn.connect()
            await until(lambda: conn.state == "reconnecting", what="reconnecting")
            await asyncio.wait_for(conn.disconnect(), 5)
            await asyncio.wait_for(conn.run_forever(), 5)  # returns: disconnect() is not an error
            self.assertEqual(conn.state, "closed")


class UpgradeRefusalTest(unittest.IsolatedAsyncioTestCase):
    async def test_410_means_the_session_has_stopped(self):
        async with FakeNotifier() as notifier:
            notifier.refusals.append((410, "SESSION_NOT_ACTIVE"))
            conn = connection(notifier, refresh_token=lambda: asyncio.sleep(0, "never"))
            with self.assertRaises(AvatarConnectionError) as caught:
                await conn.connect()
            self.assertEqual((caught.exception.status, len(notifier.upgrades), conn.state), (410, 1, "closed"))

    async def test_401_gets_one_fresh_token(self):
        async with FakeNotifier() as notifier:
            notifier.refusals.append((401, "UNAUTHORIZED"))
            calls = []

            async def refresh():
                calls.append(1)
                return token(name="fresh")

            conn = connection(notifier, refresh_token=refresh)
            await conn.connect()
            self.assertEqual((len(calls), len(notifier.upgrades), conn.state), (1, 2, "open"))
            await conn.disconnect()

    async def test_401_again_with_the_fresh_token_is_final(self):
        async with FakeNotifier() as notifier:
            notifier.refusals.extend([(401, "UNAUTHORIZED"), (401, "UNAUTHORIZED")])
            calls = []

            async def refresh():
                calls.append(1)
                return token(name="fresh")

            conn = connection(notifier, refresh_token=refresh)
            with self.assertRaises(AvatarConnectionError) as caught:
                await conn.connect()
            self.assertEqual((caught.exception.status, len(calls), len(notifier.upgrades)), (401, 1, 2))

    async def test_401_without_a_refresher_is_final(self):
        async with FakeNotifier() as notifier:
            notifier.refusals.append((401, "UNAUTHORIZED"))
            with self.assertRaises(AvatarConnectionError) as caught:
                await connection(notifier).connect()
            self.assertEqual((caught.exception.status, len(notifier.upgrades)), (401, 1))

    async def test_a_refresher_that_finds_the_session_stopped_ends_quietly(self):
        async with FakeNotifier() as notifier:
            notifier.refusals.append((401, "UNAUTHORIZED"))

            async def refresh():
                raise AvatarApiError(409, "SESSION_NOT_ACTIVE", "stopped")

            conn = connection(notifier, refresh_token=refresh)
            with self.assertRaises(AvatarConnectionError) as caught:
                await conn.connect()
            self.assertEqual(caught.exception.status, 410)
            await asyncio.wait_for(conn.run_forever(), 5)  # the session ended: no error

    async def test_503_and_429_are_retried(self):
        async with FakeNotifier() as notifier:
            notifier.refusals.extend([(503, "SERVICE_UNAVAILABLE"), (429, "RATE_LIMITED")])
            conn = connection(notifier)
            await conn.connect()
            self.assertEqual((len(notifier.upgrades), conn.state), (3, "open"))
            await conn.disconnect()


class HandlerTest(unittest.IsolatedAsyncioTestCase):
    async def test_a_slow_handler_blocks_neither_the_socket_nor_the_others(self):
        async def burst(ws, query):
            for i in range(1, 31):
                await ws.send(message(i, "status", message=f"#{i}"))
            await ws.wait_closed()

        async with FakeNotifier() as notifier:
            notifier.scripts.append(burst)
            conn = connection(notifier)
            release = asyncio.Event()
            slow, fast = [], []

            @conn.on("status")
            async def slow_handler(event):
                await release.wait()
                slow.append(event.message)

            conn.on("status", lambda event: fast.append(event.message))
            await conn.connect()
            last = await conn.wait_for("status", lambda e: e.id == 30, past=True)
            self.assertEqual(last.message, "#30")
            await until(lambda: len(fast) == 30, what="the fast handler")
            self.assertEqual(slow, [])
            release.set()
            await until(lambda: len(slow) == 30, what="the slow handler")
            self.assertEqual(slow, [f"#{i}" for i in range(1, 31)])
            self.assertEqual(fast, slow)
            await conn.disconnect()

    async def test_frames_are_dropped_for_a_handler_that_falls_behind_lifecycle_never(self):
        async def burst(ws, query):
            for i in range(1, 21):
                await ws.send(message(1, "frame", frame_id=i))
            await ws.send(message(2, "task.completed"))
            await ws.wait_closed()

        async with FakeNotifier() as notifier:
            notifier.scripts.append(burst)
            conn = connection(notifier, max_pending_media=5)
            release = asyncio.Event()
            got = []

            @conn.on("*")
            async def behind(event):
                await release.wait()
                got.append(event)

            await conn.connect()
            await conn.wait_for("task.completed", past=True)
            release.set()
            await until(lambda: got and got[-1].type == "task.completed", what="the lifecycle event")
            frames = [e.frame_id for e in got if e.type == "frame"]
            self.assertLessEqual(len(frames), 6)
            self.assertEqual(frames, sorted(frames))
            self.assertEqual(conn.dropped_media, 20 - len(frames))
            await conn.disconnect()

    async def test_a_failing_handler_keeps_getting_events(self):
        async def two(ws, query):
            await ws.send(message(1, "status", message="one"))
            await ws.send(message(2, "status", message="two"))
            await ws.wait_closed()

        async with FakeNotifier() as notifier:
            notifier.scripts.append(two)
            conn = connection(notifier)
            seen = []

            @conn.on("status")
            def flaky(event):
                seen.append(event.message)
                if event.message == "one":
                    raise RuntimeError("handler bug")

            with self.assertLogs("avatar_sdk", "ERROR"):
                await conn.connect()
                await until(lambda: len(seen) == 2, what="both events")
            self.assertEqual(seen, ["one", "two"])
            await conn.disconnect()

    async def test_typed_events_and_off(self):
        async def some(ws, query):
            await ws.send(message(1, "frame"))
            await ws.send(message(2, "task.completed"))
            await ws.wait_closed()

        async with FakeNotifier() as notifier:
            notifier.scripts.append(some)
            conn = connection(notifier)
            frames, events, states = [], [], []
            conn.on("frame", frames.append)
            conn.on("event", events.append)
            conn.on("state", states.append)
            ignored = []
            conn.on("task.completed", ignored.append)
            conn.off("task.completed", ignored.append)
            await conn.connect()
            await conn.wait_for("task.completed", past=True)
            await until(lambda: frames and events, what="the handlers")
            self.assertIsInstance(frames[0], models.FrameEvent)
            self.assertEqual([type(e) for e in events], [models.TaskCompletedEvent])  # "event": not frames
            self.assertEqual(ignored, [])
            await conn.disconnect()
            self.assertEqual(states, ["connecting", "open", "closed"])


class ClientMessageTest(unittest.IsolatedAsyncioTestCase):
    async def test_audio_commands_and_their_answers(self):
        async def audio(ws, query):
            async for raw in ws:
                msg = json.loads(raw)
                if msg["type"] == "audio_buffer_commit":
                    if any(m["type"] == "audio_buffer_append" for m in received):
                        await ws.send(message(3, "audio_buffer.committed", task_id="t-audio"))
                        received.clear()
                    else:
                        await ws.send(message(3, "error", code="AUDIO_BUFFER_EMPTY", message="audio_buffer_commit failed: nothing to commit"))
                elif msg["type"] == "audio_buffer_clear":
                    await ws.send(message(3, "audio_buffer.cleared", duration=0))
                else:
                    received.append(msg)

        received = []
        async with FakeNotifier() as notifier:
            notifier.scripts.append(audio)
            conn = connection(notifier)
            await conn.connect()
            pcm = bytes(range(256)) * 800  # 200 KiB: more than one message may carry
            await conn.append_audio(pcm, sample_rate=16000)
            await until(lambda: sum(len(base64.b64decode(m["data"]["audio"])) for m in received) == len(pcm), what="the audio")
            appended = list(received)
            self.assertGreater(len(appended), 1)
            self.assertTrue(all(len(json.dumps(m)) < 256 * 1024 and m["data"]["sample_rate"] == 16000 for m in appended))
            self.assertEqual(b"".join(base64.b64decode(m["data"]["audio"]) for m in appended), pcm)
            committed = await conn.commit_audio()
            self.assertIsInstance(committed, models.AudioBufferCommittedMessage)
            self.assertEqual(committed.task_id, "t-audio")
            with self.assertRaises(AvatarApiError) as caught:
                await conn.commit_audio()
            self.assertEqual((caught.exception.status, caught.exception.code), (None, "AUDIO_BUFFER_EMPTY"))
            self.assertIsInstance(await conn.clear_audio(), models.AudioBufferClearedMessage)
            await conn.start_listening()
            await conn.interrupt()
            await until(lambda: len(received) == 2, what="the last messages")
            self.assertEqual([m["type"] for m in received], ["start_listening", "interrupt"])
            await conn.disconnect()

    async def test_sending_while_not_connected(self):
        async with FakeNotifier() as notifier:
            with self.assertRaises(AvatarConnectionError):
                await connection(notifier).interrupt()


if __name__ == "__main__":
    unittest.main()
