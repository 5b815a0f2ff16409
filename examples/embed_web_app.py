"""Embedding the tagger in your own web service: a WSGI app (standard library only) that loads the model
once at startup and shares it between its request threads.

    python examples/embed_web_app.py --model models/demo --port 8000
    curl -s localhost:8000/extract -d '{"texts": ["Rockets struck the airbase near Erbil on Monday."]}'

Any WSGI server runs `create_app(...)` the same way (gunicorn --threads 4 'embed_web_app:from_env()', with
EVENTTAGGER_MODEL set). For a ready-made service with batching, limits and logs, use `eventtagger serve`.
"""
from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIServer, make_server

from eventtagger.inference import EventTagger

StartResponse = Callable[[str, list[tuple[str, str]]], object]


def create_app(tagger: EventTagger) -> Callable[[dict, StartResponse], Iterable[bytes]]:
    """POST /extract {"texts": [...]} -> {"documents": [docs/FORMAT.md §1 documents]}; GET /healthz -> ok."""

    def app(environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/healthz":
            return _reply(start_response, "200 OK", {"status": "ok"})
        if environ["PATH_INFO"] != "/extract" or environ["REQUEST_METHOD"] != "POST":
            return _reply(start_response, "404 Not Found", {"error": "POST /extract"})
        try:
            size = int(environ.get("CONTENT_LENGTH") or 0)
            texts = json.loads(environ["wsgi.input"].read(size))["texts"]
            if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return _reply(start_response, "422 Unprocessable Entity", {"error": 'expected {"texts": ["..."]}'})
        documents = tagger.extract(texts)  # one shared tagger: safe from several threads
        return _reply(start_response, "200 OK", {"documents": [d.to_dict() for d in documents]})

    return app


def from_env() -> Callable:
    """For WSGI servers that import an app: the model folder comes from EVENTTAGGER_MODEL."""
    return create_app(EventTagger.load(os.environ["EVENTTAGGER_MODEL"]))


def _reply(start_response: StartResponse, status: str, body: dict) -> list[bytes]:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="models/demo")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    tagger = EventTagger.load(args.model)  # once, at startup
    with make_server(args.host, args.port, create_app(tagger), server_class=ThreadingWSGIServer) as server:
        print(f"serving {args.model} on http://{args.host}:{args.port}/extract (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
