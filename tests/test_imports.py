"""The arrows between the packages: core <- inference <- training, and the runtime without torch.

Two checks: the import graph read from the source (every import statement, those inside functions too), and
the `eventtagger` command run for real in a fresh interpreter, after which `sys.modules` must hold no torch,
transformers or training code. The run with a model folder is in test_end_to_end (it needs the trained model).
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from .conftest import FIXTURES, ROOT

PACKAGES = {"core": "eventtagger.core", "inference": "eventtagger.inference", "training": "eventtagger.training"}
# the training stack: none of it may be imported by the runtime (the [train] extra may not even be installed)
TRAINING_STACK = ("torch", "transformers", "accelerate", "datasets")
ONTOLOGY = str(ROOT / "configs" / "ontology" / "ace.yaml")
DEV = str(ROOT / "data" / "dev.jsonl")

# The one cycle left, through function-level imports: core/formats/__init__.py imports its readers inside
# readers() and writers(), and they import `Conversion` from it. It breaks by moving `Conversion` into a module
# of its own (as inference/command.py did for `Command`); then empty this set. A new cycle, or this one grown,
# fails.
KNOWN_CYCLES: set[frozenset[str]] = set()


def source_modules() -> dict[str, Path]:
    """Every module of the three packages by its installed name: core/formats/brat.py is core.formats.brat."""
    modules = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join((package, *parts))] = path
    return modules


def imported_names(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """What `module` imports anywhere in its source, as absolute names. `from X import a` names X.a when that is
    a module, else X (a name defined in X); the parent packages a dotted import initialises are not counted."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            submodules = {f"{source}.{alias.name}" for alias in node.names} & set(modules)
            names.update(submodules)
            if len(submodules) < len(node.names):
                names.add(source)
    return names


def import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(edges between the project's own modules, every name each module imports)."""
    modules = source_modules()
    imports = {m: imported_names(m, path, modules) for m, path in modules.items()}
    return {m: {n for n in names if n in modules and n != m} for m, names in imports.items()}, imports


def cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan), i.e. the import cycles.

    >>> sorted(sorted(c) for c in cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}))
    [['a', 'b']]
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = set()

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = {stack.pop()}
            while v not in component:
                component.add(stack.pop())
            if len(component) > 1:
                found.add(frozenset(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_import_graph_has_no_new_cycle_and_its_arrows_point_one_way():
    graph, imports = import_graph()
    assert len(graph) > 40 and "eventtagger.training.run" in graph["eventtagger.training.commands"]  # read them all
    new = {c for c in cycles(graph) if c not in KNOWN_CYCLES}
    assert not new, f"import cycles: {[sorted(c) for c in new]}"

    def offenders(package: str, banned: tuple[str, ...]) -> dict[str, list[str]]:
        found = {m: sorted(n for n in names if any(n == b or n.startswith(b + ".") for b in banned))
                 for m, names in imports.items() if m == package or m.startswith(package + ".")}
        return {m: names for m, names in found.items() if names}

    assert offenders("eventtagger.core", ("eventtagger.inference", "eventtagger.training")) == {}
    assert offenders("eventtagger.inference", ("eventtagger.training", *TRAINING_STACK)) == {}
    # the check sees what it must: training imports both
    assert offenders("eventtagger.training", ("eventtagger.inference", "torch"))


# Runs in a fresh interpreter: argv[1] is a JSON list of command lines, argv[2] the file for the result.
RUNTIME_CLI = r"""
import json, sys
from importlib.metadata import entry_points

from eventtagger.inference.cli import main
from eventtagger.inference.commands import RUNTIME_COMMANDS


def call(argv):
    try:
        return main(argv)
    except SystemExit as exc:  # argparse after --help
        return exc.code


calls = [["--help"], *([c.name, "--help"] for c in RUNTIME_COMMANDS), *json.loads(sys.argv[1])]
statuses = [call(argv) for argv in calls]
# `train` and `export` register through entry points; loading one loads its (torch-free) module, nothing more
registered = {ep.module for ep in entry_points(group="eventtagger.commands")}
allowed = registered | {m.rsplit(".", 1)[0] for m in registered}
loaded = sorted(m for m in sys.modules if m.split(".")[0] in STACK
                or (m.startswith("eventtagger.training") and m not in allowed))
with open(sys.argv[2], "w") as out:
    json.dump({"calls": calls, "statuses": statuses, "commands": [c.name for c in RUNTIME_COMMANDS],
               "loaded": loaded}, out)
""".replace("STACK", repr(TRAINING_STACK))


def run_runtime_cli(calls: list[list[str]], tmp_path: Path) -> dict:
    """Run `eventtagger --help`, `eventtagger COMMAND --help` for every runtime command and then `calls`, in one
    fresh interpreter; assert each exits 0 and that the training stack was not imported."""
    result_file = tmp_path / "runtime_cli.json"
    proc = subprocess.run([sys.executable, "-c", RUNTIME_CLI, json.dumps(calls), str(result_file)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(result_file.read_text())
    failed = [(argv, status) for argv, status in zip(result["calls"], result["statuses"]) if status != 0]
    assert not failed, f"{failed}\n{proc.stderr[-3000:]}"
    assert {"validate", "extract", "evaluate", "serve"} <= set(result["commands"])
    assert result["loaded"] == [], f"the runtime imported {result['loaded']}"
    return result


def test_runtime_cli_without_a_model_imports_neither_torch_nor_training(tmp_path):
    conll = str(tmp_path / "dev.conll")
    run_runtime_cli([["validate", DEV, "--ontology", ONTOLOGY], ["stats", DEV], ["show", str(FIXTURES / "tiny.jsonl")],
                     ["convert", "--to", "conll", DEV, "-o", conll],
                     ["convert", "--from", "conll", conll, "-o", str(tmp_path / "back.jsonl")]], tmp_path)
    assert (tmp_path / "back.jsonl").read_text(encoding="utf-8").count("\n") == 38
