"""Document ids must be unique within a file, a request or a job: one place that remembers where each was first.

>>> ids = FirstSeen()
>>> ids.repeat("d1", "a.jsonl, line 1"), ids.repeat("d1", "a.jsonl, line 7")
(None, "duplicate id 'd1' (first at a.jsonl, line 1)")
"""
from __future__ import annotations


class FirstSeen:
    """Where each id was first seen; `repeat` says so when one comes again."""

    def __init__(self) -> None:
        self._first: dict[str, str] = {}

    def repeat(self, doc_id: str, where: str) -> str | None:
        """None the first time `doc_id` is seen (remembering `where`); after that the message for the repeat."""
        if doc_id in self._first:
            return f"duplicate id {doc_id!r} (first at {self._first[doc_id]})"
        self._first[doc_id] = where
        return None
