"""`show` for the output of `eventtagger records`: one block per incident, counted ones first in each document.

It reads the records' JSON (docs/RECORDS.md) and needs none of the [records] extra's libraries.

>>> row = {"id": "d#I1", "document": "d", "event_type": "Conflict:Attack", "counted": True, "modality": "asserted",
...        "excluded_because": None, "mentions": [{"trigger": {"start": 8, "end": 11, "text": "hit"}}],
...        "date": None, "location": None, "killed": {"low": 0, "high": 0, "evidence": None}, "injured": None,
...        "actors": {"targets": [{"start": 12, "end": 16, "text": "base"}]}}
>>> print(render_records([row]))
== d ==
   d#I1  Conflict:Attack  counted
       mentions      "hit" [8, 11)
       targets       base [12, 16)
       killed        0
       injured       unknown
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from eventtagger.core.errors import InputError, Problem
from eventtagger.core.jsonl import iter_records

RECORD_KEYS = ("id", "event_type", "counted", "mentions")
ACTOR_ROLES = ("attackers", "targets", "victims", "instruments", "claimed_by", "denied_by")


def is_records_file(path: str) -> bool:
    """True when the file's first record looks like an incident record rather than a document."""
    if path == "-" or not Path(path).is_file():
        return False
    for _, record in iter_records(path):
        return isinstance(record, dict) and all(key in record for key in RECORD_KEYS)
    return False


def read_records(path: str) -> list[dict[str, Any]]:
    """Every record of a file written by `eventtagger records`; an InputError names each line that is not one."""
    rows, problems = [], []
    for where, record in iter_records(path):
        if isinstance(record, Problem):
            problems.append(record)
        elif missing := [key for key in RECORD_KEYS if key not in record]:
            problems.append(Problem(where, missing[0], "is required in an incident record (eventtagger records)"))
        else:
            rows.append(record)
    if problems:
        raise InputError(problems)
    return rows


def render_records(rows: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    document = None
    for row in sorted(rows, key=lambda r: (r.get("document") or "", not r["counted"])):
        if row.get("document") != document:
            document = row.get("document")
            lines.append(f"== {document} ==")
        status = "counted" if row["counted"] else f"not counted: {row.get('excluded_because') or row.get('modality')}"
        lines.append(f"   {row['id']}  {row['event_type']}  {status}")
        triggers = ", ".join(f'"{m["trigger"]["text"]}" {_offsets(m["trigger"])}' for m in row["mentions"])
        lines.append(_field("mentions", triggers))
        if row.get("date"):
            lines.append(_field("date", f"{row['date']['value']} ({row['date']['precision']}) from "
                                        f"{_span(row['date'].get('evidence'))}"))
        location = row.get("location") or {}
        where = ", ".join(v for v in (location.get("city"), location.get("region"), location.get("country")) if v)
        if location.get("place") or where:
            lines.append(_field("place", f"{_span(location.get('place'))} -> {where or 'not resolved'}"))
        for role in ACTOR_ROLES:
            spans = (row.get("actors") or {}).get(role) or []
            if spans:
                lines.append(_field(role, ", ".join(_span(s) for s in spans)))
        for name in ("killed", "injured"):
            lines.append(_field(name, _count(row.get(name))))
    return "\n".join(lines)


def _field(name: str, value: str) -> str:
    return f"       {name:<13} {value}"


def _offsets(span: dict[str, Any]) -> str:
    return f"[{span['start']}, {span['end']})"


def _span(span: dict[str, Any] | None) -> str:
    return "?" if not span else f"{span['text']} {_offsets(span)}"


def _count(count: dict[str, Any] | None) -> str:
    """A number, a range, "at least N", or unknown (the text said nothing, which is not 0)."""
    if not count:
        return "unknown"
    low, high = count.get("low"), count.get("high")
    value = str(low) if low == high else (f"at least {low}" if high is None else f"{low}-{high}")
    evidence = count.get("evidence")
    return value if not evidence else f"{value} ({_span(evidence)})"
