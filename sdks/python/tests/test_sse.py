"""The SSE parser the chat stream reads with."""
import unittest

from avatar_sdk.sse import DONE, SseParser


class SseParserTest(unittest.TestCase):
    def test_events_split_anywhere_across_chunks(self):
        stream = 'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n'
        for size in (1, 2, 3, 7, len(stream)):
            parser = SseParser()
            events = []
            for i in range(0, len(stream), size):
                events += parser.feed(stream[i:i + size])
            events += parser.close()
            self.assertEqual(events, ['{"a":1}', '{"b":2}', DONE], f"chunks of {size}")

    def test_crlf_and_cr_line_endings(self):
        parser = SseParser()
        self.assertEqual(parser.feed("data: x\r\n\r\ndata: y\r\rdata: z\n\n"), ["x", "y", "z"])

    def test_cr_at_the_end_of_a_chunk_waits_for_a_possible_lf(self):
        parser = SseParser()
        self.assertEqual(parser.feed("data: x\r"), [])
        self.assertEqual(parser.feed("\n\r\n"), ["x"])

    def test_several_data_lines_are_one_event_joined_by_newlines(self):
        parser = SseParser()
        self.assertEqual(parser.feed("data: one\ndata: two\n\n"), ["one\ntwo"])

    def test_comments_other_fields_and_the_optional_space(self):
        parser = SseParser()
        text = ": keep-alive\nevent: message\nid: 7\ndata:no-space\n\nretry: 10\n\n"
        self.assertEqual(parser.feed(text), ["no-space"])

    def test_an_event_without_its_blank_line_counts_at_the_end(self):
        parser = SseParser()
        self.assertEqual(parser.feed("data: [DONE]"), [])
        self.assertEqual(parser.close(), [DONE])

    def test_feed_line_takes_lines_without_endings(self):
        parser = SseParser()
        got = []
        for line in ['data: {"choices":[]}', "", "data: [DONE]", ""]:
            got += parser.feed_line(line)
        self.assertEqual(got, ['{"choices":[]}', DONE])


if __name__ == "__main__":
    unittest.main()
