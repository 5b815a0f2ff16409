"""Structured logs for the service: one JSON object per line on stderr.

Every line has `time` (UTC, ISO 8601), `level` and `event`; the rest are the event's fields. Callers never
pass document text: ids, counts and timings only.

>>> import io
>>> stream = io.StringIO()
>>> logger = configure(stream=stream, name="eventtagger.doctest")
>>> log_event(logger, "request", status=200, documents=3)
>>> sorted(json.loads(stream.getvalue()))
['documents', 'event', 'level', 'status', 'time']
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import IO, Any


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line; `extra={"fields": {...}}` adds fields, and uvicorn's own messages
    come out as `{"event": "uvicorn", "message": ...}`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line["event"] = record.getMessage()
            line.update(fields)
        else:
            line["event"] = record.name.split(".")[0]
            line["message"] = record.getMessage()
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=False, default=str)


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    if logger.isEnabledFor(level):
        logger.log(level, event, extra={"fields": fields})


def configure(level: str | int = "info", stream: IO[str] | None = None, name: str = "eventtagger") -> logging.Logger:
    """Send `name`'s records to `stream` (stderr) as JSON lines; return that logger."""
    logger = logging.getLogger(name)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    logger.handlers = [handler]
    logger.setLevel(level.upper() if isinstance(level, str) else level)
    logger.propagate = False
    return logger


def uvicorn_log_config(level: str = "info") -> dict[str, Any]:
    """uvicorn's `log_config`: its messages as JSON lines too. Its access log stays off (the service logs
    each request itself, with a request id)."""
    formatter = {"()": f"{__name__}.JsonFormatter"}
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {"version": 1, "disable_existing_loggers": False, "formatters": {"json": formatter},
            "handlers": {"stderr": handler},
            "loggers": {"uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
                        "uvicorn.error": {"level": level.upper()}}}
