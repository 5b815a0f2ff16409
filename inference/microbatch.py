"""Server-side micro-batching: documents from concurrent requests are tagged together in one call (a
micro-batch; not to be confused with file jobs, `jobs`, or windows per network call).

Requests put their documents on one queue; a single worker thread waits until `max_microbatch_documents`
documents are waiting or the oldest has waited `max_wait_ms`, then tags them in one `tag` call, so the
network reads full calls of windows instead of one request's few. With `max_microbatch_documents=1` every
document is tagged on its own (micro-batching off). The queue is bounded: `submit` raises `QueueFull`
rather than letting latency grow without limit.

>>> microbatcher = MicroBatcher(lambda docs: [d.with_predictions((), ()) for d in docs], max_wait_ms=1)
>>> microbatcher.start()
>>> [d.id for d in microbatcher.submit([Document("a", "x"), Document("b", "y")]).result(timeout=5)]
['a', 'b']
>>> microbatcher.close()
"""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field

from eventtagger.core.schema import Document

TagFunction = Callable[[list[Document]], list[Document]]


class QueueFull(Exception):
    """More documents are waiting than the queue may hold; the caller should retry later."""


class MicroBatcherClosed(Exception):
    """The micro-batcher is shutting down and takes no new documents."""


@dataclass
class _Request:
    """One submit call: its documents' results fill in as their micro-batches finish."""
    size: int
    future: Future = field(default_factory=Future)
    results: list[Document | None] = field(default_factory=list)
    remaining: int = 0

    def __post_init__(self) -> None:
        self.results = [None] * self.size
        self.remaining = self.size


@dataclass(frozen=True)
class _Queued:
    document: Document
    request: _Request
    index: int
    queued_at: float


@dataclass
class MicroBatchStats:
    """Counters for logs and tests: how many `tag` calls (micro-batches), and how many documents they held."""
    microbatches: int = 0
    documents: int = 0
    largest: int = 0


class MicroBatcher:
    """Groups the documents of concurrent requests into `tag` calls made by one worker thread.

    `tag` receives a list of documents and must return their tagged versions in the same order. One
    worker means one network call at a time, with all the cores onnxruntime was given.
    """

    def __init__(self, tag: TagFunction, max_microbatch_documents: int = 32, max_wait_ms: float = 0.0,
                 max_queue_documents: int = 2048):
        if max_microbatch_documents < 1 or max_queue_documents < 1 or max_wait_ms < 0:
            raise ValueError("max_microbatch_documents and max_queue_documents must be >= 1, max_wait_ms >= 0")
        self.tag = tag
        self.max_microbatch_documents = max_microbatch_documents
        self.max_wait = max_wait_ms / 1000.0
        self.max_queue_documents = max_queue_documents
        self.stats = MicroBatchStats()
        self._queue: deque[_Queued] = deque()
        self._ready = threading.Condition()
        self._closing = False
        self._worker = threading.Thread(target=self._run, name="eventtagger-microbatcher", daemon=True)

    def start(self) -> None:
        self._worker.start()

    @property
    def alive(self) -> bool:
        return self._worker.is_alive() and not self._closing

    @property
    def queued(self) -> int:
        return len(self._queue)

    def submit(self, documents: Sequence[Document]) -> Future:
        """Queue documents; the future gives their tagged versions, in order. Cancel it to drop those of
        its documents that have not been tagged yet (a request that timed out)."""
        request = _Request(len(documents))
        if not documents:
            request.future.set_result([])
            return request.future
        now = time.monotonic()
        with self._ready:
            if self._closing:
                raise MicroBatcherClosed("the service is shutting down")
            if len(self._queue) + len(documents) > self.max_queue_documents:
                raise QueueFull(f"{len(self._queue)} documents are waiting (at most {self.max_queue_documents})")
            self._queue.extend(_Queued(doc, request, i, now) for i, doc in enumerate(documents))
            self._ready.notify()
        return request.future

    def close(self, timeout: float | None = None) -> None:
        """Take no new documents, finish those queued, stop the worker."""
        with self._ready:
            self._closing = True
            self._ready.notify()
        if self._worker.is_alive():
            self._worker.join(timeout)

    def _run(self) -> None:
        while (microbatch := self._next_microbatch()) is not None:
            self._tag(microbatch)

    def _next_microbatch(self) -> list[_Queued] | None:
        """Wait for a first document, then until the micro-batch is full or the oldest has waited max_wait."""
        with self._ready:
            while not self._queue:
                if self._closing:
                    return None
                self._ready.wait()
            deadline = self._queue[0].queued_at + self.max_wait
            while len(self._queue) < self.max_microbatch_documents and not self._closing:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._ready.wait(left)
            microbatch: list[_Queued] = []
            while self._queue and len(microbatch) < self.max_microbatch_documents:
                waiting = self._queue.popleft()
                if not waiting.request.future.cancelled():  # its request timed out: skip the work
                    microbatch.append(waiting)
            return microbatch

    def _tag(self, microbatch: list[_Queued]) -> None:
        if not microbatch:
            return
        try:
            tagged = self.tag([waiting.document for waiting in microbatch])
            if len(tagged) != len(microbatch):
                raise RuntimeError(f"tagging {len(microbatch)} documents gave {len(tagged)}")
        except Exception as exc:  # the requests fail, the worker lives on
            for waiting in microbatch:
                _settle(waiting.request.future, exception=exc)
            return
        self.stats.microbatches += 1
        self.stats.documents += len(microbatch)
        self.stats.largest = max(self.stats.largest, len(microbatch))
        for waiting, doc in zip(microbatch, tagged, strict=True):
            request = waiting.request
            request.results[waiting.index] = doc
            request.remaining -= 1
            if request.remaining == 0:
                _settle(request.future, result=request.results)


def _settle(future: Future, result: object = None, exception: BaseException | None = None) -> None:
    """Complete a future unless it is done already (cancelled by a timeout, or failed by an earlier micro-batch)."""
    try:
        if exception is not None:
            future.set_exception(exception)
        else:
            future.set_result(result)
    except InvalidStateError:
        pass
