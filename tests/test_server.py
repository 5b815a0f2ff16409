"""The HTTP service, on a real uvicorn on a free loopback port, over the tiny model of conftest.

Covers the two request shapes, every limit and error answer, health and model routes, the OpenAPI schema,
micro-batching of concurrent requests, JSON logs without text, and the `serve` command itself.
"""
from __future__ import annotations

import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from eventtagger.core.validation import check_record

pytest.importorskip("fastapi", reason="the service needs the [serve] extra")
pytestmark = pytest.mark.slow  # the tiny model of conftest is trained once per session
pytest.importorskip("uvicorn", reason="the service needs the [serve] extra")

from eventtagger.inference.server import ServiceLimits, create_app  # noqa: E402
from eventtagger.inference.tagger import EventTagger  # noqa: E402

TEXT = "Rockets struck the airbase near Erbil on Monday, killing two guards."
LIMITS = ServiceLimits(max_body_bytes=20_000, max_documents=4, max_text_chars=1_000, max_wait_ms=20)


class CountingTagger:
    """The real tagger, counting `tag` calls; tagging waits at `gate` until the test opens it."""

    def __init__(self, inner: EventTagger):
        self.inner = inner
        self.calls = 0
        self.gate = threading.Event()
        self.gate.set()

    def tag(self, documents):
        self.calls += 1
        self.gate.wait(30)
        return self.inner.tag(documents)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(app) -> Iterator[int]:
    """Run `app` on uvicorn in a thread; yield its port."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(20)


def call(port: int, method: str, path: str, body: Any = None, raw: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    sent = {"Content-Type": "application/json"} if data is not None else {}
    conn.request(method, path, body=data, headers={**sent, **(headers or {})})
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    content = json.loads(payload) if response.getheader("content-type", "").startswith("application/json") else payload
    return response.status, content, {k.lower(): v for k, v in response.getheaders()}


@pytest.fixture(scope="module")
def tagger(tiny_model) -> EventTagger:
    return EventTagger.load(tiny_model)


@pytest.fixture(scope="module")
def service(tagger):
    counting = CountingTagger(tagger)
    with serving(create_app(counting, LIMITS)) as port:
        yield port, counting


def assert_offsets(doc: dict[str, Any], text: str) -> None:
    assert doc["text"] == text
    spans = [*doc["entities"], *(e["trigger"] for e in doc["events"]),
             *(a for e in doc["events"] for a in e["arguments"])]
    for span in spans:
        assert text[span["start"]:span["end"]] == span["text"]


def test_one_document_in_one_document_out(service, tagger):
    port, _ = service
    status, doc, headers = call(port, "POST", "/v1/extract", {"id": "d1", "text": TEXT, "meta": {"feed": "x"}})
    assert status == 200, doc
    assert headers["x-request-id"]
    assert doc["id"] == "d1" and doc["meta"] == {"feed": "x", "model": "tiny", "model_version": tagger.card.version}
    assert check_record(doc, "answer", tagger.spec.ontology) == []
    assert_offsets(doc, TEXT)
    attacks = [e for e in doc["events"] if e["type"] == "Conflict:Attack"]
    assert [e["trigger"]["text"] for e in attacks] == ["struck"]


def test_batch_in_batch_out_in_request_order(service, tagger):
    port, _ = service
    texts = [TEXT, "Police arrested three men in Basra.", "No news today."]
    status, body, _ = call(port, "POST", "/v1/extract",
                           {"documents": [{"id": f"b{i}", "text": t} for i, t in enumerate(texts)]})
    assert status == 200, body
    assert [d["id"] for d in body["documents"]] == ["b0", "b1", "b2"]
    direct = tagger.extract(texts, ids=["b0", "b1", "b2"])
    for doc, text, expected in zip(body["documents"], texts, direct, strict=True):
        assert check_record(doc, "answer", tagger.spec.ontology) == []
        assert_offsets(doc, text)
        assert [(e["start"], e["end"], e["label"]) for e in doc["entities"]] == \
            [(e.start, e.end, e.label) for e in expected.entities]
    status, body, _ = call(port, "POST", "/v1/extract", {"documents": []})
    assert (status, body) == (200, {"documents": []})


@pytest.mark.parametrize(("body", "status", "code", "field"), [
    ({"text": TEXT}, 422, "invalid_request", "id"),
    ({"id": "", "text": TEXT}, 422, "invalid_request", "id"),
    ({"id": "a", "text": ""}, 422, "invalid_request", "text"),
    ({"id": "a", "text": 7}, 422, "invalid_request", "text"),
    ({"documents": [{"id": "a", "text": "x"}, {"id": "b"}]}, 422, "invalid_request", "documents[1].text"),
    ({"documents": [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]}, 422, "duplicate_id", "documents[1].id"),
    ({"documents": [{"id": str(i), "text": "x"} for i in range(5)]}, 413, "too_many_documents", "documents"),
    ({"id": "a", "text": "x" * 1_001}, 413, "text_too_long", "text"),
    ({"documents": [{"id": "a", "text": "x"}, {"id": "b", "text": "y" * 1_001}]}, 413, "text_too_long",
     "documents[1].text"),
    ([{"id": "a", "text": "x"}], 422, "invalid_request", None),
    ({"documents": "a"}, 422, "invalid_request", "documents"),
])
def test_bad_requests_get_a_json_error_naming_the_field(service, body, status, code, field):
    port, _ = service
    got, error, headers = call(port, "POST", "/v1/extract", body)
    assert (got, error["code"], error["field"]) == (status, code, field), error
    assert error["message"] and error["request_id"] == headers["x-request-id"]


def test_body_limits_and_malformed_bodies(service):
    port, _ = service
    big = json.dumps({"id": "a", "text": "x" * 30_000}).encode()
    status, error, _ = call(port, "POST", "/v1/extract", raw=big)
    assert (status, error["code"]) == (413, "body_too_large")
    # without a Content-Length: the limit is enforced as the chunks arrive
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/v1/extract", body=iter([big[i:i + 4096] for i in range(0, len(big), 4096)]),
                 headers={"Content-Type": "application/json"}, encode_chunked=True)
    response = conn.getresponse()
    assert response.status == 413 and json.loads(response.read())["code"] == "body_too_large"
    conn.close()
    status, error, _ = call(port, "POST", "/v1/extract", raw=b'{"id": "a", "te')
    assert (status, error["code"]) == (400, "invalid_json")
    status, error, _ = call(port, "POST", "/v1/extract", raw=b'{"id": "a", "text": "b"}',
                            headers={"Content-Type": "text/plain"})
    assert (status, error["code"]) == (415, "unsupported_media_type")
    status, error, _ = call(port, "GET", "/v1/nothing")
    assert (status, error["code"]) == (404, "not_found")
    status, error, _ = call(port, "GET", "/v1/extract")
    assert (status, error["code"]) == (405, "method_not_allowed")


def test_health_ready_model_and_openapi(service, tagger):
    port, _ = service
    assert call(port, "GET", "/healthz")[:2] == (200, {"status": "ok"})
    assert call(port, "GET", "/readyz")[:2] == (200, {"status": "ok"})
    status, model, _ = call(port, "GET", "/v1/model")
    assert status == 200
    assert model["name"] == "tiny" and model["version"] == tagger.card.version
    assert "Conflict:Attack" in model["ontology"]["event_types"] and "dev" in model["metrics"]
    assert set(model) == {"name", "version", "ontology", "max_length", "stride", "metrics", "parity"}
    assert os.sep + "tmp" not in json.dumps(model) and "model.onnx" not in json.dumps(model)
    status, schema, _ = call(port, "GET", "/openapi.json")
    assert status == 200
    route = schema["paths"]["/v1/extract"]["post"]
    assert {"DocumentIn", "BatchIn", "DocumentOut", "BatchOut", "ErrorOut"} <= set(schema["components"]["schemas"])
    assert {"413", "422", "503", "504"} <= set(route["responses"])
    assert schema["components"]["schemas"]["DocumentIn"]["required"] == ["id", "text"]
    status, page, _ = call(port, "GET", "/docs")
    assert status == 200 and b"swagger" in page.lower()


def test_concurrent_requests_share_network_calls(service, tagger):
    port, counting = service
    texts = [f"Rockets struck the airbase near Erbil on day {i}, killing {i} guards." for i in range(16)]
    before = counting.calls
    barrier = threading.Barrier(len(texts))
    answers: dict[int, tuple[int, Any]] = {}

    def client(i: int) -> None:
        barrier.wait()
        answers[i] = call(port, "POST", "/v1/extract", {"id": f"c{i}", "text": texts[i]})[:2]

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(status == 200 for status, _ in answers.values()) and len(answers) == len(texts)
    calls = counting.calls - before
    assert calls < len(texts), f"{len(texts)} requests were tagged in {calls} calls: no batching"
    for i, text in enumerate(texts):
        expected = tagger.extract([text], ids=[f"c{i}"])[0]
        assert [(e["start"], e["end"], e["label"]) for e in answers[i][1]["entities"]] == \
            [(e.start, e.end, e.label) for e in expected.entities]


def test_full_queue_gets_503_and_slow_requests_504(tagger):
    gated = CountingTagger(tagger)
    gated.gate.clear()
    limits = ServiceLimits(max_microbatch_documents=1, max_queue_documents=2, max_wait_ms=0, request_timeout_s=30)
    app = create_app(gated, limits)
    with serving(app) as port:
        results: list[int] = []
        waiting = [threading.Thread(target=lambda i=i: results.append(
            call(port, "POST", "/v1/extract", {"id": f"q{i}", "text": TEXT})[0])) for i in range(3)]

        def until(condition) -> None:
            deadline = time.monotonic() + 10
            while not condition():
                assert time.monotonic() < deadline
                time.sleep(0.01)

        waiting[0].start()  # taken by the worker, which holds it at the gate
        until(lambda: gated.calls == 1)
        waiting[1].start()  # these two wait in the queue, which is then full
        waiting[2].start()
        until(lambda: app.state.microbatcher.queued == 2)
        status, error, headers = call(port, "POST", "/v1/extract", {"id": "q3", "text": TEXT})
        assert (status, error["code"], headers.get("retry-after")) == (503, "overloaded", "1")
        gated.gate.set()
        for t in waiting:
            t.join(30)
        assert results == [200, 200, 200]

    gated.gate.clear()
    app = create_app(gated, ServiceLimits(request_timeout_s=0.3))
    with serving(app) as port:
        status, error, _ = call(port, "POST", "/v1/extract", {"id": "slow", "text": TEXT})
        assert (status, error["code"]) == (504, "timeout")
        gated.gate.set()
        app.state.microbatcher.close()  # as at shutdown
        assert call(port, "GET", "/readyz")[:2] == (503, {"status": "not_ready"})
        assert call(port, "GET", "/healthz")[0] == 200
        status, error, _ = call(port, "POST", "/v1/extract", {"id": "late", "text": TEXT})
        assert (status, error["code"]) == (503, "not_ready")


def test_logs_are_json_lines_without_text(tagger):
    from eventtagger.inference.jsonlog import configure

    stream = io.StringIO()
    logger = configure("info", stream=stream, name="eventtagger.server")
    try:
        with serving(create_app(tagger, LIMITS)) as port:
            call(port, "POST", "/v1/extract", {"id": "secret-doc", "text": "Zanzibar 9431 confidential " + TEXT},
                 headers={"X-Request-ID": "req-42"})
            call(port, "POST", "/v1/extract", {"id": "x"})
    finally:
        logger.handlers, logger.propagate = [], True
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    requests = [line for line in lines if line["event"] == "request"]
    assert [(r["request_id"], r["status"], r["documents"]) for r in requests][0] == ("req-42", 200, 1)
    assert requests[1]["status"] == 422
    assert all({"time", "level", "latency_ms", "method", "path"} <= set(r) for r in requests)
    assert "Zanzibar" not in stream.getvalue() and "Erbil" not in stream.getvalue()


def test_serve_command_end_to_end(tiny_model):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "eventtagger.inference.cli", "serve", "--model", str(tiny_model),
                             "--port", str(port), "--max-microbatch-documents", "8"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read()
            try:
                if call(port, "GET", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the service did not become ready"
            time.sleep(0.1)
        status, doc, _ = call(port, "POST", "/v1/extract", {"id": "cli", "text": TEXT})
        assert status == 200 and doc["id"] == "cli"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode in (0, -signal.SIGTERM), stderr  # newer uvicorn re-raises the signal once drained
    events = [json.loads(line)["event"] for line in stderr.splitlines()]
    assert "started" in events and "request" in events and "stopped" in events


def test_serve_without_the_extra_says_what_to_install():
    code = ("import sys; sys.modules['fastapi'] = None; from eventtagger.inference.cli import main; "
            "sys.exit(main(['serve', '--model', 'nowhere']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 1 and "install eventtagger[serve]" in proc.stderr
