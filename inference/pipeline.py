"""Documents in, tagged documents out: tokenize, cut into windows, group them by length into network calls, run,
decode.

Backend-agnostic: `network` is the ONNX session at run time and the PyTorch model during training.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import islice

import numpy as np
from eventtagger.core.schema import Document
from tokenizers import Tokenizer

from .decoding import WindowScores, decode_document
from .network import Network, log_softmax
from .spec import TaggerSpec
from .windows import encode_text, pad_batch, plan_windows, window_ids


def prepare_tokenizer(tokenizer: Tokenizer) -> Tokenizer:
    """The shipped tokenizer.json may bake in padding/truncation; windows do both, so switch them off."""
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def tag_documents(documents: Iterable[Document], tokenizer: Tokenizer, network: Network, spec: TaggerSpec,
                  windows_per_call: int, chunk_size: int = 256, meta: dict | None = None) -> Iterator[Document]:
    """Tag documents lazily, in input order. Windows of `chunk_size` documents at a time are sorted by
    length before they are cut into network calls of `windows_per_call`, so a call holds windows of similar
    length and little padding."""
    iterator = iter(documents)
    while chunk := list(islice(iterator, chunk_size)):
        yield from _tag_chunk(chunk, tokenizer, network, spec, windows_per_call, meta)


def _tag_chunk(documents: list[Document], tokenizer: Tokenizer, network: Network, spec: TaggerSpec,
               windows_per_call: int, meta: dict | None) -> Iterator[Document]:
    encodings = [encode_text(tokenizer, d.text) for d in documents]
    plans = [plan_windows(e, spec.window_tokens, spec.stride) for e in encodings]
    placed = [(d, k) for d, windows in enumerate(plans) for k in range(len(windows))]  # (document, window)
    placed.sort(key=lambda dk: plans[dk[0]][dk[1]].end - plans[dk[0]][dk[1]].start)
    scores: dict[tuple[int, int], WindowScores] = {}
    for first in range(0, len(placed), windows_per_call):
        call = placed[first:first + windows_per_call]
        rows = [window_ids(encodings[d], plans[d][k], spec.cls_id, spec.sep_id) for d, k in call]
        input_ids, mask = pad_batch(rows, spec.pad_id)
        out = network(input_ids, mask)
        candidates: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for r, (i, pos) in enumerate(np.asarray(out.role_rows).tolist()):
            candidates[i].append((r, pos))
        for i, (d, k) in enumerate(call):
            window = plans[d][k]
            length = window.end - window.start
            lo, hi = np.searchsorted(encodings[d].first_token, [window.own_start, window.own_end])
            owned = encodings[d].first_token[lo:hi] - window.start + 1  # rows of the words it owns ([CLS] is 0)
            # the decoder reads a role row only where this window owns the token (rows held for a whole
            # chunk are most of its memory on long texts)
            roles = {pos - 1: log_softmax(out.role_logits[r, 1:1 + length])
                     for r, pos in candidates[i] if window.own_start <= window.start + pos - 1 < window.own_end}
            scores[(d, k)] = WindowScores(window, log_softmax(out.entity_logits[i, owned]),
                                          log_softmax(out.trigger_logits[i, owned]), roles)
    for d, doc in enumerate(documents):
        entities, events = decode_document(doc, encodings[d], [scores[(d, k)] for k in range(len(plans[d]))], spec)
        yield doc.with_predictions(entities, events, meta)
