"""A worker that tags jobs from a spool folder, for pipelines that hand work over through files.

Producers drop JSON Lines files of documents (`{"id", "text"}` per line) into SPOOL/incoming/, writing them
under another name first and renaming them in, so the worker never sees half a file. The worker claims a
job by moving it to SPOOL/processing/, tags it, writes SPOOL/done/NAME (again by rename) and removes the
claim. SIGTERM or Ctrl-C lets the job in hand finish, then the worker exits; a job left in processing/ by a
crash is put back into incoming/ at the next start. Bad lines go to SPOOL/failed/NAME with the reason.

    python examples/queue_worker.py --model models/demo --spool /tmp/spool          # runs until stopped
    python examples/queue_worker.py --model models/demo --spool /tmp/spool --once   # drains, then exits
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from pathlib import Path

from eventtagger.inference import Document, EventTagger

FOLDERS = ("incoming", "processing", "done", "failed")


class SpoolWorker:
    def __init__(self, tagger: EventTagger, spool: Path, poll_seconds: float = 1.0):
        self.tagger, self.spool, self.poll_seconds = tagger, spool, poll_seconds
        self.stopping = threading.Event()
        for name in FOLDERS:
            (spool / name).mkdir(parents=True, exist_ok=True)
        for left in (spool / "processing").glob("*.jsonl"):  # claimed by a worker that died
            left.rename(spool / "incoming" / left.name)

    def run(self, once: bool = False) -> int:
        """Tag jobs until stopped (or, with `once`, until incoming/ is empty); return how many were done."""
        done = 0
        while not self.stopping.is_set():
            job = self._claim()
            if job is None:
                if once:
                    break
                self.stopping.wait(self.poll_seconds)
                continue
            self._tag(job)
            done += 1
        return done

    def _claim(self) -> Path | None:
        for path in sorted((self.spool / "incoming").glob("*.jsonl")):
            claimed = self.spool / "processing" / path.name
            try:
                path.rename(claimed)  # atomic: of several workers, one wins
                return claimed
            except FileNotFoundError:
                continue
        return None

    def _tag(self, job: Path) -> None:
        documents, failures = [], []
        for number, line in enumerate(job.read_text(encoding="utf-8").splitlines(), 1):
            try:
                record = json.loads(line)
                documents.append(Document(str(record["id"]), record["text"]))
            except (ValueError, KeyError, TypeError) as exc:
                failures.append({"line": number, "error": f"{type(exc).__name__}: {exc}"})
        tagged = [json.dumps(d.to_dict(), ensure_ascii=False) for d in self.tagger.tag(documents)]
        _write_atomically(self.spool / "done" / job.name, tagged)
        if failures:
            _write_atomically(self.spool / "failed" / job.name, [json.dumps(f) for f in failures])
        job.unlink()
        print(f"{job.name}: {len(tagged)} documents tagged, {len(failures)} lines failed", flush=True)


def _write_atomically(path: Path, lines: list[str]) -> None:
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8") as f:
        f.writelines(line + "\n" for line in lines)
        f.flush()
        os.fsync(f.fileno())
    partial.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="models/demo")
    parser.add_argument("--spool", required=True, help="the spool folder (incoming/, processing/, done/, failed/)")
    parser.add_argument("--once", action="store_true", help="tag what is waiting, then exit")
    args = parser.parse_args()
    worker = SpoolWorker(EventTagger.load(args.model), Path(args.spool))
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stopping.set())  # finish the job in hand, then stop
    print(f"{worker.run(args.once)} jobs done")


if __name__ == "__main__":
    main()
