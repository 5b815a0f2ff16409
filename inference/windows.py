"""Text -> words and sub-word tokens -> overlapping windows the network can read.

Long articles are never truncated: the token sequence is cut into windows of at most `max_tokens`
content tokens that overlap by `stride` tokens, each starting on a word boundary. Every token is
*owned* by exactly one window (the one where it sits furthest from an edge), so predictions merge
without double counting.

>>> from tokenizers import Tokenizer
>>> from tokenizers.models import WordLevel
>>> from tokenizers.pre_tokenizers import BertPreTokenizer
>>> tok = Tokenizer(WordLevel({"[UNK]": 0}, unk_token="[UNK]")); tok.pre_tokenizer = BertPreTokenizer()
>>> enc = encode_text(tok, "Rockets hit Erbil, officials said.")
>>> enc.words.tolist()
[[0, 7], [8, 11], [12, 17], [17, 18], [19, 28], [29, 33], [33, 34]]
>>> [(w.start, w.end, w.own_start, w.own_end) for w in plan_windows(enc, max_tokens=4, stride=2)]
[(0, 4, 0, 3), (2, 6, 3, 5), (4, 7, 5, 7)]
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
from tokenizers import Tokenizer


@dataclass(frozen=True)
class TextEncoding:
    """One text's sub-word tokens (no special tokens) and words.

    ids[t]             token id
    word_of_token[t]   index of the word token t belongs to (a white-space token: the word before it, or -1)
    words[w]           (start, end) character span of word w in the text
    first_token[w]     index of word w's first token (where its labels are read and predicted)
    """
    ids: np.ndarray
    word_of_token: np.ndarray
    words: np.ndarray
    first_token: np.ndarray

    @property
    def n_tokens(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Window:
    """Tokens [start, end) of one text, read together; the window owns tokens [own_start, own_end)."""
    start: int
    end: int
    own_start: int
    own_end: int


PIECE_CHARS = 20_000  # texts are tokenized this much at a time: one call holds ~400 bytes per token


def encode_text(tokenizer: Tokenizer, text: str) -> TextEncoding:
    """Tokenize without special tokens, padding or truncation (the caller disables those once).

    A long text is tokenized in pieces cut where white space begins, so the tokens are those of the whole text
    while memory stays that of one piece (5 MB in one call took 850 MB inside the tokenizer)."""
    codes = _code_points(text)
    ids: list[np.ndarray] = []
    words: list[np.ndarray] = []
    first: list[np.ndarray] = []
    word_of_token: list[np.ndarray] = []
    n_tokens = n_words = 0
    for offset, piece in _pieces(text, PIECE_CHARS):
        enc = tokenizer.encode(piece, add_special_tokens=False)
        spans = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2) + offset
        word = np.array([-1 if w is None else w for w in enc.word_ids], dtype=np.int64)
        # byte-level BPE has tokens of white space alone: they start no word (no span of blanks)
        solid = np.concatenate([[0], np.cumsum(~_is_space(codes[offset:offset + len(piece)]))])
        kept = np.flatnonzero(solid[spans[:, 1] - offset] > solid[spans[:, 0] - offset])
        # a kept token starts a word unless it continues the tokenizer's word of the kept token before it
        starts = np.ones(len(kept), dtype=bool)
        starts[1:] = (word[kept[1:]] != word[kept[:-1]]) | (word[kept[1:]] < 0)
        heads = kept[starts]
        if len(heads):
            ends = np.maximum.reduceat(spans[kept, 1], np.flatnonzero(starts))
            words.append(np.stack([spans[heads, 0], ends], axis=1))
        opens = np.zeros(len(spans), dtype=np.int64)
        opens[heads] = 1
        word_of_token.append(n_words + np.cumsum(opens) - 1)  # white space belongs to the word before it
        first.append(n_tokens + heads)
        ids.append(np.asarray(enc.ids, dtype=np.int64))
        n_tokens, n_words = n_tokens + len(spans), n_words + len(heads)
    join = lambda parts: np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)  # noqa: E731
    spans = np.concatenate(words) if words else np.zeros((0, 2), dtype=np.int64)
    _tidy_word_spans(text, codes, spans)
    return TextEncoding(join(ids), join(word_of_token), spans, join(first))


def _pieces(text: str, size: int):
    """(offset, piece) cutting `text` into pieces of at most about `size` characters, each cut placed just before
    white space (the piece after it starts with that white space, as the token after it expects), else before
    a character that is neither a letter, a digit nor a combining mark; one piece for a short text.

    >>> [p for _, p in _pieces("ab cd ef", 4)]
    ['ab', ' cd', ' ef']
    """
    start = 0
    while len(text) - start > size:
        window = text[start + size // 2:start + size]
        cut = max(window.rfind(" "), window.rfind("\n"), window.rfind("\t"))
        if cut < 0:
            cut = next((i for i in range(len(window) - 1, 0, -1) if not _word_char(window[i])), len(window))
        end = start + size // 2 + cut
        if end <= start:
            break
        yield start, text[start:end]
        start = end
    yield start, text[start:]


def _word_char(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char).startswith("M")


def _tidy_word_spans(text: str, codes: np.ndarray, spans: np.ndarray) -> None:
    """Trim white space some tokenizers put into offsets (byte-level BPE), and take in combining
    marks that normalization dropped (so 'e\u0301' is one word 'é' and a span never splits a character).
    Only spans that start or end with white space or are followed by a possible mark are looked at."""
    limit = len(text)
    if not len(spans):
        return
    starts, ends = spans[:, 0], spans[:, 1]
    wide = ends - starts >= 2  # white space is trimmed from spans of two characters or more only
    edges = _is_space(codes[np.minimum(starts, limit - 1)]) | _is_space(codes[np.clip(ends - 1, 0, limit - 1)])
    look = (ends <= starts) | (wide & edges) | ((ends < limit) & (codes[np.minimum(ends, limit - 1)] >= FIRST_MARK))
    for w in np.flatnonzero(look).tolist():
        start, end = int(spans[w, 0]), int(spans[w, 1])
        while start < end - 1 and text[start].isspace():
            start += 1
        while end > start + 1 and text[end - 1].isspace():
            end -= 1
        next_start = int(spans[w + 1, 0]) if w + 1 < len(spans) else limit
        while end < min(next_start, limit) and unicodedata.category(text[end]).startswith("M"):
            end += 1
        spans[w] = (start, end)


# White space by str.isspace (none lies above U+3000), and the first combining mark (U+0300): lookups over
# a text's code points instead of a Python call per character.
SPACE = np.array([chr(c).isspace() for c in range(0x3001)])
FIRST_MARK = 0x300


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _is_space(codes: np.ndarray) -> np.ndarray:
    return (codes < len(SPACE)) & SPACE[np.minimum(codes, len(SPACE) - 1)]


def plan_windows(encoding: TextEncoding, max_tokens: int, stride: int) -> list[Window]:
    """Cut a text into windows of at most `max_tokens` tokens overlapping by about `stride`."""
    n = encoding.n_tokens
    if n == 0:
        return [Window(0, 0, 0, 0)]
    if not 0 <= stride < max_tokens:
        raise ValueError(f"stride must be in [0, max_tokens), got {stride} and {max_tokens}")
    is_word_start = np.zeros(n + 1, dtype=bool)
    is_word_start[encoding.first_token] = True
    is_word_start[n] = True
    bounds: list[tuple[int, int]] = []
    start = 0
    while True:
        end = min(start + max_tokens, n)
        if end < n:  # end on a word boundary, unless a single word fills most of the window
            back = end
            while back > start and not is_word_start[back]:
                back -= 1
            if back - start > max_tokens // 2:
                end = back
        bounds.append((start, end))
        if end >= n:
            break
        nxt = max(end - stride, start + 1)
        while nxt > start + 1 and not is_word_start[nxt]:
            nxt -= 1
        start = nxt
    windows = []
    for i, (s, e) in enumerate(bounds):
        own_s = 0 if i == 0 else (s + bounds[i - 1][1]) // 2
        own_e = n if i == len(bounds) - 1 else (bounds[i + 1][0] + e) // 2
        windows.append(Window(s, e, own_s, own_e))
    return windows


def window_ids(encoding: TextEncoding, window: Window, cls_id: int, sep_id: int) -> np.ndarray:
    """The network's input ids for a window: [CLS] tokens [SEP]. Position p of the window's tokens
    is p - window.start + 1 in this array."""
    return np.concatenate([[cls_id], encoding.ids[window.start:window.end], [sep_id]]).astype(np.int64)


def pad_batch(rows: list[np.ndarray], pad_id: int, multiple: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad to the longest row (rounded up to `multiple`, which kernels like); return ids and mask."""
    length = max(len(r) for r in rows)
    length = -(-length // multiple) * multiple
    ids = np.full((len(rows), length), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), length), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = r
        mask[i, :len(r)] = 1
    return ids, mask
