"""The ontology: entity labels, event types and the roles each event type allows (docs/FORMAT.md §2).

>>> onto = Ontology.from_dict({"name": "tiny", "entity_labels": ["PER"], "event_types": {"Life:Die": ["Victim"]}})
>>> onto.roles, onto.allows("Life:Die", "Victim"), onto.allows("Life:Die", "Place")
(('Victim',), True, False)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError, Problem

_KEYS = {"name", "description", "entity_labels", "event_types"}


@dataclass(frozen=True)
class Ontology:
    name: str
    entity_labels: tuple[str, ...]
    event_types: tuple[tuple[str, tuple[str, ...]], ...]  # ordered (type, roles) pairs
    description: str = ""

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(t for t, _ in self.event_types)

    @property
    def roles(self) -> tuple[str, ...]:
        """Every role of every event type, in order of first appearance."""
        seen: dict[str, None] = {}
        for _, roles in self.event_types:
            seen.update(dict.fromkeys(roles))
        return tuple(seen)

    def roles_of(self, event_type: str) -> tuple[str, ...]:
        return dict(self.event_types).get(event_type, ())

    def allows(self, event_type: str, role: str) -> bool:
        return role in self.roles_of(event_type)

    @staticmethod
    def from_dict(data: Any, where: str = "ontology") -> Ontology:
        problems = []
        if not isinstance(data, dict):
            raise InputError(Problem(where, "", "an ontology must be a mapping"))
        for key in sorted(set(data) - _KEYS):
            problems.append(Problem(where, key, f"unknown key (allowed: {', '.join(sorted(_KEYS))})"))
        labels = data.get("entity_labels")
        if not _is_str_list(labels) or not labels:
            problems.append(Problem(where, "entity_labels", "must be a non-empty list of strings"))
        types = data.get("event_types")
        if not isinstance(types, dict) or not types:
            problems.append(Problem(where, "event_types", "must be a non-empty mapping of event type to roles"))
            types = {}
        for etype, roles in types.items():
            if not isinstance(etype, str) or not _is_str_list(roles):
                problems.append(Problem(where, f"event_types.{etype}", "roles must be a list of strings"))
            elif len(set(roles)) != len(roles):
                problems.append(Problem(where, f"event_types.{etype}", "lists a role twice"))
        if _is_str_list(labels) and len(set(labels)) != len(labels):
            problems.append(Problem(where, "entity_labels", "lists a label twice"))
        if problems:
            raise InputError(problems)
        return Ontology(name=str(data.get("name", "custom")), description=str(data.get("description", "")),
                        entity_labels=tuple(labels),
                        event_types=tuple((t, tuple(r)) for t, r in types.items()))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "entity_labels": list(self.entity_labels),
                "event_types": {t: list(r) for t, r in self.event_types}}

    @staticmethod
    def load(path: str | Path) -> Ontology:
        import yaml  # only the YAML file format needs it; the model folder carries JSON

        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(Problem(str(path), "", f"cannot read the ontology: {exc}")) from None
        return Ontology.from_dict(data, where=str(path))


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)
