import numpy as np
import pytest
from eventtagger.inference.windows import encode_text, pad_batch, plan_windows, window_ids


def test_offsets_slice_non_ascii_text(minilm_tokenizer):
    text = "Zürich café’s عربي 北京市 e\u0301 x\u200dy 😀 Straße\r\nend"
    enc = encode_text(minilm_tokenizer, text)
    for start, end in enc.words.tolist():
        assert 0 <= start < end <= len(text)
        assert text[start:end].strip() == text[start:end]
    spans = [text[s:e] for s, e in enc.words.tolist()]
    assert "Zürich" in spans and "café" in spans and "Straße" in spans and "😀" in spans
    assert "e\u0301" in spans  # combining mark kept with its letter


def test_first_token_and_word_of_token_agree(minilm_tokenizer):
    enc = encode_text(minilm_tokenizer, "Counter-insurgency operations intensified in Borno.")
    assert (enc.word_of_token[enc.first_token] == np.arange(len(enc.words))).all()


@pytest.mark.parametrize("max_tokens,stride", [(16, 4), (30, 10), (126, 32), (50, 0)])
def test_windows_cover_every_token_once(minilm_tokenizer, max_tokens, stride):
    text = " ".join(f"Word{i} unbelievably-long-compound{i}" for i in range(120))
    enc = encode_text(minilm_tokenizer, text)
    windows = plan_windows(enc, max_tokens, stride)
    owned = np.zeros(enc.n_tokens, dtype=int)
    for w in windows:
        assert 0 <= w.start < w.end <= enc.n_tokens and w.end - w.start <= max_tokens
        assert w.start <= w.own_start <= w.own_end <= w.end
        owned[w.own_start:w.own_end] += 1
    assert (owned == 1).all()
    assert windows[-1].end == enc.n_tokens
    word_starts = set(enc.first_token.tolist())
    assert all(w.start in word_starts for w in windows)


def test_empty_text_gets_one_empty_window(minilm_tokenizer):
    enc = encode_text(minilm_tokenizer, "   ")
    assert enc.n_tokens == 0 and len(enc.words) == 0
    (w,) = plan_windows(enc, 126, 32)
    ids = window_ids(enc, w, 101, 102)
    assert ids.tolist() == [101, 102]


def test_pad_batch_rounds_up():
    ids, mask = pad_batch([np.array([1, 2, 3]), np.array([4])], pad_id=0, multiple=8)
    assert ids.shape == (2, 8) and mask.sum() == 4 and ids[1, 1] == 0


@pytest.mark.parametrize("piece_chars", [7, 64, 1000])
def test_long_text_tokenized_in_pieces_equals_one_call(minilm_tokenizer, monkeypatch, piece_chars):
    """Tokenizing in pieces (to bound memory) gives the tokens and words of one call over the whole text."""
    from eventtagger.inference import windows

    text = ("Rockets struck Erbil's airbase\r\non Monday;  officials in Басра said 12 people (北京市) were hurt. "
            "Café e\u0301tait 👩\u200d👩\u200d👧 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\tend. ") * 5
    whole = encode_text(minilm_tokenizer, text)
    monkeypatch.setattr(windows, "PIECE_CHARS", piece_chars)
    pieces = encode_text(minilm_tokenizer, text)
    if piece_chars >= 64:  # cuts fall on white space: exactly the same tokens
        assert pieces.ids.tolist() == whole.ids.tolist()
        assert pieces.words.tolist() == whole.words.tolist()
        assert pieces.first_token.tolist() == whole.first_token.tolist()
        assert pieces.word_of_token.tolist() == whole.word_of_token.tolist()
    # whatever the cuts, every word slices the text and words are in order and disjoint
    spans = pieces.words.tolist()
    assert all(text[s:e].strip() == text[s:e] and s < e for s, e in spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
