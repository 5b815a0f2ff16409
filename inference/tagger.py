"""The stable Python API: load a model folder once, tag texts or documents.

>>> tagger = EventTagger.load("models/demo")                                   # doctest: +SKIP
>>> doc = tagger.extract(["Rockets hit Ain al-Asad airbase in Iraq on Thursday."])[0]   # doctest: +SKIP
>>> [(e.type, e.trigger.text, [(a.role, a.text) for a in e.arguments]) for e in doc.events]  # doctest: +SKIP
[('Conflict:Attack', 'hit', [('Instrument', 'Rockets'), ('Target', 'Ain al-Asad airbase'), ('Place', 'Iraq')])]

An EventTagger is safe to share between threads: it holds no per-call state, and onnxruntime sessions
accept concurrent `run` calls.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from eventtagger.core.schema import Document
from tokenizers import Tokenizer

from .defaults import threads_and_windows
from .line_filter import blank_lines, with_text
from .model_folder import CONFIG, TOKENIZER, VARIANTS, ModelFolder, ModelFolderError
from .network import Network, OnnxNetwork
from .pipeline import prepare_tokenizer, tag_documents
from .spec import ModelCard, TaggerSpec


class EventTagger:
    def __init__(self, tokenizer: Tokenizer, network: Network, spec: TaggerSpec, card: ModelCard,
                 windows_per_call: int | None = None):
        self.tokenizer = prepare_tokenizer(tokenizer)
        self.network = network
        self.spec = spec
        self.card = card
        self.windows_per_call = threads_and_windows(windows=windows_per_call)[1]

    @classmethod
    def load(cls, path: str | Path, variant: str = "int8", threads: int | None = None,
             windows_per_call: int | None = None) -> EventTagger:
        """Open a model folder (docs/FORMAT.md §3), checking its manifest. `variant` is 'int8' (model.onnx) or 'fp32';
        `threads` defaults to the cores this process may use, `windows_per_call` (windows the network reads in
        one call) to one per thread and at least 4 (`defaults.threads_and_windows`)."""
        threads, windows_per_call = threads_and_windows(threads, windows_per_call)
        folder = ModelFolder.open(path, variant)
        try:
            tokenizer = Tokenizer.from_file(str(folder.file(TOKENIZER)))
        except Exception as exc:  # tokenizers raises a bare Exception for a malformed file
            raise ModelFolderError(f"{folder.file(TOKENIZER)} cannot be read as a tokenizer ({exc})") from None
        special = {"cls": folder.spec.cls_id, "sep": folder.spec.sep_id, "pad": folder.spec.pad_id}
        if max(special.values()) >= tokenizer.get_vocab_size():
            raise ModelFolderError(f"{folder.file(CONFIG)}: special_tokens {special} lie outside the tokenizer's "
                                   f"vocabulary of {tokenizer.get_vocab_size()}")
        try:
            network = OnnxNetwork(folder.file(VARIANTS[variant]), threads=threads)
        except Exception as exc:  # onnxruntime's errors have no common base class
            raise ModelFolderError(f"{folder.file(VARIANTS[variant])} cannot be loaded by onnxruntime "
                                   f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
        return cls(tokenizer, network, folder.spec, folder.card, windows_per_call)

    @property
    def prediction_meta(self) -> dict[str, str]:
        return {"model": self.card.name, "model_version": self.card.version}

    def records(self, texts: Sequence[str], ids: Sequence[str] | None = None, published=None) -> list:
        """Tag the texts and return their incident records (docs/RECORDS.md; needs the [records] extra).

        `published` (a datetime.date) anchors relative dates where a document has no dateline.
        """
        from .records import records

        return records(self, texts, ids, published)

    def extract(self, texts: Sequence[str], ids: Sequence[str] | None = None, *, drop_repeated_lines: bool = False,
                drop_boilerplate: bool = False) -> list[Document]:
        """Tag a list of texts; document ids are `ids` or "1", "2", ... in order.

        One text is a list of one: `tagger.extract([text])`. A str (or bytes) itself raises TypeError, since
        it would otherwise be read as a list of one-character texts. `drop_repeated_lines` and
        `drop_boilerplate` are those of `tag`.

        >>> [d.id for d in tagger.extract(["Rockets hit Erbil.", "Police arrested two men."])]  # doctest: +SKIP
        ['1', '2']
        """
        for name, value in (("texts", texts), ("ids", ids)):
            if isinstance(value, (str, bytes)):
                raise TypeError(f"extract takes a list of texts, not one {type(value).__name__}: pass "
                                f"{name}=[...] (e.g. tagger.extract([text]))")
        ids = list(ids) if ids is not None else [str(i + 1) for i in range(len(texts))]
        if len(ids) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(ids)} ids")
        return list(self.tag((Document(i, t) for i, t in zip(ids, texts)), drop_repeated_lines=drop_repeated_lines,
                             drop_boilerplate=drop_boilerplate))

    def tag(self, documents: Iterable[Document], *, drop_repeated_lines: bool = False,
            drop_boilerplate: bool = False) -> Iterator[Document]:
        """Tag documents lazily, in order; any annotations they carry are replaced by predictions.

        For scraped pages, `drop_repeated_lines` blanks a line identical to an earlier one of the document (a
        headline repeated) and `drop_boilerplate` lines such as "Share this article" (`line_filter.BOILERPLATE`)
        before tagging: replaced by spaces for the network, so the documents come back with their own text and
        offsets into it."""
        if isinstance(documents, (str, bytes, Document)):
            raise TypeError(f"tag takes an iterable of Documents, not one {type(documents).__name__}")
        if not (drop_repeated_lines or drop_boilerplate):
            return tag_documents(documents, self.tokenizer, self.network, self.spec, self.windows_per_call,
                                 meta=self.prediction_meta)
        return self._tag_blanked(documents, drop_repeated_lines, drop_boilerplate)

    def _tag_blanked(self, documents: Iterable[Document], repeated: bool, boilerplate: bool) -> Iterator[Document]:
        originals: deque[str] = deque()  # the texts of the documents handed on and not tagged yet, in order

        def blanked() -> Iterator[Document]:
            for doc in documents:
                originals.append(doc.text)
                yield replace(doc, text=blank_lines(doc.text, repeated, boilerplate))

        for doc in tag_documents(blanked(), self.tokenizer, self.network, self.spec, self.windows_per_call,
                                 meta=self.prediction_meta):
            yield with_text(doc, originals.popleft())
