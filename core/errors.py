"""Errors about the user's input: each names the file, the line and the field, in one sentence."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one record: `where` is e.g. 'data/train.jsonl, line 3'."""
    where: str
    field: str
    message: str

    def __str__(self) -> str:
        field = f", field '{self.field}'" if self.field else ""
        return f"{self.where}{field}: {self.message}"


class InputError(Exception):
    """Bad input (exit status 2 on the command line). Carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("input", "", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more problems)" if len(self.problems) > 5 else ""
        super().__init__(shown + more)
