"""eventtagger's runtime: onnxruntime + tokenizers + numpy, never torch.

>>> from eventtagger.inference import EventTagger, Document
"""
from eventtagger.core.schema import Argument, Document, Entity, Event, Trigger

from .tagger import EventTagger

__all__ = ["Argument", "Document", "Entity", "Event", "EventTagger", "Trigger"]
