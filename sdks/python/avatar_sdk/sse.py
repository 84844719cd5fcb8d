"""Server-sent events, as the chat stream sends them: ``data:`` lines, an event per
blank line, ``data: [DONE]`` at the end."""
from __future__ import annotations

from typing import List

DONE = "[DONE]"


class SseParser:
    """Incremental: feed it lines (or chunks of text) as they arrive; it returns the
    ``data`` of each event completed so far. Per the SSE format, several ``data:``
    lines of one event are joined with newlines, a single space after the colon is not
    part of the value, comment lines (``:``) and other fields (``event:``, ``id:``) are
    ignored, and CR, LF or CRLF end a line."""

    def __init__(self) -> None:
        self._pending = ""
        self._data: List[str] = []
        self._has_data = False

    def feed(self, text: str) -> List[str]:
        self._pending += text
        events: List[str] = []
        while True:
            cut = _line_end(self._pending)
            if cut is None:
                break
            end, skip = cut
            line = self._pending[:end]
            self._pending = self._pending[end + skip:]
            self._line(line, events)
        return events

    def feed_line(self, line: str) -> List[str]:
        """One line without its line ending (as ``httpx.Response.aiter_lines`` gives them)."""
        events: List[str] = []
        self._line(line.rstrip("\r\n"), events)
        return events

    def close(self) -> List[str]:
        """The stream ended: an event whose blank line never came still counts."""
        events: List[str] = []
        if self._pending:
            self._line(self._pending, events)
            self._pending = ""
        self._line("", events)
        return events

    def _line(self, line: str, events: List[str]) -> None:
        if line == "":
            if self._has_data:
                events.append("\n".join(self._data))
            self._data, self._has_data = [], False
            return
        if line.startswith(":"):
            return
        field, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data.append(value)
            self._has_data = True


def _line_end(text: str):
    """(index, length) of the first line ending, or None; a CR at the very end may be
    the first half of a CRLF, so it waits for more text."""
    for i, ch in enumerate(text):
        if ch == "\n":
            return i, 1
        if ch == "\r":
            if i + 1 == len(text):
                return None
            return i, 2 if text[i + 1] == "\n" else 1
    return None
