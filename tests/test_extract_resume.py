"""`extract` killed with SIGKILL part-way, then `--resume`d: every input id ends up in the output exactly once,
every bad record in OUT.errors.jsonl exactly once with its reason, and the output validates.

A real `eventtagger extract` runs in a subprocess on a few hundred short documents with bad records among
them; the test polls the output until it holds some lines, kills the process, resumes it and compares the
result with a run that was never stopped. That comparison uses the fp32 network: the int8 one quantizes
activations per batch (dynamic quantization), so a document's tags can change with the documents that share
its batch, and a resumed job batches differently. The int8 default is killed and resumed in the torn-line test.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eventtagger.core.jsonl import read_documents
from eventtagger.inference.model_folder import ModelFolder

pytestmark = pytest.mark.slow  # the tiny model of conftest is trained once per session

CLI = [sys.executable, "-m", "eventtagger.inference.cli"]
N_DOCUMENTS = 600  # three chunks of tag_documents (256 documents each): output comes in three bursts
CITIES = ["Erbil", "Basra", "Mosul", "Kirkuk", "Idlib", "Aleppo", "Kandahar", "Taji"]


def document(i: int) -> dict:
    city = CITIES[i % len(CITIES)]
    # short enough for one window of the tiny model (30 tokens), so a run takes seconds
    return {"id": f"doc-{i:04d}", "text": f"Rockets struck the airbase near {city} on day {i}, killing {i % 7} "
            f"guards; police arrested {i % 5} men in {CITIES[(i + 3) % len(CITIES)]}."}


# bad records slipped in after these document numbers: (line as bytes, reason the errors file must give)
BAD = {
    3: (b'{"id": "broken", "text": \n', "not valid JSON"),
    40: (b'{"text": "no id at all"}\n', "field 'id'"),
    41: (b'{"id": "no-text"}\n', "field 'text'"),
    120: (json.dumps(document(7)).encode() + b"\n", "duplicate id 'doc-0007'"),
    300: (b'{"id": "latin-1", "text": "caf\xe9"}\n', "not valid UTF-8"),
    301: (b'{"id": "surrogate", "text": "x \\ud800"}\n', "surrogate"),
    520: (b"[1, 2]\n", "must be a JSON object"),
    590: (json.dumps(document(550)).encode() + b"\n", "duplicate id 'doc-0550'"),
}
IDS = [document(i)["id"] for i in range(N_DOCUMENTS)]


def write_inputs(folder: Path) -> tuple[list[str], dict[str, str]]:
    """The input files, and where -> reason for each bad record (the errors file must hold exactly these)."""
    lines, expected_errors = [], {}
    for i in range(N_DOCUMENTS):
        lines.append(json.dumps(document(i), ensure_ascii=False).encode() + b"\n")
        if i in BAD:
            line, reason = BAD[i]
            lines.append(line)
            expected_errors[f"{folder / 'docs.jsonl'}, line {len(lines)}"] = reason
    (folder / "docs.jsonl").write_bytes(b"".join(lines))
    (folder / "bad.txt").write_bytes(b"caf\xe9 \xff")
    expected_errors[str(folder / "bad.txt")] = "not valid UTF-8"
    return [str(folder / "docs.jsonl"), str(folder / "bad.txt")], expected_errors


def extract(model: Path, inputs: list[str], output: Path, *flags: str, variant: str = "fp32") -> list[str]:
    return [*CLI, "extract", "--model", str(model), *inputs, "-o", str(output), "--threads", "1",
            "--windows-per-call", "8", "--variant", variant, *flags]


def lines_of(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def kill_when(command: list[str], output: Path, lines: int) -> int:
    """Run `command`, SIGKILL it once `output` holds at least `lines` lines; return the lines it then held."""
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    try:
        while lines_of(output) < lines:
            assert proc.poll() is None, "extract finished before it could be killed"
            assert time.monotonic() < deadline, "extract made no progress"
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return lines_of(output)


def without_scores(record: dict) -> dict:
    record = json.loads(json.dumps(record))
    for item in (*record["entities"], *record["events"], *(a for e in record["events"] for a in e["arguments"])):
        item.pop("score", None)
    return record


@pytest.fixture(scope="module")
def straight_run(tiny_model, tmp_path_factory) -> tuple[dict[str, dict], dict[str, str]]:
    """An extract that was never stopped: its documents by id (scores aside) and its errors by place."""
    folder = tmp_path_factory.mktemp("straight")
    inputs, expected_errors = write_inputs(folder)
    output = folder / "out.jsonl"
    proc = subprocess.run(extract(tiny_model, inputs, output), capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr  # 1: some records could not be read
    documents = {json.loads(line)["id"]: without_scores(json.loads(line)) for line in output.read_text().splitlines()}
    assert list(documents) == IDS
    errors = {json.loads(line)["where"]: json.loads(line)["error"]
              for line in (folder / "out.errors.jsonl").read_text().splitlines()}
    return documents, {k.replace(str(folder), "<folder>"): v.replace(str(folder), "<folder>")
                       for k, v in errors.items()}


def check_resumed(folder: Path, output: Path, expected_errors: dict[str, str], straight, ontology,
                  same_tags: bool = True) -> None:
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    ids = [r["id"] for r in records]
    assert sorted(ids) == IDS and len(ids) == len(set(ids)), "an id is missing or twice in the output"
    assert ids == IDS, "the resumed output is not in input order"
    documents, straight_errors = straight
    for record in records:  # the same tags as a run that was never stopped
        assert not same_tags or without_scores(record) == documents[record["id"]], record["id"]
    read_documents(output, ontology)  # the whole file validates (raises InputError otherwise)
    errors = [json.loads(line) for line in (folder / "out.errors.jsonl").read_text(encoding="utf-8").splitlines()]
    places = [e["where"] for e in errors]
    assert sorted(places) == sorted(expected_errors), "a bad record is missing or twice in the errors file"
    for error in errors:
        assert expected_errors[error["where"]] in error["error"], error
    assert {e["where"].replace(str(folder), "<folder>"): e["error"].replace(str(folder), "<folder>")
            for e in errors} == straight_errors


@pytest.mark.parametrize("kill_at", [1, 257, 513], ids=["first-chunk", "second-chunk", "third-chunk"])
def test_killed_extract_resumes_to_every_document_once(kill_at, tiny_model, tmp_path, straight_run, ontology):
    inputs, expected_errors = write_inputs(tmp_path)
    output = tmp_path / "out.jsonl"
    held = kill_when(extract(tiny_model, inputs, output), output, kill_at)
    assert 0 < held < N_DOCUMENTS, held
    print(f"killed at {held} lines of {N_DOCUMENTS}; errors file: {lines_of(tmp_path / 'out.errors.jsonl')} lines")
    before = output.read_bytes()

    refused = subprocess.run(extract(tiny_model, inputs, output), capture_output=True, text=True)
    assert refused.returncode == 2 and "--resume" in refused.stderr and "Traceback" not in refused.stderr
    assert output.read_bytes() == before, "a refused run touched the output"

    resumed = subprocess.run(extract(tiny_model, inputs, output, "--resume"), capture_output=True, text=True)
    assert resumed.returncode == 1, resumed.stderr  # the bad records are still among the inputs
    assert "were done already" in resumed.stderr
    check_resumed(tmp_path, output, expected_errors, straight_run, ontology)


def test_torn_last_lines_are_cut_off_and_redone(tiny_model, tmp_path, straight_run, ontology):
    inputs, expected_errors = write_inputs(tmp_path)
    output, errors = tmp_path / "out.jsonl", tmp_path / "out.errors.jsonl"
    held = kill_when(extract(tiny_model, inputs, output, variant="int8"), output, 1)
    whole = output.read_bytes()
    whole = whole[:whole.rindex(b"\n") + 1]  # the kill may itself have torn a line: start from whole lines
    done = [json.loads(line)["id"] for line in whole.splitlines()]
    assert 0 < len(done) == len(set(done)) < N_DOCUMENTS, held
    # a write cut short by the kill: half of the next document's line, and half of an errors line
    next_id = IDS[len(done)]
    torn = json.dumps(straight_run[0][next_id], ensure_ascii=False).encode()
    output.write_bytes(whole + torn[:len(torn) // 2])
    errors.write_bytes(errors.read_bytes() + b'{"where": "' + str(tmp_path).encode() + b'/docs.jsonl, line 7')

    resumed = subprocess.run(extract(tiny_model, inputs, output, "--resume", variant="int8"), capture_output=True,
                             text=True)
    assert resumed.returncode == 1, resumed.stderr
    assert output.read_bytes().startswith(whole), "lines written before the kill were changed"
    check_resumed(tmp_path, output, expected_errors, straight_run, ontology, same_tags=False)


def test_damage_before_the_last_line_is_refused_not_dropped(tiny_model, tmp_path):
    """A bad line in the middle is no torn write: resuming past it would lose what follows, so it is refused."""
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(document(i)) + "\n" for i in range(3)))
    output = tmp_path / "out.jsonl"
    output.write_text(json.dumps(document(0)) + "\n" + "{garbage\n" + json.dumps(document(1)) + "\n")
    before = output.read_bytes()
    proc = subprocess.run(extract(tiny_model, [str(tmp_path / "a.jsonl")], output, "--resume"),
                          capture_output=True, text=True)
    assert proc.returncode == 2 and f"{output}, line 2" in proc.stderr and "Traceback" not in proc.stderr
    assert output.read_bytes() == before


def test_overwrite_starts_afresh_and_a_new_job_drops_old_errors(tiny_model, tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps(document(0)) + "\n")
    output = tmp_path / "out.jsonl"
    output.write_text(json.dumps(document(5)) + "\n")
    (tmp_path / "out.errors.jsonl").write_text('{"where": "old", "id": null, "error": "old"}\n')
    proc = subprocess.run(extract(tiny_model, [str(tmp_path / "a.jsonl")], output, "--overwrite"),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["id"] for line in output.read_text().splitlines()] == ["doc-0000"]
    assert not (tmp_path / "out.errors.jsonl").exists()
    assert ModelFolder.open(tiny_model).card.name == json.loads(output.read_text())["meta"]["model"]
