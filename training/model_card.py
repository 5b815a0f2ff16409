"""The model card (README.md of a model folder), rendered at export time from the measured figures and
from what the run was trained on: its limits are the run's own (language, casing, data, window, ontology)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tokenizers import Tokenizer

# names for the language codes a config is likely to give; any other code is shown as it is
LANGUAGES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
             "nl": "Dutch", "ru": "Russian", "ar": "Arabic", "zh": "Chinese", "ja": "Japanese", "ko": "Korean"}
_NAMES = {"entity": "entities", "trigger_identification": "trigger identification",
          "trigger_classification": "trigger classification", "argument_identification": "argument identification",
          "argument_classification": "argument classification"}


def render_card(info: dict[str, Any], dev: dict[str, Any] | None) -> str:
    onto = info["ontology"]
    train = (info.get("training_data") or {}).get("train") or {}
    lines = [
        f"# {info['name']} — eventtagger model",
        "",
        f"Version `{info['version']}`, exported {info['created']} with eventtagger {info['eventtagger_version']}.",
        "",
        "## What it tags",
        "",
        f"Entities ({', '.join(onto['entity_labels'])}) and events with their roles, ontology `{onto['name']}`:",
        "",
        *(f"- {etype}: {', '.join(roles) or '(no roles)'}" for etype, roles in onto["event_types"].items()),
        "",
        "## Training",
        "",
        f"Backbone `{info['backbone']}`, windows of {info['max_length']} tokens overlapping by {info['stride']}.",
        f"Trained on {train.get('documents', '?')} documents ({train.get('events', '?')} events, "
        f"{train.get('arguments', '?')} arguments, {train.get('entities', '?')} entity mentions); "
        f"best epoch {info.get('training', {}).get('best_epoch')} of {info.get('training', {}).get('epochs')} "
        f"on {info.get('training', {}).get('device')}.",
        *_student_line(info),
        "",
        "## Metrics on the dev set (exact spans, micro-averaged; PyTorch model at the best epoch)",
        "",
    ]
    if dev:
        lines += ["| metric | precision | recall | F1 |", "| --- | --- | --- | --- |"]
        lines += [f"| {_NAMES[k]} | {dev[k]['precision']:.3f} | {dev[k]['recall']:.3f} | {dev[k]['f1']:.3f} |"
                  for k in _NAMES]
        lines += ["", "Per event type (trigger classification F1 / argument classification F1, gold support):", "",
                  "| event type | trigger F1 | triggers | argument F1 | arguments |", "| --- | --- | --- | --- | --- |"]
        for etype, m in dev.get("per_type", {}).items():
            t, a = m["trigger_classification"], m["argument_classification"]
            lines.append(f"| {etype} | {t['f1']:.3f} | {t['support']} | {a['f1']:.3f} | {a['support']} |")
    else:
        lines.append("No dev set was given at training: no metrics measured.")
    parity = info.get("parity") or {}
    lines += ["", "## ONNX against PyTorch", ""]
    if parity:
        lines += [f"On {parity['documents']} dev documents:", "",
                  "| variant | same entity label (words) | same trigger label (words) | largest F1 difference |",
                  "| --- | --- | --- | --- |"]
        for variant, file in info["variants"].items():
            p = parity[variant]
            worst = max(p["f1_difference"].values(), key=abs)
            lines.append(f"| {variant} (`{file}`) | {p['word_label_agreement']['entity']:.2%} | "
                         f"{p['word_label_agreement']['trigger']:.2%} | {worst:+.4f} |")
    else:
        lines.append("Not measured (no dev set).")
    lines += [
        "",
        "## Limits",
        "",
        *_limits(info),
        "- Nested entities are not tagged (one label per word); two events on the same trigger word keep one type.",
        "- Scores are the model's probabilities, not calibrated confidences.",
        "",
        "## How to load",
        "",
        "```python",
        "from eventtagger.inference import EventTagger",
        "tagger = EventTagger.load(\"path/to/this/folder\")",
        "doc = tagger.extract([\"Rockets hit the air base on Thursday.\"])[0]",
        "```",
        "",
        "or `eventtagger extract --model path/to/this/folder articles/*.txt -o tagged.jsonl`.",
        "`manifest.json` holds the sha256 of every file; the runtime refuses a folder that does not match.",
        "",
    ]
    return "\n".join(lines)


def _student_line(info: dict) -> list[str]:
    teacher = info.get("training", {}).get("teacher")
    if not teacher:
        return []
    return [f"A {info['encoder']['num_hidden_layers']}-layer student distilled from the run `{teacher}` "
            "(it learnt that model's tag distributions besides the gold tags)."]


def lowercases(tokenizer: Tokenizer) -> bool:
    """Whether the tokenizer's normalizer lowercases the text (an uncased backbone).

    >>> from tokenizers import Tokenizer, models, normalizers
    >>> tokenizer = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    >>> tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    >>> lowercases(tokenizer)
    True
    """
    return _lowercases(json.loads(tokenizer.to_str()).get("normalizer"))


def _lowercases(normalizer: dict | None) -> bool:
    if not normalizer:
        return False
    if normalizer["type"] == "Sequence":
        return any(_lowercases(n) for n in normalizer["normalizers"])
    return normalizer["type"] == "Lowercase" or (normalizer["type"] == "BertNormalizer"
                                                  and bool(normalizer.get("lowercase")))


def _limits(info: dict) -> list[str]:
    """Language and data, casing, the ontology and the window, as the run had them."""
    data = info.get("training_data") or {}
    train = data.get("train") or {}
    code = data["language"]
    language = f"{LANGUAGES[code.split('-')[0]]} (`{code}`)" if code.split("-")[0] in LANGUAGES else f"`{code}`"
    onto = info["ontology"]
    window = info["max_length"]
    if info["casing"] == "uncased":
        casing = ("- The backbone is uncased (its tokenizer lowercases the text): capitalisation is no signal, "
                  "so *Apple* and *apple* read alike.")
    else:
        casing = ("- The backbone is cased: capitalisation is a signal, so text in capitals only (or in "
                  "lowercase only) reads unlike the training data.")
    return [
        f"- Trained on {train.get('documents', '?')} documents ({train.get('events', '?')} events) in {language} "
        f"from {_sources((data.get('sources') or {}).get('train') or [])}; text in another language, or far from "
        "these in kind, is outside what it learnt.",
        casing,
        f"- It tags only the {len(onto['event_types'])} event types and {len(onto['entity_labels'])} entity labels "
        f"of the ontology `{onto['name']}` (listed above): other kinds of event go unseen.",
        f"- Arguments are found inside the window of their trigger ({window} tokens, {window - 2} of them text); "
        "an event whose arguments lie farther away gets only the near ones.",
    ]


def _sources(sources: list[dict]) -> str:
    """`m2e2` (a.jsonl.gz, b.jsonl.gz) and `jsonl` (train.jsonl): formats and file names, not local paths."""
    if not sources:
        return "sources not recorded"
    return " and ".join(f"`{s['format']}` ({', '.join(Path(p).name for p in s['paths'])})" for s in sources)
