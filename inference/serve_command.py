"""The `serve` subcommand: its options here, the service in `server` (imported only when it runs, so the
runtime without the [serve] extra still starts and says what to install).

    eventtagger serve --model models/demo --host 127.0.0.1 --port 8080
"""
from __future__ import annotations

import argparse
import sys

from eventtagger.core.errors import InputError, Problem

from .command import Command, add_min_score_option, add_model_options, load_tagger

INSTALL_HINT = "install eventtagger[serve]: pip install 'eventtagger[serve]', or '.[serve]' from a checkout"


def _serve_arguments(p: argparse.ArgumentParser) -> None:
    add_model_options(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for every interface)")
    p.add_argument("--port", type=int, default=8080, help="TCP port (default 8080)")
    add_min_score_option(p)
    limits = p.add_argument_group("limits (answered with a JSON error)")
    limits.add_argument("--max-body-bytes", type=int, default=10_000_000, help="request body size (413)")
    limits.add_argument("--max-documents", type=int, default=256, help="documents per request (413)")
    limits.add_argument("--max-text-chars", type=int, default=1_000_000, help="characters per document (413)")
    limits.add_argument("--timeout", type=float, default=60.0, help="seconds a request may wait and run (504)")
    limits.add_argument("--max-queue-documents", type=int, default=1024,
                        help="documents waiting to be tagged before requests are refused (503)")
    microbatching = p.add_argument_group("micro-batching (documents of concurrent requests tagged together)")
    microbatching.add_argument("--max-microbatch-documents", type=int, default=32,
                               help="documents of concurrent requests tagged in one call (1 = no micro-batching)")
    microbatching.add_argument("--max-wait-ms", type=float, default=0.0,
                               help="how long a waiting document waits for others to share its call")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"],
                   help="JSON logs on stderr at this level and above")


def _serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from .server import ServiceLimits, create_app
    except ImportError as exc:
        print(f"eventtagger serve: needs FastAPI and uvicorn ({exc.name} is missing); {INSTALL_HINT}", file=sys.stderr)
        return 1
    from .jsonlog import configure, uvicorn_log_config

    limits = ServiceLimits(max_body_bytes=args.max_body_bytes, max_documents=args.max_documents,
                           max_text_chars=args.max_text_chars, request_timeout_s=args.timeout,
                           max_microbatch_documents=args.max_microbatch_documents, max_wait_ms=args.max_wait_ms,
                           max_queue_documents=args.max_queue_documents)
    bad = [Problem("serve", f"--{name.replace('_', '-')}", "must be positive")
           for name in ("max_body_bytes", "max_documents", "max_text_chars", "timeout", "max_queue_documents",
                        "max_microbatch_documents") if getattr(args, name) <= 0]
    if args.max_wait_ms < 0:
        bad.append(Problem("serve", "--max-wait-ms", "must be 0 or more"))
    if bad:
        raise InputError(bad)
    configure(args.log_level)
    app = create_app(load_tagger(args), limits, min_score=args.min_score)
    uvicorn.run(app, host=args.host, port=args.port, log_config=uvicorn_log_config(args.log_level),
                access_log=False, timeout_graceful_shutdown=int(args.timeout) + 1)
    return 0


SERVE_COMMAND = Command("serve", "serve a model folder over HTTP (POST /v1/extract; the [serve] extra)",
                        _serve_arguments, _serve)
