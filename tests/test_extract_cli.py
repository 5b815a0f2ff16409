"""The first hour of a new user with `extract`, `evaluate` and the Python API: ids of .txt files in folders,
exit statuses, progress, `-o -`, `--min-score`, blanking scraped boilerplate, `--version`.

Most tests run the command in this process over a stub tagger (a word-level tokenizer and a network that makes
"struck" a trigger wherever it appears), so they take no model; those at the end use the tiny model of conftest.
"""
from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from eventtagger.core.schema import Document
from eventtagger.inference import commands
from eventtagger.inference.cli import main
from eventtagger.inference.spec import ModelCard, TaggerSpec
from eventtagger.inference.tagger import EventTagger

from .conftest import FIXTURES
from .stub_network import StubNetwork

WORDS = ["Rockets", "the", "airbase", "near", "Erbil", "on", "Monday", ",", ".", "killing", "two", "guards",
         "Police", "arrested", "men", "in", "Basra", "struck"]  # "struck" last: no other id is a multiple of its
STRUCK = "Rockets struck the airbase near Erbil on Monday."
CLI = [sys.executable, "-m", "eventtagger.inference.cli"]


@pytest.fixture(scope="module")
def stub_tagger(ontology) -> EventTagger:
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import BertPreTokenizer

    vocab = {w: i for i, w in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *WORDS])}
    tokenizer = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = BertPreTokenizer()
    spec = TaggerSpec(ontology, max_length=32, stride=8, cls_id=2, sep_id=3, pad_id=0, candidate_threshold=0.05)
    # a trigger on "struck" only; entities and roles only on [PAD] (id 0), which is never read
    network = StubNetwork.for_spec(spec, every=(10**6, vocab["struck"], 10**6))
    return EventTagger(tokenizer, network, spec, ModelCard("stub", "1", "none"))


@pytest.fixture
def stubbed(stub_tagger, monkeypatch, tmp_path) -> Path:
    """Commands load the stub tagger; the test runs in tmp_path."""
    monkeypatch.setattr(commands, "load_tagger", lambda args: stub_tagger)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: str, text: str | bytes) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        Path(path).write_bytes(text)
    else:
        Path(path).write_text(text, encoding="utf-8")


def records(path: str) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def extract(*argv: str) -> int:
    return main(["extract", "--model", "stub", *argv])


def test_txt_files_in_folders_take_their_relative_path_as_id(stubbed, capsys):
    write("tree/2024/01/report.txt", STRUCK)
    write("tree/2024/02/report.txt", "Police arrested two men in Basra.")
    write("note.txt", STRUCK)
    assert extract("tree/", "note.txt", "-o", "out.jsonl") == 0
    docs = records("out.jsonl")
    assert [d["id"] for d in docs] == ["2024/01/report", "2024/02/report", "note"]
    assert docs[0]["meta"] == {"source": "tree/2024/01/report.txt", "model": "stub", "model_version": "1"}
    assert docs[2]["meta"]["source"] == "note.txt"
    assert "duplicate" not in capsys.readouterr().err
    # the same name in two folders given on the command line is still one id twice: set aside, exit 1
    write("other/2024/01/report.txt", STRUCK)
    assert extract("tree", "other", "-o", "again.jsonl") == 1
    assert [d["id"] for d in records("again.jsonl")] == ["2024/01/report", "2024/02/report"]
    assert "duplicate id '2024/01/report'" in records("again.errors.jsonl")[0]["error"]
    assert "1 could not be read" in capsys.readouterr().err


def test_exit_status_says_whether_every_input_was_tagged(stubbed, capsys):
    write("good.jsonl", json.dumps({"id": "a", "text": STRUCK}) + "\n{broken\n")
    assert extract("good.jsonl", "-o", "out.jsonl") == 1
    err = capsys.readouterr().err
    assert "tagged 1 documents into out.jsonl; 1 could not be read (reasons in out.errors.jsonl)" in err
    # resumed: the id done is not a failure, the unreadable record still is
    assert extract("good.jsonl", "-o", "out.jsonl", "--resume") == 1
    assert "1 were done already; 1 could not be read" in capsys.readouterr().err
    assert len(records("out.errors.jsonl")) == 1

    write("bad.jsonl", "{broken\n[1]\n")
    write("bad.txt", b"caf\xe9")
    assert extract("bad.jsonl", "bad.txt", "-o", "none.jsonl") == 2
    err = capsys.readouterr().err
    assert "tagged 0 documents into none.jsonl; 3 could not be read" in err and "nothing could be read" in err
    assert not Path("none.jsonl").exists() and len(records("none.errors.jsonl")) == 3

    write("ok.jsonl", json.dumps({"id": "b", "text": STRUCK}) + "\n")
    assert extract("ok.jsonl", "-o", "ok.out.jsonl") == 0
    assert extract("ok.jsonl", "-o", "ok.out.jsonl", "--resume") == 0
    assert "tagged 0 documents into ok.out.jsonl; 1 were done already" in capsys.readouterr().err


def test_a_folder_without_inputs_is_refused(stubbed, capsys):
    Path("empty").mkdir()
    assert extract("empty", "-o", "out.jsonl") == 2
    assert "empty: is a folder without .txt or .jsonl files" in capsys.readouterr().err


def run_on_a_terminal(argv: list[str], monkeypatch) -> tuple[int, str]:
    """main(argv) with stderr on a pseudo-terminal; the exit status and what the terminal showed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a terminal has a size
    terminal = os.fdopen(slave, "w", encoding="utf-8", buffering=1)
    stderr = sys.stderr
    monkeypatch.setattr(sys, "stderr", terminal)
    try:
        status = main(argv)
        terminal.flush()
        shown = b""
        while select.select([master], [], [], 0.2)[0]:
            chunk = os.read(master, 65536)
            if not chunk:
                break
            shown += chunk
    finally:
        monkeypatch.setattr(sys, "stderr", stderr)
        terminal.close()
        os.close(master)
    return status, shown.decode("utf-8", "replace")


def test_progress_on_a_terminal_and_quiet(stubbed, monkeypatch, capsys):
    write("a.jsonl", "".join(json.dumps({"id": f"d{i}", "text": STRUCK}) + "\n" for i in range(5)))
    write("b.txt", STRUCK)
    status, shown = run_on_a_terminal(["extract", "--model", "stub", "a.jsonl", "b.txt", "-o", "out.jsonl"],
                                      monkeypatch)
    assert status == 0, shown
    assert "6/6" in shown and "documents/s" in shown, shown  # the total was counted beforehand
    assert "tagged 6 documents into out.jsonl" in shown

    status, shown = run_on_a_terminal(["extract", "--model", "stub", "a.jsonl", "-o", "quiet.jsonl", "--quiet"],
                                      monkeypatch)
    assert status == 0
    assert shown.strip().splitlines() == ["tagged 5 documents into quiet.jsonl"]

    # stderr not a terminal (captured here): the summary alone
    assert extract("a.jsonl", "-o", "piped.jsonl") == 0
    assert capsys.readouterr().err.strip().splitlines() == ["tagged 5 documents into piped.jsonl"]


def test_output_to_stdout(stubbed, capsys):
    write("in.jsonl", json.dumps({"id": "a", "text": STRUCK}) + "\n" + json.dumps({"text": "no id"}) + "\n")
    assert extract("in.jsonl", "-o", "-") == 1
    out, err = capsys.readouterr()
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["a"]
    assert "set aside in.jsonl, line 2: field 'id'" in err
    assert "tagged 1 documents into standard output; 1 could not be read (reasons above)" in err
    assert not list(Path(".").glob("-*"))  # no file named after "-"

    assert extract("in.jsonl", "-o", "-", "--resume") == 2
    assert "--resume" in capsys.readouterr().err


def test_min_score_leaves_out_what_the_model_is_not_sure_of(stubbed, capsys):
    write("in.jsonl", json.dumps({"id": "a", "text": STRUCK}) + "\n")
    assert extract("in.jsonl", "-o", "all.jsonl") == 0
    (event,) = records("all.jsonl")[0]["events"]
    assert 0.5 < event["score"] < 1
    assert extract("in.jsonl", "-o", "sure.jsonl", "--min-score", "0.5") == 0
    assert len(records("sure.jsonl")[0]["events"]) == 1
    assert extract("in.jsonl", "-o", "none.jsonl", "--min-score", str((1 + event["score"]) / 2)) == 0
    assert records("none.jsonl")[0]["events"] == []
    for bad in ("1.5", "-0.1", "nan", "high"):
        with pytest.raises(SystemExit) as exit_:
            extract("in.jsonl", "-o", "x.jsonl", "--min-score", bad)
        assert exit_.value.code == 2
        assert "--min-score: must be a number from 0 to 1" in capsys.readouterr().err


ARTICLE = "\n".join([STRUCK, "", STRUCK, "CLICK HERE TO GET THE FOX NEWS APP", "  " + STRUCK + "  ",
                     "(Photo: Reuters)", "Share this article", "Police arrested two men in Basra."])


def test_repeated_headlines_and_boilerplate_are_blanked_offsets_kept(stub_tagger):
    (plain,) = stub_tagger.extract([ARTICLE])
    assert len(plain.events) == 3
    (doc,) = stub_tagger.extract([ARTICLE], drop_repeated_lines=True, drop_boilerplate=True)
    assert doc.text == ARTICLE
    assert [(e.trigger.start, e.trigger.text) for e in doc.events] == [(ARTICLE.index("struck"), "struck")]
    for span in (*doc.entities, *(e.trigger for e in doc.events), *(a for e in doc.events for a in e.arguments)):
        assert ARTICLE[span.start:span.end] == span.text
    # tag() takes the same options and keeps ids and meta
    (tagged,) = stub_tagger.tag([Document("x", ARTICLE, meta={"feed": "f"})], drop_repeated_lines=True)
    assert tagged.text == ARTICLE and len(tagged.events) == 1 and tagged.meta["feed"] == "f"


def test_extract_drops_lines_only_when_asked(stubbed):
    write("page.txt", ARTICLE)
    assert extract("page.txt", "-o", "plain.jsonl") == 0
    assert len(records("plain.jsonl")[0]["events"]) == 3
    assert extract("page.txt", "-o", "clean.jsonl", "--drop-repeated-lines", "--drop-boilerplate") == 0
    (doc,) = records("clean.jsonl")
    assert doc["text"] == ARTICLE and len(doc["events"]) == 1
    assert ARTICLE[doc["events"][0]["trigger"]["start"]:doc["events"][0]["trigger"]["end"]] == "struck"


def test_one_text_instead_of_a_list_is_refused(stub_tagger):
    for wrong in (STRUCK, STRUCK.encode()):
        with pytest.raises(TypeError, match=r"a list of texts"):
            stub_tagger.extract(wrong)
    with pytest.raises(TypeError, match="Document"):
        stub_tagger.tag(STRUCK)
    assert "TypeError" in EventTagger.extract.__doc__
    assert [d.id for d in stub_tagger.extract([STRUCK, STRUCK])] == ["1", "2"]


def test_evaluate_scores_several_files_together_and_each(stubbed, capsys):
    gold = (FIXTURES / "tiny.jsonl").read_text(encoding="utf-8").splitlines()
    write("a.jsonl", "\n".join(gold[:5]) + "\n")
    write("b.jsonl", "\n".join(gold[5:]) + "\n")
    assert main(["evaluate", "--model", "stub", "--data", "a.jsonl", "b.jsonl"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["documents"] == len(gold)
    assert {name: r["documents"] for name, r in result["files"].items()} == {"a.jsonl": 5, "b.jsonl": len(gold) - 5}
    assert set(result["files"]["a.jsonl"]) == set(result) - {"files"}
    # one file, or --data repeated: the same shape
    assert main(["evaluate", "--model", "stub", "--data", "a.jsonl", "--data", "b.jsonl"]) == 0
    assert json.loads(capsys.readouterr().out) == result
    # the same document in two files cannot be scored together
    assert main(["evaluate", "--model", "stub", "--data", "a.jsonl", "a.jsonl"]) == 2
    assert "duplicate id" in capsys.readouterr().err


def test_evaluate_refuses_gold_without_annotations(stubbed, capsys):
    write("raw.jsonl", json.dumps({"id": "r", "text": STRUCK}) + "\n")
    assert main(["evaluate", "--model", "stub", "--data", "raw.jsonl"]) == 2
    assert "raw.jsonl: holds no entities and no events" in capsys.readouterr().err


def test_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"eventtagger {version('eventtagger')}"


# --- the same through the real command and the tiny model ----------------------------------------------------

@pytest.mark.slow  # the tiny model of conftest is trained once per session
def test_real_extract_of_a_tree_to_stdout(tiny_model, tmp_path):
    write(str(tmp_path / "tree/2024/01/report.txt"), "Rockets struck the airbase near Erbil on Monday.")
    write(str(tmp_path / "tree/2024/02/report.txt"), ARTICLE)
    proc = subprocess.run([*CLI, "extract", "--model", str(tiny_model), "tree", "-o", "-", "--drop-repeated-lines",
                           "--drop-boilerplate", "--min-score", "0.3"], cwd=tmp_path, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    docs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [d["id"] for d in docs] == ["2024/01/report", "2024/02/report"]
    assert docs[1]["text"] == ARTICLE and docs[1]["meta"]["source"] == "tree/2024/02/report.txt"
    assert [e["trigger"]["text"] for e in docs[1]["events"] if e["type"] == "Conflict:Attack"] == ["struck"]
    for doc in docs:
        for s in (*doc["entities"], *(e["trigger"] for e in doc["events"]),
                  *(a for e in doc["events"] for a in e["arguments"])):
            assert doc["text"][s["start"]:s["end"]] == s["text"] and s.get("score", 1) >= 0.3
    assert proc.stderr.strip().splitlines()[-1] == "tagged 2 documents into standard output"


@pytest.mark.slow  # the tiny model of conftest is trained once per session
def test_ray_engine_exit_status_and_output(tiny_model, tmp_path, capsys):
    pytest.importorskip("ray.data", reason="--engine ray needs the [ray] extra")
    write(str(tmp_path / "bad.jsonl"), "{broken\n[1]\n")
    argv = ["extract", "--engine", "ray", "--model", str(tiny_model), str(tmp_path / "bad.jsonl")]
    assert main([*argv, "-o", str(tmp_path / "out")]) == 2  # nothing could be read: no Ray is started
    assert "nothing could be read" in capsys.readouterr().err
    assert len((tmp_path / "out" / "errors.jsonl").read_text().splitlines()) == 2
    assert main([*argv, "-o", "-"]) == 2
    assert "names a folder" in capsys.readouterr().err


def test_serve_min_score(stub_tagger, capsys):
    pytest.importorskip("fastapi", reason="the service needs the [serve] extra")
    from eventtagger.inference.server import ServiceLimits, create_app
    from fastapi.testclient import TestClient

    for min_score, events in ((0.0, 1), (0.9999, 0)):
        with TestClient(create_app(stub_tagger, ServiceLimits(), min_score=min_score)) as client:
            answer = client.post("/v1/extract", json={"id": "a", "text": STRUCK}).json()
        assert len(answer["events"]) == events, answer
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--model", "m", "--min-score", "2"])
    assert exit_.value.code == 2 and "--min-score" in capsys.readouterr().err
