"""`eventtagger extract --engine ray`: the same tagging as the local engine, spread over the actors of a Ray
cluster (the [ray] extra).

What goes where:

- The driver (the machine running the command) reads the inputs exactly as the local engine does (.txt,
  .jsonl, folders, `-`; duplicate ids and unreadable records go to `OUT_DIR/errors.jsonl`; `jobs.JobInputs`),
  and hands the documents to Ray Data with `from_items`, in waves of at most 50,000 so its memory stays bounded.
- `map_batches` runs `TaggerActor` on `num_actors` actors. Each loads the model once, from the model folder's
  files shipped through Ray's object store, so the workers need the eventtagger package but not the folder.
  Each actor reserves `threads` CPUs (default 1) and gives onnxruntime that many threads; it applies
  `--drop-repeated-lines`, `--drop-boilerplate` and `--min-score` as the local engine does.
- The tagged documents stream back to the driver in input order and are written there. The exit status is
  the local engine's: 1 when some records could not be read, 2 when none could.

`-o OUT_DIR` is a folder: `part-00000.jsonl`, `part-00001.jsonl`, ... of at most `shard_size` documents each
(docs/FORMAT.md §1 predictions; concatenated in name order they hold the documents of the local engine's output file,
in its order), plus `errors.jsonl` when records could not be read. A part appears under its final
name only once complete (it is written as `part-NNNNN.jsonl.partial`, then renamed), so `--resume` keeps the
complete parts, drops a torn one and tags only documents in no complete part.

    eventtagger extract --engine ray --model models/demo articles/ -o tagged/            # a local Ray
    eventtagger extract --engine ray --ray-address auto --num-actors 16 \\
        --model models/demo articles/ -o tagged/                                         # on a cluster node

The driver joins a running cluster by its GCS address (`auto` on a node of the cluster, or `head:6379`);
Ray Client addresses (`ray://head:10001`) are refused, since Ray Data's executor does not run through Ray
Client. From outside the cluster, submit the command as a Ray job instead.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from eventtagger.core.errors import InputError, Problem
from eventtagger.core.jsonl import dumps
from eventtagger.core.schema import Document
from eventtagger.core.scores import at_least

from .jobs import DurableWriter, ErrorLog, JobInputs, completed_ids, iter_inputs
from .model_folder import ModelFolder

WAVE_DOCUMENTS = 50_000     # documents the driver holds at once
DOCUMENTS_PER_CALL = 64     # documents per actor call (their windows share network calls)
ERRORS = "errors.jsonl"
INSTALL_HINT = "install eventtagger[ray]: pip install 'eventtagger[ray]', or '.[ray]' from a checkout"


@dataclass(frozen=True)
class RayJob:
    inputs: tuple[str, ...]
    output_dir: Path
    model: Path
    variant: str = "int8"
    threads: int = 1              # per actor
    windows_per_call: int | None = None  # windows per network call (None: one per thread, at least 4)
    address: str | None = None    # None: RAY_ADDRESS, or else a Ray started on this machine
    num_actors: int | None = None  # None: the cluster's CPUs / threads
    shard_size: int = 10_000
    resume: bool = False
    overwrite: bool = False
    min_score: float = 0.0        # what scores below is left out (core.scores.at_least)
    drop_repeated_lines: bool = False
    drop_boilerplate: bool = False
    quiet: bool = False           # no progress bars

    @staticmethod
    def from_args(args: argparse.Namespace) -> RayJob:
        return RayJob(tuple(args.inputs), Path(args.output), Path(args.model), args.variant, args.threads or 1,
                      args.windows_per_call, args.ray_address, args.num_actors, args.shard_size, args.resume,
                      args.overwrite, args.min_score, args.drop_repeated_lines, args.drop_boilerplate, args.quiet)

    @property
    def tag_options(self) -> dict[str, Any]:
        """What each actor's tagging is told besides the model (TaggerActor's keyword arguments)."""
        return {"variant": self.variant, "threads": self.threads, "windows_per_call": self.windows_per_call,
                "min_score": self.min_score, "drop_repeated_lines": self.drop_repeated_lines,
                "drop_boilerplate": self.drop_boilerplate}


class TaggerActor:
    """Ray Data's callable class: loads the EventTagger once per actor, then tags batches of rows
    {id, text, meta (JSON)} into rows {line}: the JSON line of each tagged document."""

    def __init__(self, model_files: list[Any], variant: str, threads: int, windows_per_call: int | None,
                 min_score: float = 0.0, drop_repeated_lines: bool = False, drop_boilerplate: bool = False):
        import ray

        from .tagger import EventTagger

        files: dict[str, bytes] = ray.get(model_files[0])  # wrapped in a list, so Ray leaves the ref to us
        with tempfile.TemporaryDirectory(prefix="eventtagger-model-") as folder:
            for name, data in files.items():
                Path(folder, name).write_bytes(data)
            # the manifest is checked here, on the worker, as on any load
            self.tagger = EventTagger.load(folder, variant=variant, threads=threads, windows_per_call=windows_per_call)
        self.min_score = min_score
        self.drop = {"drop_repeated_lines": drop_repeated_lines, "drop_boilerplate": drop_boilerplate}

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        documents = [Document(str(i), str(t), meta=json.loads(m)) for i, t, m in
                     zip(batch["id"], batch["text"], batch["meta"], strict=True)]
        tagged = self.tagger.tag(documents, **self.drop)
        return {"line": np.array([dumps(at_least(d, self.min_score)) for d in tagged], dtype=object)}


def run(args: argparse.Namespace) -> int:
    """The `extract --engine ray` command."""
    try:
        import ray  # noqa: F401
    except ImportError:
        print(f"eventtagger extract: --engine ray needs Ray; {INSTALL_HINT}", file=sys.stderr)
        return 1
    job = RayJob.from_args(args)
    inputs, shards = extract(job)
    print(inputs.summary(shards.documents, f"{job.output_dir}/ ({shards.parts} new parts)"), file=sys.stderr)
    return inputs.exit_status(shards.documents)


def extract(job: RayJob) -> tuple[JobInputs, ShardWriter]:
    """Tag the job's inputs on Ray; return what became of the inputs and the parts written. Ray is started or
    joined only when there is something to tag."""
    _check_job(job)
    ModelFolder.open(job.model, job.variant)  # a bad folder fails here, before any cluster work
    sources = iter_inputs(list(job.inputs))  # every input checked before any work
    first_part, done = _prepare_output(job)
    inputs = JobInputs(sources, done, ErrorLog(job.output_dir / ERRORS, job.resume))
    shards = ShardWriter(job.output_dir, job.shard_size, first_part)
    cluster: _Cluster | None = None
    try:
        for wave in _waves(inputs):
            cluster = cluster or _Cluster(job)
            for line in cluster.tag(wave):
                shards.write(line)
    finally:
        shards.close()
        inputs.errors.close()
        if cluster is not None:
            cluster.shutdown()
    return inputs, shards


class _Cluster:
    """A connection to Ray with the model folder's files in its object store."""

    def __init__(self, job: RayJob):
        import ray

        _init_ray(job.address)
        self.job = job
        self.num_actors = job.num_actors or max(1, int(ray.cluster_resources().get("CPU", 1) // job.threads))
        self.model_files = [ray.put({p.name: p.read_bytes() for p in sorted(job.model.iterdir()) if p.is_file()})]
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True  # parts in input order
        context.enable_progress_bars = not job.quiet
        logging.getLogger("ray.data").setLevel(logging.WARNING)  # its progress bars say enough

    def tag(self, rows: list[dict[str, str]]) -> Iterator[str]:
        """The JSON lines of the tagged rows, in order."""
        import ray

        job = self.job
        blocks = -(-len(rows) // DOCUMENTS_PER_CALL)
        dataset = ray.data.from_items(rows, override_num_blocks=blocks)
        tagged = dataset.map_batches(
            TaggerActor, batch_size=DOCUMENTS_PER_CALL, batch_format="numpy", num_cpus=job.threads,
            compute=ray.data.ActorPoolStrategy(size=min(self.num_actors, blocks)),  # no actor loads a model for nothing
            fn_constructor_kwargs={"model_files": self.model_files, **job.tag_options})
        for batch in tagged.iter_batches(batch_size=None, batch_format="numpy"):
            yield from (str(line) for line in batch["line"])

    def shutdown(self) -> None:
        import ray

        ray.shutdown()


class ShardWriter:
    """Writes `part-NNNNN.jsonl` files of at most `shard_size` lines; each is renamed from `.partial` once
    complete and synced, so a complete name always holds a complete part."""

    def __init__(self, folder: Path, shard_size: int, first_part: int = 0):
        self.folder, self.shard_size, self.next_part = folder, shard_size, first_part
        self.current: DurableWriter | None = None
        self.in_current = self.documents = self.parts = 0

    def write(self, line: str) -> None:
        if self.current is None:
            self.current = DurableWriter(_part_path(self.folder, self.next_part, partial=True), sync_every=1024)
        self.current.write(line)
        self.in_current += 1
        self.documents += 1
        if self.in_current >= self.shard_size:
            self._finish()

    def close(self) -> None:
        if self.current is not None:
            self._finish()

    def _finish(self) -> None:
        assert self.current is not None
        self.current.close()
        os.replace(self.current.path, _part_path(self.folder, self.next_part))
        self.current, self.in_current = None, 0
        self.next_part += 1
        self.parts += 1


def _part_path(folder: Path, n: int, partial: bool = False) -> Path:
    return folder / (f"part-{n:05d}.jsonl" + (".partial" if partial else ""))


def _check_job(job: RayJob) -> None:
    address = job.address or os.environ.get("RAY_ADDRESS", "")
    if address.startswith("ray://"):
        raise InputError(Problem("extract", "--ray-address", f"{address}: Ray Data does not run through Ray "
                                 "Client (ray://); run the command on a node of the cluster with --ray-address "
                                 "auto, or give the head's GCS address (host:6379), or submit it as a Ray job"))
    if str(job.output_dir) == "-" or job.output_dir.suffix == ".jsonl" or job.output_dir.is_file():
        raise InputError(Problem(str(job.output_dir), "-o", "with --engine ray, -o names a folder for "
                                 "part-00000.jsonl, part-00001.jsonl, ...; not a file"))
    if job.shard_size < 1 or job.threads < 1 or (job.num_actors is not None and job.num_actors < 1):
        raise InputError(Problem("extract", "--shard-size/--threads/--num-actors", "must be positive"))


def _prepare_output(job: RayJob) -> tuple[int, set[str]]:
    """Check or clear OUT_DIR; return the next part number and the ids already tagged (--resume)."""
    folder = job.output_dir
    folder.mkdir(parents=True, exist_ok=True)
    parts = sorted(folder.glob("part-*.jsonl"))
    if parts and not (job.resume or job.overwrite):
        raise InputError(Problem(str(folder), "", f"holds {len(parts)} parts of an earlier job; pass --resume to "
                                 "continue it or --overwrite to start again"))
    for torn in folder.glob("part-*.jsonl.partial"):  # a part the earlier job did not finish
        torn.unlink()
    if job.overwrite and not job.resume:
        for path in [*parts, folder / ERRORS]:
            path.unlink(missing_ok=True)
        return 0, set()
    done = set().union(*(completed_ids(p) for p in parts)) if job.resume else set()
    return (int(parts[-1].name[5:10]) + 1 if parts else 0), done


def _waves(documents: Iterable[Document]) -> Iterator[list[dict[str, str]]]:
    """The documents as rows for Ray Data, WAVE_DOCUMENTS at a time."""
    wave: list[dict[str, str]] = []
    for doc in documents:
        wave.append({"id": doc.id, "text": doc.text, "meta": json.dumps(doc.meta, ensure_ascii=False)})
        if len(wave) >= WAVE_DOCUMENTS:
            yield wave
            wave = []
    if wave:
        yield wave


def _init_ray(address: str | None) -> None:
    """Connect to `address` (or RAY_ADDRESS); without either, start a Ray on this machine."""
    import ray

    if address or os.environ.get("RAY_ADDRESS"):
        ray.init(address=address)
    else:
        ray.init(logging_level=logging.WARNING, log_to_driver=False, include_dashboard=False)
