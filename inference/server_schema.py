"""The HTTP service's request and response bodies as pydantic models, so /openapi.json is exact.

`POST /v1/extract` takes one document or a batch, and answers in the same shape:

- `{"id": "d1", "text": "..."}` -> one docs/FORMAT.md §1 document `{"id": "d1", "text": "...", "entities": [...], ...}`
- `{"documents": [{"id": ..., "text": ...}, ...]}` -> `{"documents": [...]}`, in request order

Only `id`, `text` and `meta` of an input document are read; other keys (e.g. gold `entities`) are ignored,
since predictions replace them. Needs pydantic, which comes with the [serve] extra.

>>> parse_field(("body", "batch", "documents", 2, "text"))
'documents[2].text'
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

NonEmpty = Annotated[str, Field(min_length=1)]


class DocumentIn(BaseModel):
    """A document to tag (docs/FORMAT.md §1: only id and text are needed)."""
    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [
        {"id": "d1", "text": "Rockets struck the airbase near Erbil on Monday, killing two guards."}]})
    id: NonEmpty = Field(description="the document's id, echoed in the answer; unique within a batch")
    text: NonEmpty = Field(description="the article; offsets in the answer index it by code point")
    meta: dict[str, Any] | None = Field(default=None, description="kept in the answer's meta, with the model's name")


class BatchIn(BaseModel):
    """Several documents in one request; they are answered in the same order."""
    model_config = ConfigDict(extra="forbid")
    documents: list[DocumentIn]


def _request_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        return "batch" if "documents" in value else "document"
    if isinstance(value, BaseModel):
        return "batch" if isinstance(value, BatchIn) else "document"
    return None


ExtractRequest = Annotated[
    Annotated[DocumentIn, Tag("document")] | Annotated[BatchIn, Tag("batch")],
    Discriminator(_request_kind, custom_error_type="invalid_request",
                  custom_error_message="the body must be one document {id, text} or {documents: [...]}"),
]


class Span(BaseModel):
    start: int = Field(description="first code point, inclusive")
    end: int = Field(description="last code point, exclusive")
    text: str = Field(description="equals the document's text[start:end]")


class EntityOut(Span):
    id: str
    label: str = Field(description="an entity label of the model's ontology")
    score: float | None = Field(default=None, ge=0, le=1)


class ArgumentOut(Span):
    role: str = Field(description="a role the event type allows")
    entity: str | None = Field(default=None, description="id of the entity mention with the same span, if any")
    score: float | None = Field(default=None, ge=0, le=1)


class EventOut(BaseModel):
    id: str
    type: str = Field(description="an event type of the model's ontology")
    trigger: Span
    arguments: list[ArgumentOut]
    score: float | None = Field(default=None, ge=0, le=1)


class DocumentOut(BaseModel):
    """A tagged document (docs/FORMAT.md §1 with scores); meta holds `model` and `model_version`."""
    id: str
    text: str
    meta: dict[str, Any] = Field(default_factory=dict)
    entities: list[EntityOut]
    events: list[EventOut]


class BatchOut(BaseModel):
    documents: list[DocumentOut]


class ErrorOut(BaseModel):
    """Every error answer: what went wrong in one sentence, and the field when one is to blame."""
    code: str = Field(description="machine-readable: invalid_request, invalid_json, unsupported_media_type, "
                                  "body_too_large, too_many_documents, text_too_long, duplicate_id, overloaded, "
                                  "timeout, not_ready, not_found, internal")
    message: str
    field: str | None = Field(default=None, description="e.g. documents[3].text")
    request_id: str | None = None


class ModelOut(BaseModel):
    """What the loaded model is, from its eventtagger.json (no file paths)."""
    name: str
    version: str
    ontology: dict[str, Any]
    max_length: int
    stride: int
    metrics: dict[str, Any]
    parity: dict[str, Any]


class Health(BaseModel):
    status: Literal["ok", "not_ready"]


def parse_field(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as a field path; drops 'body' and the union's tag."""
    parts = [p for p in loc if p not in ("body", "batch", "document")]
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
