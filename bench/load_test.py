"""Load test of `eventtagger serve`, on loopback only, bounded in requests and time.

Starts the service as a subprocess on a free port, once with server-side micro-batching and once without
(`--max-microbatch-documents 1`), and drives each with 1, 8 and 32 concurrent clients. Every request carries one
article of data/dev.jsonl (cycled). Per configuration it prints a JSON line, then a table of all:
documents/s, tokens/s (the model's tokenizer, without special tokens), p50/p99 latency and errors.

    python bench/load_test.py --model models/demo
    python bench/load_test.py --model models/demo --concurrency 1 8 32 --requests 200 --max-seconds 60

Clients and service share the machine's cores, so the figures are a lower bound on what the service alone
would do; compare the rows with each other, not with figures taken elsewhere.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Result:
    batching: str            # "on (32)" or "off"
    clients: int
    requests: int
    errors: int
    seconds: float
    documents_per_s: float
    tokens_per_s: float
    p50_ms: float
    p99_ms: float


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    model = Path(args.model)
    if not (model / "manifest.json").is_file():
        print(f"load_test: {model} is not a model folder; run `make demo` (writes models/demo) or pass --model",
              file=sys.stderr)
        return 2
    texts = [json.loads(line)["text"] for line in Path(args.data).read_text(encoding="utf-8").splitlines()
             if line.strip()]
    tokens = token_counts(model, texts)
    results: list[Result] = []
    for max_batch in (args.max_microbatch_documents,) if args.no_compare else (args.max_microbatch_documents, 1):
        with service(model, max_batch, args.max_wait_ms, args.threads) as port:
            for clients in args.concurrency:
                drive(port, texts, tokens, clients=min(clients, args.requests), requests=args.requests // 10)  # warm
                result = drive(port, texts, tokens, clients, args.requests, args.max_seconds)
                result = Result(**{**asdict(result), "batching": f"on ({max_batch})" if max_batch > 1 else "off"})
                print(json.dumps(asdict(result)), flush=True)
                results.append(result)
    print(table(results))
    return 1 if any(r.errors for r in results) else 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=str(ROOT / "models" / "demo"), help="model folder (default models/demo)")
    p.add_argument("--data", default=str(ROOT / "data" / "dev.jsonl"), help="JSON Lines whose texts are sent")
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32], help="concurrent clients per run")
    p.add_argument("--requests", type=int, default=200, help="requests per run (one document each)")
    p.add_argument("--max-seconds", type=float, default=60.0, help="a run stops sending after this long")
    p.add_argument("--max-microbatch-documents", type=int, default=32, help="the service's micro-batching when on")
    p.add_argument("--max-wait-ms", type=float, default=None, help="the service's --max-wait-ms when batching")
    p.add_argument("--threads", type=int, default=None, help="the service's onnxruntime threads")
    p.add_argument("--no-compare", action="store_true", help="skip the run without batching")
    return p.parse_args(argv)


def token_counts(model: Path, texts: list[str]) -> list[int]:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model / "tokenizer.json"))
    tokenizer.no_truncation()
    return [len(e.ids) for e in tokenizer.encode_batch(texts, add_special_tokens=False)]


class service:
    """`eventtagger serve` in a subprocess on a free loopback port; stopped with SIGTERM on exit."""

    def __init__(self, model: Path, max_batch: int, max_wait_ms: float | None, threads: int | None):
        self.command = [sys.executable, "-m", "eventtagger.inference.cli", "serve", "--model", str(model),
                        "--host", "127.0.0.1", "--port", str(free_port()), "--max-microbatch-documents", str(max_batch),
                        "--log-level", "warning"]
        if threads:
            self.command += ["--threads", str(threads)]
        if max_wait_ms is not None:
            self.command += ["--max-wait-ms", str(max_wait_ms)]
        self.port = int(self.command[self.command.index("--port") + 1])

    def __enter__(self) -> int:
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(self.command, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 120
        while not ready(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                raise RuntimeError(f"the service did not start:\n{self.log.read()[-2000:]}")
            time.sleep(0.2)
        return self.port

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/readyz")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def drive(port: int, texts: list[str], tokens: list[int], clients: int, requests: int,
          max_seconds: float = 600.0) -> Result:
    """`clients` threads, each with a keep-alive connection, send one document per request until
    `requests` have been sent or `max_seconds` have passed."""
    lock = threading.Lock()
    sent = [0]
    latencies: list[float] = []
    errors = [0]
    done_tokens = [0]
    stop_at = time.monotonic() + max_seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while time.monotonic() < stop_at:
            with lock:
                if sent[0] >= requests:
                    break
                n = sent[0]
                sent[0] += 1
            k = n % len(texts)
            body = json.dumps({"id": f"r{n}", "text": texts[k]}).encode()
            started = time.perf_counter()
            try:
                conn.request("POST", "/v1/extract", body=body, headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                ok = response.status == 200 and json.loads(response.read())["id"] == f"r{n}"
            except (OSError, http.client.HTTPException, ValueError):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(elapsed)
                    done_tokens[0] += tokens[k]
                else:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    latencies.sort()
    return Result("", clients, len(latencies) + errors[0], errors[0], round(seconds, 2),
                  round(len(latencies) / seconds, 1), round(done_tokens[0] / seconds),
                  round(percentile(latencies, 50) * 1000, 1), round(percentile(latencies, 99) * 1000, 1))


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, round(q / 100 * (len(sorted_values) - 1)))]


def table(results: list[Result]) -> str:
    head = f"| batching | clients | requests | docs/s | tokens/s | p50 ms | p99 ms | errors |\n|{'---|' * 8}"
    rows = [f"| {r.batching} | {r.clients} | {r.requests} | {r.documents_per_s} | {r.tokens_per_s} | {r.p50_ms} | "
            f"{r.p99_ms} | {r.errors} |" for r in results]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return "\n".join([head, *rows, f"({cores} cores shared by the service and the clients)"])


if __name__ == "__main__":
    sys.exit(main())
