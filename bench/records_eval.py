"""Incident records scored on our own test split: data/test.jsonl tagged, records built, compared with the hand-made
gold incidents of data/incidents/test.jsonl (data/incidents/README.md).

    .venv/bin/python bench/records_eval.py --model models/demo --json-out docs/records_eval.json
    .venv/bin/python bench/records_eval.py --gold-only              # no model: only the gold-fed figures

Two runs over the same 48 documents:

* model-fed: the texts tagged by `--model` (int8), `document_incidents` on what it predicted;
* gold-fed: `document_incidents` on the gold Documents, with their gold entities and events, which isolates the
  record logic (coreference, modality, casualties, dates, places, actors) from the tagger.

Matching, per document, one-to-one, greedy:

1. a predicted record and a gold incident of the same type match when a trigger of one of the record's mentions
   overlaps one of the incident's triggers (most overlapping triggers first);
2. left-overs of the same type match when they have the same place (as below, both named) and the same date
   (equal values, both null included);
3. left-overs of different types whose triggers overlap are paired as well, for the fields only: their type
   counts wrong and they are not incident matches.

Incident precision/recall count matches of steps 1-2 over all records and all gold incidents ("all") and over
counted records (`counted`: asserted) against asserted gold incidents ("counted", matched anew among those).

Fields, micro-averaged over all incidents: a record's value counts toward precision when it is not null, a gold
value toward recall when it is not null, and a hit is a paired record and incident with the same value. So a
null where the gold has 0 killed is a miss, a count where the gold says nothing is a false one, and a value on
an unmatched record or incident counts against the system. `type` and `modality` always have a value.
Values compared: `type`; `date` (the value string); `country` (ISO 3166-1 alpha-2); `region` (ISO 3166-2);
`place` (the record's place as written, or else its gazetteer city; names lower-cased, without accents,
punctuation or a leading "the"/"al-": equal, or the words of one within the other's; a hit when the gold place
is the record's place or its city); `killed`, `injured` (low and high both equal; the gold's n is [n, n]); `modality`.
Actor roles (attackers, targets, victims, instruments, claimed_by) are lists: each filler is one value, and
fillers of a pair are matched one-to-one by head word (the last word, lower case, a plural -s dropped).

Incident count per document: the share of documents whose number of records equals the number of gold
incidents (all records vs all incidents; counted records vs asserted incidents), and the mean absolute
difference.

The JSON record holds the command (the model's folder by its name, `models/NAME`, never a local path), the date,
the model's name and version, every figure, and each disagreement (document, field, gold, predicted).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "test.jsonl"
GOLD = ROOT / "data" / "incidents" / "test.jsonl"
ROLES = ("attackers", "targets", "victims", "instruments", "claimed_by")
SCALARS = ("type", "date", "country", "region", "place", "killed", "injured", "modality")
FIELDS = SCALARS[:5] + ROLES + SCALARS[5:]
ASSERTED = "asserted"


# ---- the incidents compared: plain dicts ---------------------------------------------------------------------

def gold_incident(g: dict) -> dict:
    """A gold incident (data/incidents/README.md) in the form compared."""
    return {"type": g["type"], "date": g["date"], "country": g["country"], "region": g["region"],
            "place": g["place"], **{r: list(g[r]) for r in ROLES}, "killed": _count(g["killed"]),
            "injured": _count(g["injured"]), "modality": g["modality"], "counted": g["modality"] == ASSERTED,
            "triggers": [(t["start"], t["end"]) for t in g["evidence"]["triggers"]]}


def record_incident(r) -> dict:
    """A record of `document_incidents` (inference/records/schema.py Incident) in the form compared."""
    loc, act = r.location, r.actors
    return {"type": r.event_type, "date": r.date.value, "country": loc.country_code, "region": loc.region_code,
            "place": loc.place.text if loc.place else loc.city, "city": loc.city,
            **{role: [s.text for s in getattr(act, role)] for role in ROLES},
            "killed": (r.killed.low, r.killed.high) if r.killed else None,
            "injured": (r.injured.low, r.injured.high) if r.injured else None,
            "modality": r.modality, "counted": r.counted,
            "triggers": [(m.trigger.start, m.trigger.end) for m in r.mentions]}


def _count(v) -> tuple[int, int | None] | None:
    if v is None:
        return None
    return (v, v) if isinstance(v, int) else (v[0], v[1])


# ---- comparing values --------------------------------------------------------------------------------------------

def normalize(s: str) -> str:
    s = "".join(c for c in unicodedata.normalize("NFKD", s.lower()) if not unicodedata.combining(c))
    s = re.sub(r"[^\w\s]", " ", s)
    s = re.sub(r"^(?:the|al)\s+", "", " ".join(s.split()))
    return s


def head(s: str) -> str:
    words = normalize(s).split()
    w = words[-1] if words else ""
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


def same_place(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    x, y = normalize(a), normalize(b)
    return x == y or f" {x} " in f" {y} " or f" {y} " in f" {x} "


def same(field: str, g, p, pred: dict | None = None) -> bool:
    if field == "place":  # the place as written, or the city the gazetteer made of it
        return same_place(g, p) or bool(pred) and same_place(g, pred.get("city"))
    return g == p


def role_hits(gold: Sequence[str], pred: Sequence[str]) -> int:
    """Fillers matched one-to-one by head word."""
    left = [head(x) for x in pred]
    hits = 0
    for h in (head(x) for x in gold):
        if h in left:
            left.remove(h)
            hits += 1
    return hits


# ---- matching ----------------------------------------------------------------------------------------------------

def _overlaps(a: dict, b: dict) -> int:
    return sum(1 for s, e in a["triggers"] for s2, e2 in b["triggers"] if s < e2 and s2 < e)


def match(gold: Sequence[dict], pred: Sequence[dict]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(matches, cross-type pairs) as (gold index, pred index), one-to-one (see the module's docstring)."""
    free_g, free_p = set(range(len(gold))), set(range(len(pred)))

    def take(cands: Iterable[tuple[float, int, int]]) -> list[tuple[int, int]]:
        out = []
        for _, i, j in sorted(cands, key=lambda c: (-c[0], c[1], c[2])):
            if i in free_g and j in free_p:
                free_g.discard(i)
                free_p.discard(j)
                out.append((i, j))
        return out

    typed = take((_overlaps(g, p), i, j) for i, g in enumerate(gold) for j, p in enumerate(pred)
                 if g["type"] == p["type"] and _overlaps(g, p))
    typed += take((0, i, j) for i, g in enumerate(gold) for j, p in enumerate(pred)
                  if i in free_g and j in free_p and g["type"] == p["type"] and same_place(g["place"], p["place"])
                  and g["date"] == p["date"])
    cross = take((_overlaps(g, p), i, j) for i, g in enumerate(gold) for j, p in enumerate(pred)
                 if i in free_g and j in free_p and _overlaps(g, p))
    return typed, cross


# ---- scoring -----------------------------------------------------------------------------------------------------

def prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3), "tp": tp, "predicted": n_pred,
            "gold": n_gold}


def score(docs: dict[str, tuple[list[dict], list[dict]]]) -> dict:
    """`docs`: document id -> (gold incidents, predicted incidents), both as `gold_incident`/`record_incident`."""
    tp = Counter()
    n_pred, n_gold = Counter(), Counter()
    inc = Counter()
    counts_all, counts_counted = [], []
    errors: list[dict] = []
    for doc_id, (gold, pred) in docs.items():
        typed, cross = match(gold, pred)
        inc["all_tp"] += len(typed)
        inc["all_pred"] += len(pred)
        inc["all_gold"] += len(gold)
        g_c, p_c = [g for g in gold if g["counted"]], [p for p in pred if p["counted"]]
        inc["counted_tp"] += len(match(g_c, p_c)[0])
        inc["counted_pred"] += len(p_c)
        inc["counted_gold"] += len(g_c)
        counts_all.append((len(gold), len(pred)))
        counts_counted.append((len(g_c), len(p_c)))
        for x in gold:
            for f in SCALARS:
                n_gold[f] += x[f] is not None
            for r in ROLES:
                n_gold[r] += len(x[r])
        for x in pred:
            for f in SCALARS:
                n_pred[f] += x[f] is not None
            for r in ROLES:
                n_pred[r] += len(x[r])
        paired_g = {i for i, _ in typed + cross}
        paired_p = {j for _, j in typed + cross}
        for i, j in typed + cross:
            g, p = gold[i], pred[j]
            for f in SCALARS:
                if g[f] is not None and p[f] is not None and same(f, g[f], p[f], p):
                    tp[f] += 1
                elif g[f] is not None or p[f] is not None:
                    errors.append({"document": doc_id, "field": f, "gold": _js(g[f]), "predicted": _js(p[f]),
                                   "kind": _kind(g[f], p[f]), "trigger": _trigger(g)})
            for r in ROLES:
                hits = role_hits(g[r], p[r])
                tp[r] += hits
                if hits < max(len(g[r]), len(p[r])):
                    errors.append({"document": doc_id, "field": r, "gold": g[r], "predicted": p[r],
                                   "kind": "missing" if not p[r] else "spurious" if not g[r] else "wrong",
                                   "trigger": _trigger(g)})
        for i, g in enumerate(gold):
            if i not in paired_g:
                errors.append({"document": doc_id, "field": "incident", "gold": _brief(g), "predicted": None,
                               "kind": "missing", "trigger": _trigger(g)})
        for j, p in enumerate(pred):
            if j not in paired_p:
                errors.append({"document": doc_id, "field": "incident", "gold": None, "predicted": _brief(p),
                               "kind": "spurious", "trigger": _trigger(p)})
    fields = {f: prf(tp[f], n_pred[f], n_gold[f]) for f in FIELDS}
    # type and modality are scored on every incident, paired or not
    return {
        "documents": len(docs),
        "incidents": {"all": prf(inc["all_tp"], inc["all_pred"], inc["all_gold"]),
                      "counted": prf(inc["counted_tp"], inc["counted_pred"], inc["counted_gold"])},
        "fields": fields,
        "incident_count": {"all": _count_figures(counts_all), "counted": _count_figures(counts_counted)},
        "error_kinds": {f"{e['field']} {e['kind']}": n for e, n in _tally(errors)},
        "errors": errors,
    }


def _count_figures(pairs: list[tuple[int, int]]) -> dict:
    n = len(pairs)
    return {"accuracy": round(sum(g == p for g, p in pairs) / n, 3) if n else 0.0,
            "mean_absolute_difference": round(sum(abs(g - p) for g, p in pairs) / n, 3) if n else 0.0,
            "gold_total": sum(g for g, _ in pairs), "predicted_total": sum(p for _, p in pairs)}


def _tally(errors: list[dict]) -> list[tuple[dict, int]]:
    c = Counter((e["field"], e["kind"]) for e in errors)
    return [({"field": f, "kind": k}, n) for (f, k), n in c.most_common()]


def _kind(g, p) -> str:
    return "missing" if p is None else "spurious" if g is None else "wrong"


def _js(v):
    return list(v) if isinstance(v, tuple) else v


def _trigger(x: dict) -> list[int] | None:
    return list(x["triggers"][0]) if x["triggers"] else None


def _brief(x: dict) -> str:
    return f"{x['type']} {x['modality']} {x['place'] or ''}".strip()


# ---- the runs ----------------------------------------------------------------------------------------------------

def load_gold(path: Path = GOLD) -> dict[str, list[dict]]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            out[rec["id"]] = [gold_incident(g) for g in rec["incidents"]]
    return out


def check_gold(corpus: Path = CORPUS, path: Path = GOLD) -> int:
    """Every span of the gold file is text[start:end] of its document; returns the number of spans checked."""
    texts = {d["id"]: d["text"] for d in map(json.loads, corpus.read_text(encoding="utf-8").splitlines()) if d}
    n = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        text = texts[rec["id"]]
        for inc in rec["incidents"]:
            for value in inc["evidence"].values():
                for s in value if isinstance(value, list) else [value]:
                    if text[s["start"]:s["end"]] != s["text"]:
                        raise ValueError(f"{rec['id']}: {s} is {text[s['start']:s['end']]!r} in the text")
                    n += 1
    return n


def run(documents, gold: dict[str, list[dict]], published: dt.date | None) -> dict:
    from eventtagger.inference.records import document_incidents
    pairs = {d.id: (gold[d.id], [record_incident(r) for r in document_incidents(d, published)]) for d in documents}
    return score(pairs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="models/demo", help="model folder (docs/FORMAT.md §3)")
    parser.add_argument("--gold-only", action="store_true", help="no model: the gold-fed run only")
    parser.add_argument("--published", type=dt.date.fromisoformat, default=None,
                        help="publication date for documents without meta.published (default: none)")
    parser.add_argument("--json-out", default=None, help="write the record here (e.g. docs/records_eval.json)")
    args = parser.parse_args(argv)

    from eventtagger.core.jsonl import read_documents
    from eventtagger.inference import Document

    spans = check_gold()
    gold = load_gold()
    documents = read_documents(CORPUS)
    if sorted(gold) != sorted(d.id for d in documents):
        raise SystemExit(f"{GOLD} and {CORPUS} do not hold the same documents")
    result = {"gold_fed": run(documents, gold, args.published)}
    model_info = None
    if not args.gold_only:
        from eventtagger.inference import EventTagger
        tagger = EventTagger.load(args.model)  # int8, as `eventtagger records` uses it
        predicted = list(tagger.tag(Document(d.id, d.text, meta=dict(d.meta)) for d in documents))
        model_info = {"folder": f"models/{Path(args.model).resolve().name}", "variant": "int8",
                      **tagger.prediction_meta}
        result = {"model_fed": run(predicted, gold, args.published), **result}
    shown = [a if a != args.model else model_info["folder"] if model_info else a for a in (argv or sys.argv[1:])]
    record = {
        "command": " ".join([".venv/bin/python bench/records_eval.py", *shown]),
        "date": dt.date.today().isoformat(),
        "model": model_info,
        "corpus": "data/test.jsonl", "gold": "data/incidents/test.jsonl",
        "gold_incidents": sum(len(v) for v in gold.values()), "gold_spans_checked": spans,
        "published": args.published.isoformat() if args.published else None,
        "python": platform.python_version(),
        **result,
    }
    for name in ("model_fed", "gold_fed"):
        if name in result:
            _print(name, result[name])
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


def _print(name: str, r: dict) -> None:
    print(f"== {name}: {r['documents']} documents")
    for k, v in r["incidents"].items():
        print(f"  incidents {k:8} P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f} "
              f"({v['tp']} of {v['predicted']} predicted, {v['gold']} gold)")
    for f, v in r["fields"].items():
        print(f"  {f:12} P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f} "
              f"(tp {v['tp']}, pred {v['predicted']}, gold {v['gold']})")
    for k, v in r["incident_count"].items():
        print(f"  count {k:8} accuracy {v['accuracy']:.3f} MAD {v['mean_absolute_difference']:.3f} "
              f"(gold {v['gold_total']}, predicted {v['predicted_total']})")
    print("  most frequent errors:", ", ".join(f"{k} {n}" for k, n in list(r["error_kinds"].items())[:8]))


if __name__ == "__main__":
    sys.exit(main())
