"""The generated models read what the platform really sends, keep what a newer
platform may add, and refuse what the platform would refuse."""
import json
import unittest

import pydantic

from avatar_sdk import UnknownServerMessage, models, parse_server_message
from avatar_sdk._base import dump_model, parse_lenient, parse_model

SID = "eb052fc7-cf27-4b6f-bb9d-22f010258142"
TASK = "442ed71e-d30f-4581-aada-ee6ccafc196e"

# Messages as a platform sent them (recorded from a local session; frame and audio data shortened).
RECORDED = [
    {"id": 23, "session_id": SID, "type": "session.started"},
    {"id": 24, "session_id": SID, "type": "status", "status": "idle", "message": "Avatar is ready"},
    {"id": 24, "session_id": SID, "type": "error", "code": "UNKNOWN_MESSAGE_TYPE", "message": 'unknown message type "bogus"'},
    {"id": 25, "session_id": SID, "type": "task.started", "task_id": TASK, "duration_estimate": 0.24, "attempt": 1},
    {"id": 26, "session_id": SID, "type": "frame", "task_id": TASK, "frame_id": 1, "timestamp": 1795256253.56, "viseme": "kk",
     "data": "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRo", "mime_type": "image/svg+xml"},
    {"id": 27, "session_id": SID, "type": "audio_buffer.committed", "task_id": TASK, "duration": 0.2},
    {"id": 27, "session_id": SID, "type": "audio_buffer.cleared", "duration": 0},
    {"id": 28, "session_id": SID, "type": "task.completed", "duration": 0.24, "task_id": TASK},
    {"id": 29, "session_id": SID, "type": "task.interrupted", "task_id": TASK},
    {"id": 29, "session_id": SID, "type": "task.failed", "task_id": TASK, "error": "provider gone"},
    {"id": 30, "session_id": SID, "type": "audio", "task_id": TASK, "data": "UklGRqQlAABXQVZF", "duration": 0.2, "sample_rate": 24000},
    {"id": 31, "session_id": SID, "type": "chat", "role": "agent", "content": "Hello!"},
    {"id": 33, "session_id": SID, "type": "session.stopped", "duration": 4.051, "billed_seconds": 5, "reason": "client_stop"},
]


class ServerMessageTest(unittest.TestCase):
    def test_every_recorded_message_becomes_its_model(self):
        for raw in RECORDED:
            event = parse_server_message(json.dumps(raw))
            self.assertIsInstance(event, models.SERVER_MESSAGE_TYPES[raw["type"]], raw["type"])
            self.assertEqual(event.id, raw["id"])
            self.assertEqual(event.session_id, SID)

    def test_the_table_covers_the_server_message_union(self):
        union = set(models.ServerMessage.__args__)
        self.assertEqual(set(models.SERVER_MESSAGE_TYPES.values()), union)
        self.assertEqual(len(union), 13)

    def test_typed_fields(self):
        frame = parse_server_message(RECORDED[4])
        self.assertIsInstance(frame, models.FrameEvent)
        self.assertEqual((frame.viseme, frame.frame_id, frame.mime_type), ("kk", 1, "image/svg+xml"))
        stopped = parse_server_message(RECORDED[-1])
        self.assertEqual((stopped.billed_seconds, stopped.reason), (5, "client_stop"))
        self.assertIsInstance(stopped.duration, float)

    def test_fields_a_newer_platform_adds_are_kept(self):
        newer = dict(RECORDED[7], spoken_seconds=0.2, lang="en")
        event = parse_model(models.TaskCompletedEvent, newer)  # validates as it is, no fallback
        self.assertEqual((event.spoken_seconds, event.lang, event.duration), (0.2, "en", 0.24))
        self.assertIsInstance(parse_server_message(newer), models.TaskCompletedEvent)

    def test_a_message_type_this_sdk_does_not_know(self):
        event = parse_server_message({"id": 40, "session_id": SID, "type": "avatar.mood", "mood": "happy"})
        self.assertIsInstance(event, UnknownServerMessage)
        self.assertEqual((event.type, event.id, event.mood), ("avatar.mood", 40, "happy"))

    def test_a_value_outside_the_known_enum_is_kept_with_a_warning(self):
        with self.assertLogs("avatar_sdk", "WARNING"):
            event = parse_server_message(dict(RECORDED[1], status="thinking"))
        self.assertIsInstance(event, models.StatusEvent)
        self.assertEqual(event.status, "thinking")

    def test_not_a_platform_message(self):
        for raw in ("[1,2]", '{"no":"type"}', '{"type":5}', "not json"):
            with self.assertRaises(ValueError, msg=raw):
                parse_server_message(raw)


class HttpModelTest(unittest.TestCase):
    def test_required_nullable_fields(self):
        task = {"task_id": TASK, "session_id": SID, "status": "queued", "text": "Hi", "duration_estimate": 0.2,
                "created_at": "2026-11-21T10:00:00.000Z", "started_at": None, "ended_at": None, "spoken_seconds": None, "error": None}
        parsed = parse_model(models.GetTaskResponse, task)
        self.assertIsNone(parsed.started_at)
        missing = dict(task)
        del missing["started_at"]  # null may be sent, but the field is always there
        with self.assertRaises(pydantic.ValidationError):
            parse_model(models.GetTaskResponse, missing)

    def test_a_wire_name_that_is_a_python_keyword(self):
        usage = {"tenant_id": SID, "from": "2026-11-01T00:00:00.000Z", "to": "2026-12-01T00:00:00.000Z", "group_by": "day",
                 "as_of": "2026-11-21T10:00:00.000Z", "rows": [], "totals": {"sessions": 0, "duration_seconds": 0, "billed_seconds": 0, "spoken_seconds": 0}}
        self.assertEqual(parse_model(models.UsageResponse, usage).from_, "2026-11-01T00:00:00.000Z")
        self.assertEqual(dump_model(models.UsageQuery(from_="2026-11-01")), {"from": "2026-11-01"})
        self.assertEqual(dump_model(models.ListSessionsQuery(**{"from": "2026-11-01", "limit": 5})), {"from": "2026-11-01", "limit": 5})

    def test_nested_models_and_unions(self):
        created = parse_model(models.CreateSessionResponse, {"session_id": SID, "access_token": "t",
                                                             "ice_servers": [{"urls": "stun:a"}, {"urls": ["turn:b"], "username": "u", "credential": "c"}]})
        self.assertIsInstance(created.ice_servers[0], models.CreateSessionResponseIceServer)
        self.assertEqual(created.ice_servers[1].urls, ["turn:b"])

    def test_request_models_refuse_unknown_fields_and_values(self):
        with self.assertRaises(pydantic.ValidationError):
            models.SpeakRequest(session_id=SID, text="Hi", volume=3)
        with self.assertRaises(pydantic.ValidationError):
            models.CreateSessionRequest(quality="ultra")
        engine = models.CreateSessionRequest(conversation_engine={"type": "cartesia", "access_token": "a", "agent_id": "b"})
        self.assertIsInstance(engine.conversation_engine, models.CreateSessionRequestConversationEngineCartesia)

    def test_request_bodies_leave_out_what_was_not_given(self):
        self.assertEqual(dump_model(models.CreateSessionRequest(quality="high", voice_id=None)), {"quality": "high"})

    def test_answers_keep_unknown_fields(self):
        stop = parse_lenient(models.StopSessionResponse, {"status": "stopped", "duration": 1.5, "billed_seconds": 2, "currency": "EUR"})
        self.assertEqual(stop.currency, "EUR")

    def test_client_messages(self):
        self.assertEqual(set(models.CLIENT_MESSAGE_TYPES), {"audio_buffer_append", "audio_buffer_commit", "audio_buffer_clear", "start_listening", "stop_listening", "interrupt"})
        append = models.ClientMessageAudioBufferAppend(type="audio_buffer_append", data={"audio": "AAAA", "sample_rate": 16000})
        self.assertEqual(dump_model(append), {"type": "audio_buffer_append", "data": {"audio": "AAAA", "sample_rate": 16000}})

    def test_operations_and_socket_facts_come_from_the_document(self):
        self.assertEqual(models.OPERATIONS["speak"], ("POST", "/v1/avatar.speak"))
        self.assertEqual(models.OPERATIONS["getTask"], ("GET", "/v1/tasks/{task_id}"))
        self.assertEqual(models.WS_CLOSE_CODES["TOKEN_EXPIRED"], 4001)
        self.assertIn("last_event_id", models.WS_QUERY_PARAMS)


if __name__ == "__main__":
    unittest.main()
