"""Properties that must hold for any text and any network output, checked with hypothesis.

- word spans of `encode_text` slice the text, in order, without overlap;
- `plan_windows` gives every token to exactly one window;
- `tag_documents` with a network of random logits returns documents whose every span slices the text and
  which validate against the model's ontology;
- the JSON Lines reader turns any bytes into records or Problems, never an exception;
- brat, CoNLL and Label Studio write and read back any valid document.
"""
from __future__ import annotations

import json
import unicodedata

import numpy as np
import pytest
from eventtagger.core.errors import InputError, Problem
from eventtagger.core.jsonl import check_file
from eventtagger.core.schema import Argument, Document, Entity, Event, Trigger
from eventtagger.core.validation import check_record
from eventtagger.inference.pipeline import tag_documents
from eventtagger.inference.spec import TaggerSpec
from eventtagger.inference.windows import TextEncoding, encode_text, plan_windows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .stub_network import StubNetwork

EXAMPLES = 150
_DERANDOMIZE = True  # the same examples every run: CI stays reproducible
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=_DERANDOMIZE,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# --- text of every kind -------------------------------------------------------------------------------

ANY_CHAR = st.characters(exclude_categories=("Cs",))  # every code point a Python str may hold in UTF-8
PIECES = st.sampled_from([
    "\r\n", "\n", "\r", "\t", " ", "\u00a0", "\u2028", "\u200b", "\u200d", "\u200c", "\ufeff", "\u0301",
    "e\u0301", "\u0301\u0301", "👨\u200d👩\u200d👧", "🏳️\u200d🌈", "🇮🇶", "👍🏽", "قاعدة عين الأسد", "Эрбиль",
    "北京市", "ﬁ", "Straße", "İ", "\x00", "\x1b[31m", "\x7f", "\x85", "\u202e", "’", "...", "U.S.", "al-Asad",
])


def texts(longest_word: int) -> st.SearchStrategy[str]:
    long_word = st.integers(100, longest_word).map(lambda n: "x" * n)
    return st.lists(st.one_of(st.text(ANY_CHAR, max_size=20), PIECES, long_word, st.just(" ")), max_size=25).map(
        "".join)


TEXTS = texts(3000)
TEXTS_TO_TAG = texts(300)  # a byte-level BPE makes a token of each x, and random logits cost time per window


def _trained_tokenizer(kind: str):
    """A byte-level BPE (GPT-2/RoBERTa style) or a Unigram with Metaspace (SentencePiece style) tokenizer,
    trained in a few milliseconds on a few lines: their offsets behave unlike WordPiece's."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    corpus = ["Rockets struck the airbase near Erbil on Monday, killing two guards.", "قاعدة عين الأسد",
              "北京市 Эрбиль 😀 e\u0301 Straße", "Police arrested three men in Basra."] * 5
    if kind == "bytelevel":
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
        tok.decoder = decoders.ByteLevel()
        tok.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=300, special_tokens=["<s>", "</s>", "<pad>"],
                                                            initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    else:
        tok = Tokenizer(models.Unigram())
        tok.normalizer = normalizers.NFKC()
        tok.pre_tokenizer = pre_tokenizers.Metaspace()
        tok.train_from_iterator(corpus, trainers.UnigramTrainer(vocab_size=100, unk_token="<unk>",
                                                                special_tokens=["<s>", "</s>", "<pad>", "<unk>"]))
    return tok


@pytest.fixture(scope="module", params=["wordpiece", "bytelevel", "unigram"])
def tokenizer(request):
    if request.param == "wordpiece":
        return request.getfixturevalue("minilm_tokenizer")  # the packaged backbone's
    return _trained_tokenizer(request.param)


def assert_words_slice(text: str, enc: TextEncoding) -> None:
    words = enc.words.tolist()
    previous_end = 0
    for start, end in words:
        assert previous_end <= start < end <= len(text), (words, text)
        previous_end = end
    assert len(enc.first_token) == len(words) and (np.diff(enc.first_token) > 0).all()
    assert (enc.word_of_token[enc.first_token] == np.arange(len(words))).all()
    assert (np.diff(enc.word_of_token) >= 0).all() and (enc.word_of_token >= -1).all()
    for start, end in words:  # no word is white space alone
        assert text[start:end].strip()


@SETTINGS
@given(text=TEXTS)
def test_word_spans_slice_the_text_in_order(tokenizer, text):
    assert_words_slice(text, encode_text(tokenizer, text))


@SETTINGS
@given(text=TEXTS, max_tokens=st.integers(1, 40), stride_share=st.floats(0, 0.9))
def test_windows_own_every_token_once(tokenizer, text, max_tokens, stride_share):
    enc = encode_text(tokenizer, text)
    stride = min(int(max_tokens * stride_share), max_tokens - 1)
    windows = plan_windows(enc, max_tokens, stride)
    owned = np.zeros(enc.n_tokens, dtype=int)
    for w in windows:
        assert 0 <= w.start <= w.own_start <= w.own_end <= w.end <= enc.n_tokens
        assert w.end - w.start <= max_tokens
        owned[w.own_start:w.own_end] += 1
    assert (owned == 1).all()
    assert [w.start for w in windows] == sorted({w.start for w in windows})  # strictly increasing


# --- the whole pipeline with random logits ---------------------------------------------------------------

@pytest.fixture(scope="module")
def small_spec(ontology) -> TaggerSpec:
    # short windows, so that even short texts are cut into several; snapping and free spans both occur below
    return TaggerSpec(ontology, max_length=12, stride=3, cls_id=101, sep_id=102, pad_id=0, candidate_threshold=0.05)


def assert_prediction_is_valid(doc: Document, text: str, ontology) -> None:
    assert doc.text == text
    spans = [*doc.entities, *(e.trigger for e in doc.events), *(a for e in doc.events for a in e.arguments)]
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
        assert text[span.start:span.end] == span.text
    assert check_record(doc.to_dict(), doc.id, ontology) == []


@SETTINGS
@given(texts=st.lists(TEXTS_TO_TAG, min_size=1, max_size=4), seed=st.integers(0, 2**32 - 1),
       snap=st.booleans(), windows_per_call=st.integers(1, 5))
def test_pipeline_output_slices_and_validates(tokenizer, small_spec, texts, seed, snap, windows_per_call):
    import dataclasses

    spec = dataclasses.replace(small_spec, argument_spans="entities" if snap else "free")
    documents = [Document(f"d{i}", t) for i, t in enumerate(texts)]
    out = list(tag_documents(documents, tokenizer, StubNetwork.for_spec(spec, seed), spec,
                             windows_per_call=windows_per_call, chunk_size=3, meta={"model": "stub"}))
    assert [d.id for d in out] == [d.id for d in documents]
    for doc, text in zip(out, texts, strict=True):
        assert_prediction_is_valid(doc, text, spec.ontology)
        assert doc.meta == {"model": "stub"}


# --- the JSON Lines reader on arbitrary bytes -------------------------------------------------------------

JSONISH = st.lists(st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"\n", b"\r\n", b"{", b"}", b"[", b"]", b'"', b"\\", b"\\u", b"\\ud800", b"\xff", b"\xc3",
                     b"\xef\xbb\xbf", b'{"id": "a", "text": "b"}', b'{"id": 1}', b"null", b"1e999", b"NaN",
                     b'"entities": [{"start": -1, "end": 1e3}]', b"\x00", b"[" * 3000, b"9" * 5000, b"\\udc00",
                     b'{"id": "x", "text": "\\ud800"}\n', b"Infinity"]),
), max_size=30).map(b"".join)


@settings(max_examples=200, deadline=None, derandomize=_DERANDOMIZE,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=JSONISH)
def test_jsonl_reader_never_raises_on_any_bytes(tmp_path, ontology, data):
    path = tmp_path / "any.jsonl"
    path.write_bytes(data)
    try:
        documents, problems = check_file(path, ontology)
    except InputError as exc:  # a whole-file problem is allowed, as an InputError naming the file
        assert exc.problems and all(str(path) in str(p) for p in exc.problems)
        return
    assert all(isinstance(p, Problem) and str(path) in p.where for p in problems)
    for doc in documents:
        assert check_record(json.loads(json.dumps(doc.to_dict())), "again", ontology) == []


# --- valid documents, and the converters' round trips -----------------------------------------------------

# words of any script, with marks, symbols (emoji) and inner punctuation; any separator but \r (brat reads
# the .txt with universal newlines, as brat itself does: a \r\n comes back as \n, see formats/brat.py)
WORD = st.text(st.characters(categories=("L", "N", "M", "S", "Pd", "Po")), min_size=1, max_size=8).filter(
    lambda w: not unicodedata.category(w[0]).startswith("M"))
FILE_NAME = WORD.filter(lambda w: not ({"/", "\\"} & set(w)) and not w.startswith("."))  # brat: id = file stem
SEPARATORS = [" ", "  ", ", ", "\n", " - ", "\t", "\u00a0", "\u3000", "\u200b ", "\n\n"]
LABELS = ("PER", "ORG", "GPE", "LOC", "FAC", "VEH", "WEA", "VALUE")
EVENTS = {"Conflict:Attack": ("Attacker", "Target", "Instrument", "Place"), "Life:Die": ("Agent", "Victim", "Place"),
          "Contact:Meet": ("Entity", "Place")}


@st.composite
def valid_documents(draw, with_events: bool = True, plain_words: bool = False) -> Document:
    """A text of words and separators, and non-overlapping entities and triggers on word boundaries;
    arguments are entity mentions or other words of the text."""
    words = draw(st.lists(st.from_regex(r"[A-Za-z]{1,8}", fullmatch=True) if plain_words else WORD,
                          min_size=1, max_size=30))
    seps = draw(st.lists(st.sampled_from([" ", " ", ", ", "\n"] if plain_words else SEPARATORS),
                         min_size=len(words), max_size=len(words)))
    text, bounds = "", []
    for word, sep in zip(words, seps):
        bounds.append((len(text), len(text) + len(word)))
        text += word + sep
    text = text.rstrip()
    # each word is free (None), part of an entity or a trigger; spans cover 1-3 consecutive words
    kinds = draw(st.lists(st.sampled_from(["", "", "e", "t"] if with_events else ["", "e"]),
                          min_size=len(words), max_size=len(words)))
    entities, triggers, i = [], [], 0
    while i < len(words):
        if not kinds[i]:
            i += 1
            continue
        n = draw(st.integers(1, 3))
        j = min(i + n, len(words))
        start, end = bounds[i][0], bounds[j - 1][1]
        if kinds[i] == "e":
            entities.append(Entity(f"T{len(entities) + 1}", start, end, draw(st.sampled_from(LABELS)), text[start:end]))
        else:
            triggers.append((start, end))
        i = j
    events = []
    for start, end in triggers:
        etype = draw(st.sampled_from(sorted(EVENTS)))
        fillers = draw(st.lists(st.sampled_from(entities), max_size=3, unique_by=lambda e: e.id)) if entities else []
        arguments = tuple(Argument(draw(st.sampled_from(EVENTS[etype])), e.start, e.end, e.text, e.id)
                          for e in fillers)
        events.append(Event(f"E{len(events) + 1}", etype, Trigger(start, end, text[start:end]), arguments))
    doc_id = draw(st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True) if plain_words else FILE_NAME)
    return Document(doc_id, text, tuple(entities),
                    tuple(events), meta={})


def unique_ids(documents: list[Document]) -> list[Document]:
    import dataclasses

    return [dataclasses.replace(d, id=f"{d.id}-{i}") for i, d in enumerate(documents)]


def without_scores(doc: Document) -> dict:
    return doc.to_dict()


@SETTINGS
@given(documents=st.lists(valid_documents(), min_size=1, max_size=3).map(unique_ids))
def test_brat_round_trip(tmp_path_factory, ontology, documents):
    from eventtagger.core.formats import brat

    for doc in documents:
        assert check_record(doc.to_dict(), doc.id, ontology) == []
    folder = tmp_path_factory.mktemp("brat")
    brat.write(documents, str(folder))
    back = brat.read([str(folder)]).documents
    assert sorted((d.to_dict() for d in back), key=lambda d: d["id"]) == \
        sorted((d.to_dict() for d in documents), key=lambda d: d["id"])


@SETTINGS
@given(documents=st.lists(valid_documents(), min_size=1, max_size=3).map(unique_ids))
def test_label_studio_round_trip(tmp_path_factory, documents):
    from eventtagger.core.formats import label_studio

    out = tmp_path_factory.mktemp("ls") / "tasks.json"
    label_studio.write(documents, str(out))
    back = label_studio.read([str(out)]).documents
    assert [d.to_dict() for d in back] == [d.to_dict() for d in documents]


def tokens(text: str) -> list[str]:
    return text.replace(",", " , ").split()


@SETTINGS
@given(documents=st.lists(valid_documents(with_events=False, plain_words=True), min_size=1, max_size=3))
def test_conll_round_trip(tmp_path_factory, documents):
    """CoNLL keeps tokens and entity labels, not white space or ids: the text comes back with single spaces
    and one sentence a line, and the entities cover the same words with the same labels."""
    from eventtagger.core.formats import conll

    out = tmp_path_factory.mktemp("conll") / "out.conll"
    conll.write(documents, str(out))
    back = conll.read([str(out)]).documents
    assert len(back) == len(documents)
    for original, copy in zip(documents, back, strict=True):
        assert copy.text.split() == tokens(original.text)
        assert [(e.text.split(), e.label) for e in copy.entities] == \
            [(tokens(e.text), e.label) for e in original.entities]
        assert all(copy.text[e.start:e.end] == e.text for e in copy.entities)


# --- other tools' files, damaged at random: an InputError naming the place, or valid documents -------------

JSON_VALUES = st.sampled_from([None, True, -1, 0, 10**6, 1.5, "", "x", [], {}, [0, 1], {"a": 1}, ["x"], [[]]]).map(
    lambda v: json.loads(json.dumps(v)))  # a fresh copy each time: a shared list could end up inside itself


def _paths(value, prefix=()):
    yield prefix
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in children:
        yield from _paths(inner, (*prefix, key))


@st.composite
def damaged(draw, record):
    """`record` with one to three fields replaced by another JSON value or deleted."""
    record = json.loads(json.dumps(record))
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(record))[1:]
        if not paths:
            break
        *parents, last = draw(st.sampled_from(paths))
        target = record
        for key in parents:
            target = target[key]
        if isinstance(target, dict) and draw(st.booleans()):
            del target[last]
        else:
            target[last] = draw(JSON_VALUES)
    return record


def _fixture_records(name: str) -> list:
    from .conftest import FIXTURES

    text = (FIXTURES / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith("export.json") else [json.loads(line) for line in text.splitlines()]


def _write_jsonl(folder, name, records) -> list[str]:
    (folder / name).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return [str(folder / name)]


READERS_ON_DAMAGE = {
    "m2e2": ("m2e2_text_only.jsonl", lambda f, r: _write_jsonl(f, "m.json", r)),
    "wikievents": ("formats/wikievents_sample.jsonl", lambda f, r: _write_jsonl(f, "w.jsonl", r)),
    "label-studio": ("formats/label_studio_export.json",
                     lambda f, r: [str(f / "t.json")] if (f / "t.json").write_text(json.dumps(r)) else []),
}


@pytest.mark.parametrize("fmt", sorted(READERS_ON_DAMAGE))
@settings(max_examples=100, deadline=None, derandomize=_DERANDOMIZE,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_readers_of_other_formats_refuse_damage_cleanly(fmt, data, tmp_path_factory):
    from eventtagger.core.formats import readers

    fixture, write = READERS_ON_DAMAGE[fmt]
    records = _fixture_records(fixture)[:3]
    mutated = [data.draw(damaged(r)) if data.draw(st.booleans()) else r for r in records]
    sources = write(tmp_path_factory.mktemp(fmt), mutated)
    try:
        conversion = readers()[fmt](sources)
    except InputError as exc:
        assert all(str(p.where).startswith(sources[0]) for p in exc.problems), exc
        return
    for doc in conversion.documents:  # what a reader lets through is a docs/FORMAT.md §1 document
        assert check_record(doc.to_dict(), doc.id) == []
