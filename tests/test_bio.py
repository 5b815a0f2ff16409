import numpy as np
from eventtagger.core.bio import TagSet, decode, encode_spans

TAGS = TagSet.bio(["PER", "GPE"])
WORDS = [(0, 4), (5, 9), (10, 12), (13, 18), (19, 23)]


def one_hot(ids, sure=0.9):
    probs = np.full((len(ids), len(TAGS.names)), (1 - sure) / (len(TAGS.names) - 1))
    probs[np.arange(len(ids)), ids] = sure
    return np.log(probs)


def test_tag_names_and_labels():
    assert TAGS.names == ("O", "B-PER", "I-PER", "B-GPE", "I-GPE")
    assert TAGS.labels == ("PER", "GPE")


def test_encode_decode_round_trip():
    spans = [(0, 9, "PER"), (13, 23, "GPE")]
    ids = encode_spans(WORDS, spans, TAGS)
    assert [TAGS.names[i] for i in ids] == ["B-PER", "I-PER", "O", "B-GPE", "I-GPE"]
    decoded = [(WORDS[s.first][0], WORDS[s.last][1], s.label) for s in decode(one_hot(ids), TAGS)]
    assert decoded == spans


def test_span_inside_a_word_takes_the_whole_word():
    assert encode_spans(WORDS, [(6, 8, "PER")], TAGS) == [0, 1, 0, 0, 0]


def test_overlapping_spans_keep_the_longer():
    ids = encode_spans(WORDS, [(5, 9, "GPE"), (0, 12, "PER")], TAGS)
    assert [TAGS.names[i] for i in ids] == ["B-PER", "I-PER", "I-PER", "O", "O"]


def test_decode_repairs_invalid_sequences():
    # argmax says O I-GPE I-GPE: Viterbi must not start a span with I-
    log_probs = np.log(np.array([
        [0.9, 0.025, 0.025, 0.025, 0.025],
        [0.1, 0.05, 0.05, 0.3, 0.5],
        [0.1, 0.05, 0.05, 0.1, 0.7],
    ]))
    spans = decode(log_probs, TAGS)
    assert [(s.first, s.last, s.label) for s in spans] == [(1, 2, "GPE")]
    assert 0 < spans[0].score < 1


def test_decode_respects_allowed_mask():
    ids = [1, 2, 0, 3, 0]
    allowed = TAGS.label_mask(["GPE"])
    spans = decode(one_hot(ids), TAGS, allowed)
    assert [(s.first, s.label) for s in spans] == [(3, "GPE")]


def test_decode_empty():
    assert decode(np.zeros((0, 5)), TAGS) == []


def test_i_after_other_label_is_split():
    ids = [1, 4, 0, 0, 0]  # B-PER I-GPE: invalid, best valid path changes one tag
    log_probs = one_hot(ids, sure=0.6)
    # the second word's runner-up decides which tag changes: B-GPE splits it off, I-PER joins the PER span
    for runner_up, expected in ((3, [(0, 0, "PER"), (1, 1, "GPE")]), (2, [(0, 1, "PER")])):
        log_probs[1] = np.log(np.where(np.arange(5) == runner_up, 0.25, 0.05))
        log_probs[1, 4] = np.log(0.6)
        spans = decode(log_probs, TAGS)
        assert all(s.label in ("PER", "GPE") for s in spans)
        assert sum(s.last - s.first + 1 for s in spans) <= 2
        assert [(s.first, s.last, s.label) for s in spans] == expected


def _valid(path) -> bool:
    return all(t == 0 or t % 2 == 1 or (i > 0 and path[i - 1] in (t - 1, t)) for i, t in enumerate(path))


def test_viterbi_finds_the_best_valid_path_by_brute_force():
    import itertools

    from eventtagger.core.bio import _viterbi

    rng = np.random.default_rng(7)
    for _ in range(200):
        n_words, n_tags = int(rng.integers(1, 6)), int(rng.choice([3, 5, 7]))
        scores = rng.normal(size=(n_words, n_tags))
        scores[rng.random(scores.shape) < 0.1] = -np.inf  # tags an `allowed` mask removes
        paths = [p for p in itertools.product(range(n_tags), repeat=n_words) if _valid(p)]
        best = max(scores[np.arange(n_words), p].sum() for p in paths)
        found = _viterbi(scores)
        assert _valid(found.tolist())
        assert np.isclose(scores[np.arange(n_words), found].sum(), best) or best == -np.inf


def test_viterbi_on_broken_stretches_only_scores_as_the_full_viterbi():
    from eventtagger.core.bio import _repair, _viterbi

    rng = np.random.default_rng(11)
    repaired = 0
    for _ in range(300):
        n_words, n_tags = int(rng.integers(1, 60)), int(rng.choice([3, 5, 7, 17]))
        scores = rng.normal(size=(n_words, n_tags)) * rng.choice([0.5, 3.0])
        scores[:, 0] += rng.choice([0.0, 2.0])  # mostly O, as in news text
        scores[rng.random(scores.shape) < 0.05] = -np.inf
        argmax = scores.argmax(axis=1)
        if _valid(argmax.tolist()):
            continue
        found, full = _repair(scores, argmax), _viterbi(scores)
        assert _valid(found.tolist())
        rows = np.arange(n_words)
        assert np.isclose(scores[rows, found].sum(), scores[rows, full].sum()) or scores[rows, full].sum() == -np.inf
        repaired += 1
    assert repaired > 100  # the cases that matter were drawn
