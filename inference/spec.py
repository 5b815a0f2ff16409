"""What the runtime needs to know about a model: the `eventtagger.json` of a model folder (docs/FORMAT.md §3)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eventtagger.core.bio import TagSet
from eventtagger.core.ontology import Ontology

FORMAT_VERSION = 1
ARGUMENT_SPANS = ("free", "entities")


@dataclass(frozen=True)
class TaggerSpec:
    """Label maps, window geometry and special token ids: everything decoding needs besides the weights."""
    ontology: Ontology
    max_length: int          # tokens per window, special tokens included
    stride: int              # tokens shared by consecutive windows
    cls_id: int
    sep_id: int
    pad_id: int
    candidate_threshold: float  # a token is a trigger candidate when P(not O) exceeds this
    argument_spans: str = "free"  # "entities": an argument is snapped to the predicted entity it overlaps

    @property
    def window_tokens(self) -> int:
        """Text tokens per window: [CLS] and [SEP] take two of `max_length`."""
        return self.max_length - 2

    @property
    def entity_tags(self) -> TagSet:
        return TagSet.bio(self.ontology.entity_labels)

    @property
    def trigger_tags(self) -> TagSet:
        return TagSet.bio(self.ontology.types)

    @property
    def role_tags(self) -> TagSet:
        return TagSet.bio(self.ontology.roles)

    def to_dict(self) -> dict[str, Any]:
        return {"ontology": self.ontology.to_dict(), "max_length": self.max_length, "stride": self.stride,
                "special_tokens": {"cls": self.cls_id, "sep": self.sep_id, "pad": self.pad_id},
                "candidate_threshold": self.candidate_threshold, "argument_spans": self.argument_spans,
                "labels": {"entity": list(self.entity_tags.names), "trigger": list(self.trigger_tags.names),
                           "role": list(self.role_tags.names)}}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> TaggerSpec:
        special = data["special_tokens"]
        spec = TaggerSpec(ontology=Ontology.from_dict(data["ontology"]), max_length=int(data["max_length"]),
                          stride=int(data["stride"]), cls_id=int(special["cls"]), sep_id=int(special["sep"]),
                          pad_id=int(special["pad"]), candidate_threshold=float(data["candidate_threshold"]),
                          argument_spans=str(data.get("argument_spans", "free")))
        if not 0 <= spec.stride < spec.window_tokens:
            raise ValueError(f"max_length {spec.max_length} and stride {spec.stride} make no windows "
                             "(need 0 <= stride < max_length - 2)")
        if min(spec.cls_id, spec.sep_id, spec.pad_id) < 0:
            raise ValueError("special token ids must not be negative")
        if spec.argument_spans not in ARGUMENT_SPANS:
            raise ValueError(f"argument_spans must be one of {ARGUMENT_SPANS}, not {spec.argument_spans!r}")
        labels = data.get("labels", {})
        for head, tags in (("entity", spec.entity_tags), ("trigger", spec.trigger_tags), ("role", spec.role_tags)):
            if head in labels and tuple(labels[head]) != tags.names:
                raise ValueError(f"label map of the {head} head does not match the ontology")
        return spec


@dataclass(frozen=True)
class ModelCard:
    """The descriptive part of eventtagger.json: provenance and measured figures."""
    name: str
    version: str
    backbone: str
    training_data: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    parity: dict[str, Any] = field(default_factory=dict)
