"""`eventtagger serve`: the HTTP service (FastAPI + uvicorn, the [serve] extra).

Routes:

- `POST /v1/extract` — one document `{"id", "text"}` in, one tagged docs/FORMAT.md §1 document out; or
  `{"documents": [...]}` in, `{"documents": [...]}` out in the same order (see `server_schema`).
- `GET /healthz` — the process answers. `GET /readyz` — the model is loaded and the micro-batcher runs (503 while
  shutting down). `GET /v1/model` — name, version, ontology, metrics and parity of the model.
- `GET /openapi.json` and `GET /docs` — the schema, generated from the pydantic models.

Concurrent requests are micro-batched (`microbatch.MicroBatcher`): one worker thread tags the waiting documents
of all requests in one call. Limits answer with a JSON `ErrorOut` and a 4xx/5xx status: body size (413),
documents per request (413), characters per text (413), invalid or duplicate fields (422, naming the field),
a full queue (503) and a request that waited past its timeout (504). Logs are JSON lines on stderr, one per
request, with no document text. The service reads no paths from requests: the model is fixed at start.

>>> from eventtagger.inference.tagger import EventTagger                 # doctest: +SKIP
>>> app = create_app(EventTagger.load("models/demo"), ServiceLimits())   # doctest: +SKIP
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from eventtagger.core.ids import FirstSeen
from eventtagger.core.schema import Document
from eventtagger.core.scores import at_least
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .jsonlog import log_event
from .microbatch import MicroBatcher, MicroBatcherClosed, QueueFull
from .server_schema import BatchIn, BatchOut, DocumentOut, ErrorOut, ExtractRequest, Health, ModelOut, parse_field
from .tagger import EventTagger

log = logging.getLogger("eventtagger.server")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_ERRORS = {status: {"model": ErrorOut} for status in (400, 413, 415, 422, 500, 503, 504)}


@dataclass(frozen=True)
class ServiceLimits:
    """What one request may ask and how long it may wait; each is a `serve` option."""
    max_body_bytes: int = 10_000_000
    max_documents: int = 256            # per request
    max_text_chars: int = 1_000_000     # per document
    request_timeout_s: float = 60.0     # queueing and tagging together
    max_microbatch_documents: int = 32  # per tag call, across requests; 1 = no micro-batching
    max_wait_ms: float = 0.0            # >0: an idle worker waits this long for company (latency for fuller calls)
    max_queue_documents: int = 1024     # waiting documents before requests are refused with 503


class ServiceError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field, self.headers = status, code, message, field, headers


def create_app(tagger: EventTagger, limits: ServiceLimits = ServiceLimits(), min_score: float = 0.0) -> FastAPI:
    """The ASGI app over a loaded tagger; answers leave out what scores below `min_score` (`serve --min-score`).
    The micro-batcher starts and stops with the app's lifespan."""
    if not 0.0 <= min_score <= 1.0:
        raise ValueError(f"min_score must be from 0 to 1, not {min_score}")
    microbatcher = MicroBatcher(lambda docs: [at_least(d, min_score) for d in tagger.tag(docs)],
                                limits.max_microbatch_documents, limits.max_wait_ms, limits.max_queue_documents)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        microbatcher.start()
        log_event(log, "started", model=tagger.card.name, model_version=tagger.card.version,
                  max_microbatch_documents=limits.max_microbatch_documents, min_score=min_score)
        yield
        # uvicorn has finished the requests in flight; drain what is queued, then stop the worker
        await asyncio.get_running_loop().run_in_executor(None, microbatcher.close, limits.request_timeout_s)
        log_event(log, "stopped", microbatches=microbatcher.stats.microbatches,
                  documents=microbatcher.stats.documents)

    app = FastAPI(title="eventtagger", version=tagger.card.version or "0", lifespan=lifespan,
                  description="Tags entities and events with their roles in news articles "
                              "(docs/FORMAT.md §1 documents).")
    app.state.microbatcher = microbatcher
    app.state.tagger = tagger
    _add_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
    app.add_middleware(RequestLog)

    @app.get("/healthz", response_model=Health, summary="the process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", response_model=Health, responses={503: {"model": Health}},
             summary="the model is loaded and requests are taken")
    async def readyz() -> JSONResponse:
        ready = microbatcher.alive
        return JSONResponse({"status": "ok" if ready else "not_ready"}, status_code=200 if ready else 503)

    @app.get("/v1/model", response_model=ModelOut, summary="the loaded model: name, version, ontology, metrics")
    async def model() -> dict[str, Any]:
        return model_description(tagger)

    @app.post("/v1/extract", response_model=DocumentOut | BatchOut, responses=_ERRORS,
              summary="tag one document, or a batch of documents",
              description="One document `{id, text}` is answered with one tagged document; a batch "
                          "`{documents: [...]}` with `{documents: [...]}` in the same order.")
    async def extract(body: ExtractRequest, request: Request) -> JSONResponse:
        inputs = body.documents if isinstance(body, BatchIn) else [body]
        prefix = "documents" if isinstance(body, BatchIn) else ""
        documents = _checked_documents(inputs, prefix, limits)
        request.state.documents = len(documents)
        tagged = await _tag(microbatcher, documents, limits.request_timeout_s)
        if isinstance(body, BatchIn):
            return JSONResponse({"documents": [d.to_dict() for d in tagged]})
        return JSONResponse(tagged[0].to_dict())

    return app


def model_description(tagger: EventTagger) -> dict[str, Any]:
    """The public part of eventtagger.json; training data and backbone may name local paths, so not them."""
    card, spec = tagger.card, tagger.spec
    return {"name": card.name, "version": card.version, "ontology": spec.ontology.to_dict(),
            "max_length": spec.max_length, "stride": spec.stride, "metrics": card.metrics, "parity": card.parity}


def _checked_documents(inputs: list, prefix: str, limits: ServiceLimits) -> list[Document]:
    def where(i: int, name: str) -> str:
        return f"{prefix}[{i}].{name}" if prefix else name

    if len(inputs) > limits.max_documents:
        raise ServiceError(413, "too_many_documents", f"{len(inputs)} documents in one request; at most "
                           f"{limits.max_documents} (send several requests)", prefix or None)
    seen = FirstSeen()
    for i, doc in enumerate(inputs):
        try:  # meta is echoed in the answer, which must be JSON in UTF-8: no NaN, no lone surrogate
            json.dumps(doc.meta, allow_nan=False, ensure_ascii=False).encode("utf-8")
        except (ValueError, UnicodeEncodeError) as exc:
            raise ServiceError(422, "invalid_request", f"meta cannot be echoed as JSON ({exc})",
                               where(i, "meta")) from None
        if len(doc.text) > limits.max_text_chars:
            raise ServiceError(413, "text_too_long", f"the text has {len(doc.text)} characters; at most "
                               f"{limits.max_text_chars}", where(i, "text"))
        repeat = seen.repeat(doc.id, f"{prefix}[{i}]")
        if repeat is not None:
            raise ServiceError(422, "duplicate_id", repeat, where(i, "id"))
    return [Document(doc.id, doc.text, meta=doc.meta or {}) for doc in inputs]


async def _tag(microbatcher: MicroBatcher, documents: list[Document], timeout: float) -> list[Document]:
    try:
        future = microbatcher.submit(documents)
    except QueueFull as exc:
        raise ServiceError(503, "overloaded", f"the service is busy ({exc}); retry shortly",
                           headers={"Retry-After": "1"}) from None
    except MicroBatcherClosed as exc:
        raise ServiceError(503, "not_ready", str(exc)) from None
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
    except asyncio.TimeoutError:
        future.cancel()  # its documents still queued are skipped
        raise ServiceError(504, "timeout", f"not tagged within {timeout:g} s; retry later or send fewer "
                           "documents per request") from None


def _error(request: Request, status: int, code: str, message: str, field: str | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorOut(code=code, message=message, field=field, request_id=getattr(request.state, "request_id", None))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return _error(request, exc.status, exc.code, exc.message, exc.field, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        if first.get("type") == "json_invalid":
            return _error(request, 400, "invalid_json", "the body is not valid JSON "
                          f"({first.get('ctx', {}).get('error', 'decode error')})")
        content_type = request.headers.get("content-type", "")
        if "json" not in content_type:
            return _error(request, 415, "unsupported_media_type", "send the body as JSON with the header "
                          f"Content-Type: application/json (got {content_type or 'none'!r})")
        field = parse_field(tuple(first.get("loc", ())))
        message = first.get("msg", "is invalid")
        if first.get("type") == "missing" and field in ("", "body"):
            field, message = "", "the body must be one document {id, text} or {documents: [...]} (JSON)"
        more = f" (and {len(exc.errors()) - 1} more problems)" if len(exc.errors()) > 1 else ""
        return _error(request, 422, "invalid_request", f"{field or 'body'}: {message}{more}", field or None)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # FastAPI's answer to a body that is not UTF-8, nested past the stack, or holds a 5,000-digit number
            return _error(request, 400, "invalid_json", "the body is not valid JSON in UTF-8")
        codes = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}
        return _error(request, exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail),
                      headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log_event(log, "error", level=logging.ERROR, request_id=getattr(request.state, "request_id", None),
                  error=type(exc).__name__)
        return _error(request, 500, "internal", f"tagging failed ({type(exc).__name__})")


class BodyLimit:
    """Refuses a body over `max_bytes` with 413, by its Content-Length or while it streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        too_large = StarletteHTTPException(413, f"the body is over {self.max_bytes} bytes; send fewer or shorter "
                                                "documents per request")
        if declared.isdigit() and int(declared) > self.max_bytes:
            response = JSONResponse(ErrorOut(code="body_too_large", message=too_large.detail,
                                             request_id=scope.get("state", {}).get("request_id")).model_dump(),
                                    status_code=413)
            return await response(scope, receive, send)
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise too_large  # FastAPI passes HTTPExceptions raised while reading the body on
            return message

        await self.app(scope, limited, send)


class RequestLog:
    """Gives each request an id (X-Request-ID, kept if the client sent a sane one) and logs one JSON line
    when it ends: method, path, status, documents, latency. Health probes log at debug level."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        sent = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = sent if _REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex[:16]
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = scope.get("path", "")
            log_event(log, "request", level=logging.DEBUG if path in ("/healthz", "/readyz") else logging.INFO,
                      request_id=request_id, method=scope.get("method"), path=path, status=status,
                      documents=state.get("documents", 0),
                      latency_ms=round((time.perf_counter() - started) * 1000, 2))
