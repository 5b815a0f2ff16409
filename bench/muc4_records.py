"""Incident records scored on MUC-4 dev (TST1 + TST2): GRIT's role-filler metric, and template fields from the keys.

    .venv/bin/python bench/muc4_records.py --model models/demo --json-out docs/muc4_records.json
    .venv/bin/python bench/muc4_records.py --model models/demo --learn-mapping   # + a mapping counted on MUC-4 train

Data are read at run time from ../shared/datasets/muc4 (or $EVENTTAGGER_SHARED/datasets/muc4); no text or
record of it is written anywhere. docs/RECORDS.md ("MUC-4") explains the figures.

* Role fillers. `dev.json` (GRIT's processed file: `docid`, lower-cased `doctext`, `extracts` = {role: [entity,
  ...]}, an entity a list of coreferent `[mention, offset]`) is tagged text by text; the counted incidents of
  types Conflict:Attack and Life:Die of a document are pooled (GRIT's templates are per document, all incidents
  merged) and their fields mapped to MUC-4 roles (HAND_MAPPING). Scoring is GRIT's eval.py
  (github.com/xinyadu/grit_doc_event_entity): strings normalised as SQuAD's (lower case, punctuation, the
  articles a/an/the and extra white space removed), each predicted entity (here one mention each, duplicates
  after normalisation dropped) matched one-to-one to a gold entity (CEAF, phi_strict: every predicted mention is
  one of the gold entity's mentions), micro P/R/F1 per role and over the five roles. A head-noun variant (the
  older MUC-4 convention, e.g. Patwardhan & Riloff 2009) is reported beside it: same matching, a predicted
  string matches when its head noun is the head noun of one of the entity's mentions.
* Template fields. The keys (`original_muc34/tst1/key-tst1.v7.gz`, `tst2/key-tst2.v4.gz`) have one template per
  incident; `0. MESSAGE: ID` is dev.json's `docid` (TST1-MUC3-0001 ... TST2-MUC4-0100), and the original
  texts (`tst1-muc3.gz`, `tst2-muc4.gz`, each document headed by its id on a line of its own) give the dateline
  ("PORT LUCIA, 4 FEB 90 (RADIO NORTE) -- ...", the layout), our publication date; dev.json's `doctext` starts after it.
  In each document the key's relevant templates (TYPE not `*`) are paired one-to-one with our counted incidents,
  most shared fillers (head noun) first, then in text order; a template left without an incident counts wrong.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import re
import string
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROLES = ("PerpInd", "PerpOrg", "Target", "Victim", "Weapon")
# our event types that are MUC-4 incidents; arrests and demonstrations are not terrorist incidents in MUC-4
MUC_EVENT_TYPES = ("Conflict:Attack", "Life:Die")
# (record field, entity label of the filler or "*") -> MUC-4 role; the first rule that fits wins
HAND_MAPPING = {("attackers", "PER"): "PerpInd", ("attackers", "ORG"): "PerpOrg", ("attackers", "GPE"): "PerpOrg",
                ("attackers", "*"): "PerpInd", ("claimed_by", "*"): "PerpOrg", ("targets", "*"): "Target",
                ("victims", "*"): "Victim", ("instruments", "*"): "Weapon"}
FIELDS = ("attackers", "targets", "victims", "instruments", "claimed_by")
# our event type -> MUC-4 INCIDENT: TYPE; an attack whose trigger or instrument names a bomb is a BOMBING, one
# whose trigger is burning an ARSON. A killing (Life:Die) is an ATTACK in MUC-4 (murders were made attacks).
_BOMB = re.compile(r"\b(?:bomb\w*|explo\w+|dynamit\w*|blast\w*|detonat\w+|car[- ]bomb\w*)\b", re.I)
_ARSON = re.compile(r"\b(?:burn\w*|set fire|fire[sd]?|arson\w*|torch\w*|ablaze)\b", re.I)
TYPE_MAPPING_DOC = ("Conflict:Attack -> BOMBING if its trigger or an instrument matches bomb/explo*/dynamit*/"
                    "blast/detonat*, ARSON if its trigger is burn*/fire/set fire/arson/torch*, else ATTACK; "
                    "Life:Die -> ATTACK; Justice:Arrest-Jail and Conflict:Demonstrate -> not a MUC-4 incident "
                    "(not scored, not pooled); KIDNAPPING, ROBBERY and FORCED WORK STOPPAGE have no type of ours")


def shared_dir() -> Path:
    return Path(os.environ.get("EVENTTAGGER_SHARED", ROOT.parent / "shared")) / "datasets" / "muc4"


# ---------------------------------------------------------------- GRIT's metric (eval.py, followed line by line)

def normalize_string(s: str) -> str:
    """GRIT's normalize_string: lower case, punctuation removed, then the articles a/an/the, then extra spaces."""
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


# a noun phrase's head: its last word before a post-modifier (of-phrase, other prepositional phrase, relative clause)
_POST = {"of", "in", "at", "from", "on", "with", "who", "whom", "which", "that", "for", "near", "by", "to", "whose",
         "and", "or"}


def head_noun(s: str) -> str:
    """The head noun of a normalised-or-not noun phrase: "the mayor of pine hill" -> "mayor", "nnlf" -> "nnlf"."""
    words = normalize_string(s).split()
    for i, w in enumerate(words):
        if w in _POST and i > 0:
            words = words[:i]
            break
    return words[-1] if words else ""


def phi_strict(gold: Sequence[str], pred: Sequence[str]) -> int:
    """GRIT's phi_strict: 1 when every predicted mention is one of the gold entity's mentions."""
    return int(all(m in gold for m in pred))


def phi_head(gold: Sequence[str], pred: Sequence[str]) -> int:
    heads = {head_noun(m) for m in gold}
    return int(all(head_noun(m) in heads for m in pred))


def _max_matching(scores: list[list[int]]) -> int:
    """Size of a maximum one-to-one matching in a 0/1 matrix: what linear_sum_assignment(-scores) sums to when
    phi is 0 or 1 (both phis here are), without needing scipy."""
    n_cols = len(scores[0]) if scores else 0
    owner = [-1] * n_cols

    def augment(i: int, seen: list[bool]) -> bool:
        for j in range(n_cols):
            if scores[i][j] and not seen[j]:
                seen[j] = True
                if owner[j] < 0 or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return sum(augment(i, [False] * n_cols) for i in range(len(scores)))


def ceaf(pred: list[list[str]], gold: list[list[str]], phi) -> tuple[int, int, int, int]:
    """(p_num, p_den, r_num, r_den) of one document and role, as GRIT's ceaf."""
    similarity = _max_matching([[phi(g, p) for p in pred] for g in gold]) if gold and pred else 0
    return similarity, len(pred), similarity, len(gold)


def _f1(p_num: float, p_den: float, r_num: float, r_den: float) -> dict:
    p = p_num / p_den if p_den else 0.0
    r = r_num / r_den if r_den else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "predicted": p_den, "gold": r_den, "matched_p": p_num, "matched_r": r_num}


def score_role_fillers(preds: dict[str, dict[str, list[list[str]]]], golds: dict[str, dict[str, list[list[str]]]],
                       phi=phi_strict) -> dict:
    """GRIT's eval_ceaf_base over the gold documents: {role: {p, r, f1, ...}, "micro_avg": {...}}."""
    sums = {role: [0, 0, 0, 0] for role in ROLES}
    for docid, gold in golds.items():
        pred = preds.get(docid, {})
        for role in ROLES:
            g = [[normalize_string(m) for m in e] for e in gold.get(role, []) if e]
            p = [[normalize_string(m) for m in e] for e in pred.get(role, [])]
            for k, v in enumerate(ceaf(p, g, phi)):
                sums[role][k] += v
    out = {role: _f1(*sums[role]) for role in ROLES}
    out["micro_avg"] = _f1(*(sum(sums[r][k] for r in ROLES) for k in range(4)))
    return out


def read_grit(path: Path) -> list[dict]:
    """dev.json / train.json: [{"docid", "doctext", "gold": {role: [[mention, ...], ...]}}]."""
    docs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                gold = {role: [[m[0] for m in ent] for ent in d["extracts"].get(role, []) if ent] for role in ROLES}
                docs.append({"docid": d["docid"], "doctext": d["doctext"], "gold": gold})
    return docs


# ---------------------------------------------------------------- the original texts and answer keys

_ID_LINE = re.compile(r"^(?:DEV|TST\d)-MUC\d-\d{4}$")
_MONTHS = {m: i + 1 for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
_DATE = re.compile(r"\b(\d{1,2})\s+(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*\s+(\d{2}|\d{4})\b")


def muc_date(day: str, month: str, year: str) -> dt.date | None:
    y = int(year)
    y = y + 1900 if y >= 50 and y < 100 else y + 2000 if y < 50 else y  # 89 -> 1989; 00 -> 2000 (a typo in keys)
    try:
        return dt.date(y, _MONTHS[month[:3].upper()], int(day))
    except ValueError:
        return None


def split_texts(raw: str) -> dict[str, str]:
    """An original MUC text file: {message id: its text}, each document headed by its id alone on a line."""
    out: dict[str, list[str]] = {}
    current = None
    for line in raw.splitlines():
        if _ID_LINE.match(line.strip()):
            current = line.strip()
            out[current] = []
        elif current is not None:
            out[current].append(line)
    return {k: "\n".join(v).strip() for k, v in out.items()}


def dateline(text: str) -> dt.date | None:
    """The date of a MUC dateline: "PORT LUCIA, 4 FEB 90 (RADIO NORTE) -- [TEXT] ..." -> 1990-02-04."""
    head = text.split("--", 1)[0][:200]
    m = _DATE.search(head.upper())
    return muc_date(*m.groups()) if m else None


_SLOT = re.compile(r"^\s*(\d{1,2})\.\s+([A-Z][A-Z :]*?[A-Z])(?:\s{2,}(.*?))?\s*$")


def parse_keys(raw: str) -> list[dict]:
    """An answer-key file: one dict per template, {"id", "template", "slots": {number: [value line, ...]}}.
    Lines starting ';' are comments; a line with no slot number continues the slot before it."""
    templates: list[dict] = []
    slot = None
    for line in raw.splitlines():
        if not line.strip() or line.lstrip().startswith(";"):
            continue
        m = _SLOT.match(line)
        if m:
            number, value = int(m.group(1)), (m.group(3) or "").strip()
            if number == 0:
                templates.append({"id": value, "template": None, "slots": {}})
            if not templates:
                continue
            slot = number
            templates[-1]["slots"][slot] = [value] if value else []
            if number == 1:
                templates[-1]["template"] = value
        elif templates and slot is not None:
            templates[-1]["slots"][slot].append(line.strip())
    return templates


def _values(slot: list[str]) -> list[str]:
    return [v for v in slot if v not in ("", "-", "*")]


def key_type(t: dict) -> list[str]:
    """INCIDENT: TYPE as alternatives ("BOMBING / ATTACK" -> both); [] when `*` (no relevant incident)."""
    value = " ".join(t["slots"].get(4, [])).strip()
    if value in ("", "*", "-"):
        return []
    return [v.strip().lstrip("?").strip() for v in value.split("/") if v.strip()]


def key_dates(t: dict) -> list[tuple[str, dt.date | None, dt.date | None]]:
    """INCIDENT: DATE as alternatives of (kind, low, high): ("day", d, d), ("range", d1, d2), ("before", None, d).
    `(08 MAR 90) / (07 MAR 90 - 08 MAR 90)` gives two; `*` or `-` none."""
    value = " ".join(t["slots"].get(2, [])).strip()
    out = []
    for alt in value.split("/"):
        alt = alt.strip().strip("()").strip()
        dates = [muc_date(*m.groups()) for m in _DATE.finditer(alt)]
        if not dates or None in dates:
            continue
        if alt.startswith("-"):
            out.append(("before", None, dates[0]))
        elif len(dates) >= 2:
            out.append(("range", dates[0], dates[1]))
        else:
            out.append(("day", dates[0], dates[0]))
    return out


def key_effect(t: dict) -> set[str] | None:
    """HUM TGT: EFFECT OF INCIDENT as the outcomes accepted for the incident: {"death"}, {"injury"},
    {"no injury"} (NO INJURY, NO INJURY OR DEATH), {"injury", "no injury"} (NO DEATH only); None when not given."""
    effects = [v.split(":")[0].strip().lstrip("?").strip() for v in _values(t["slots"].get(23, []))]
    words = {w.strip() for e in effects for w in e.split("/")}
    if not words:
        return None
    if "DEATH" in words:
        return {"death"}
    if "INJURY" in words:
        return {"injury"}
    if words & {"NO INJURY", "NO INJURY OR DEATH"}:
        return {"no injury"}
    if "NO DEATH" in words:
        return {"injury", "no injury"}
    return None


def key_country(t: dict) -> str | None:
    value = " ".join(t["slots"].get(3, [])).strip()
    if value in ("", "*", "-"):
        return None
    return value.split("/")[0].split(":")[0].strip().strip("()").strip() or None


def key_fillers(t: dict) -> list[str]:
    """The quoted strings of the perpetrator, target, victim and instrument slots (for pairing with incidents)."""
    quoted = re.compile(r'"((?:[^"\\]|\\.)*)"')
    return [q for n in (6, 9, 10, 12, 18, 19) for v in t["slots"].get(n, []) for q in quoted.findall(v)]


DEV_ORIGINALS = (("tst1", "tst1-muc3.gz", "key-tst1.v7.gz"), ("tst2", "tst2-muc4.gz", "key-tst2.v4.gz"))


def read_originals(data: Path) -> tuple[dict[str, str], dict[str, list[dict]]]:
    """The original texts and key templates of dev.json's documents: ({id: text}, {id: [template, ...]})."""
    texts: dict[str, str] = {}
    keys: dict[str, list[dict]] = defaultdict(list)
    for split, text_file, key_file in DEV_ORIGINALS:
        with gzip.open(data / "original_muc34" / split / text_file, "rt", encoding="latin-1") as f:
            texts.update(split_texts(f.read()))
        with gzip.open(data / "original_muc34" / split / key_file, "rt", encoding="latin-1") as f:
            for t in parse_keys(f.read()):
                keys[t["id"]].append(t)
    return texts, dict(keys)


# ---------------------------------------------------------------- our records, mapped

def entity_label(doc, start: int, end: int) -> str | None:
    best = None
    for e in doc.entities:
        if e.start == start and e.end == end:
            return e.label
        if best is None and e.start < end and start < e.end:
            best = e.label
    return best


def muc_role(mapping: dict, field: str, label: str | None, event_type: str | None = None) -> str | None:
    label = label or "-"
    for key in ((event_type, field, label), (event_type, field, "*"), (field, label), (field, "*")):
        if key in mapping:
            return mapping[key]
    return None


def counted(incidents) -> list:
    return [r for r in incidents if r.counted and r.event_type in MUC_EVENT_TYPES]


def document_fillers(doc, incidents, mapping: dict) -> dict[str, list[list[str]]]:
    """GRIT's pred_extracts for one document: {role: [[mention], ...]}, each string once after normalisation."""
    out: dict[str, list[list[str]]] = {role: [] for role in ROLES}
    seen: dict[str, set[str]] = {role: set() for role in ROLES}
    for r in counted(incidents):
        for field in FIELDS:
            for span in getattr(r.actors, field):
                role = muc_role(mapping, field, entity_label(doc, span.start, span.end), r.event_type)
                key = normalize_string(span.text)
                if role and key and key not in seen[role]:
                    seen[role].add(key)
                    out[role].append([span.text])
    return out


def incident_type(r) -> str:
    if r.event_type == "Life:Die":
        return "ATTACK"
    triggers = " ".join(m.trigger.text for m in r.mentions if m.event_type == "Conflict:Attack")
    if _BOMB.search(triggers) or any(_BOMB.search(s.text) for s in r.actors.instruments):
        return "BOMBING"
    if _ARSON.search(triggers):
        return "ARSON"
    return "ATTACK"


def incident_effect(r) -> str | None:
    if (r.killed and r.killed.low > 0) or r.event_type == "Life:Die" or any(
            m.event_type == "Life:Die" and m.modality == "asserted" for m in r.mentions):
        return "death"
    if r.injured and r.injured.low > 0:
        return "injury"
    if (r.killed and r.killed.low == 0) or (r.injured and r.injured.low == 0):
        return "no injury"
    return None


def date_correct(value: str | None, precision: str | None, alternatives) -> bool:
    if not value or precision != "day":
        return False
    d = dt.date.fromisoformat(value)
    return any((lo is None or lo <= d) and d <= hi for _, lo, hi in alternatives)


def pair(templates: list[dict], incidents: list) -> list[tuple[dict, object | None]]:
    """Each relevant template with one of the document's counted incidents: most shared filler head nouns first,
    ties in text order; one-to-one, so extra templates get None."""
    def heads_of(r):
        return {head_noun(s.text) for f in FIELDS for s in getattr(r.actors, f)}
    shared = [[len({head_noun(s) for s in key_fillers(t)} & heads_of(r)) for r in incidents] for t in templates]
    order = sorted((-shared[i][j], i, j) for i in range(len(templates)) for j in range(len(incidents)))
    taken_t, taken_r, chosen = set(), set(), {}
    for _, i, j in order:
        if i not in taken_t and j not in taken_r:
            taken_t.add(i)
            taken_r.add(j)
            chosen[i] = incidents[j]
    return [(t, chosen.get(i)) for i, t in enumerate(templates)]


def _norm_country(s: str | None) -> str:
    return re.sub(r"[^a-z]", "", (s or "").lower())


def score_templates(keys: dict[str, list[dict]], incidents: dict[str, list]) -> dict:
    c = Counter()
    for docid, templates in keys.items():
        relevant = [t for t in templates if key_type(t)]
        ours = counted(incidents.get(docid, []))
        c["docs"] += 1
        c["docs_relevant"] += bool(relevant)
        c["docs_predicted_relevant"] += bool(ours)
        c["docs_relevant_both"] += bool(relevant) and bool(ours)
        c["docs_relevance_correct"] += bool(relevant) == bool(ours)
        c["templates"] += len(relevant)
        c["incidents"] += len(ours)
        for t, r in pair(relevant, ours):
            types = key_type(t)
            c["type_n"] += 1
            c["paired"] += r is not None
            c["type_correct"] += r is not None and incident_type(r) in types
            c["type_attack_family_n"] += bool(set(types) & {"ATTACK", "BOMBING", "ARSON"})
            c["type_attack_family_correct"] += r is not None and bool(set(types) & {"ATTACK", "BOMBING", "ARSON"})
            c[f"key_type:{types[0]}"] += 1
            c[f"key_type_correct:{types[0]}"] += r is not None and incident_type(r) in types
            effect = key_effect(t)
            if effect is not None:
                c["effect_n"] += 1
                c["effect_correct"] += r is not None and incident_effect(r) in effect
                c["effect_predicted_unknown"] += r is None or incident_effect(r) is None
            dates = key_dates(t)
            definite = [d for d in dates if d[0] != "before"]
            if definite:
                c["date_n"] += 1
                c["date_correct"] += r is not None and date_correct(r.date.value, r.date.precision, definite)
                c["date_predicted_none"] += r is None or r.date.value is None
                c["date_predicted_not_day"] += r is not None and r.date.value is not None and r.date.precision != "day"
            elif dates:
                c["date_before_n"] += 1
                c["date_before_correct"] += r is not None and date_correct(r.date.value, r.date.precision, dates)
            country = key_country(t)
            if country:
                c["country_n"] += 1
                c["country_correct"] += r is not None and _norm_country(r.location.country) == _norm_country(country)

    def acc(k: str) -> dict:
        n = c[f"{k}_n"]
        return {"correct": c[f"{k}_correct"], "of": n, "accuracy": round(c[f"{k}_correct"] / n, 4) if n else None}
    per_type = {k.split(":", 1)[1]: {"correct": c[f"key_type_correct:{k.split(':', 1)[1]}"], "of": v}
                for k, v in sorted(c.items()) if k.startswith("key_type:")}
    p = c["docs_relevant_both"] / c["docs_predicted_relevant"] if c["docs_predicted_relevant"] else 0.0
    rr = c["docs_relevant_both"] / c["docs_relevant"] if c["docs_relevant"] else 0.0
    return {
        "documents": c["docs"], "documents_with_relevant_template": c["docs_relevant"],
        "relevant_templates": c["templates"], "counted_incidents": c["incidents"],
        "templates_paired_with_an_incident": c["paired"],
        "document_relevance": {"accuracy": round(c["docs_relevance_correct"] / c["docs"], 4) if c["docs"] else None,
                               "p": round(p, 4), "r": round(rr, 4),
                               "f1": round(2 * p * rr / (p + rr), 4) if p + rr else 0.0},
        "incident_type": {**acc("type"), "per_key_type": per_type},
        "incident_type_attack_family": acc("type_attack_family"),
        "effect_on_human_target": {**acc("effect"), "predicted_unknown": c["effect_predicted_unknown"]},
        "date": {**acc("date"), "predicted_none": c["date_predicted_none"],
                 "predicted_month_or_year_only": c["date_predicted_not_day"]},
        "date_key_on_or_before": acc("date_before"),
        "location_country": acc("country"),
    }


# ---------------------------------------------------------------- a mapping counted on MUC-4 train

def learn_mapping(tagged: Iterable[tuple[object, list, dict]], min_precision: float = 0.1) -> tuple[dict, dict]:
    """For each (event type, record field, entity label), count how often its strings match (head noun) a gold
    entity of each MUC-4 role in the same document; map it to the role matched most, when that role's share of
    all its strings is at least `min_precision`. Returns (mapping, counts)."""
    counts: dict[tuple, Counter] = defaultdict(Counter)
    for doc, incidents, gold in tagged:
        heads = {role: {head_noun(m) for e in gold.get(role, []) for m in e} for role in ROLES}
        for r in counted(incidents):
            for field in FIELDS:
                for span in getattr(r.actors, field):
                    key = (r.event_type, field, entity_label(doc, span.start, span.end) or "-")
                    counts[key]["strings"] += 1
                    h = head_noun(span.text)
                    for role in ROLES:
                        counts[key][role] += h in heads[role]
    mapping = {}
    for key, c in counts.items():
        role, hits = max(((role, c[role]) for role in ROLES), key=lambda rh: rh[1])
        if hits and hits / c["strings"] >= min_precision:
            mapping[key] = role
    return mapping, counts


# ---------------------------------------------------------------- main

def title_case(text: str) -> str:
    """Each word capitalised, offsets kept (a word whose capital would change its length stays as it is):
    records/gazetteer.py looks up only names with a capital letter and records/dates.py matches month and
    weekday names capitalised, so on GRIT's lower-cased texts neither finds anything."""
    def cap(m: re.Match[str]) -> str:
        word = m.group()
        return word.capitalize() if len(word.capitalize()) == len(word) else word
    return re.sub(r"[^\W\d_]+", cap, text)


def title_cased(doc):
    """A tagged document with its text, and the text of every span in it, title-cased (offsets unchanged)."""
    from dataclasses import replace
    text = title_case(doc.text)
    def sub(x):
        return replace(x, text=text[x.start:x.end])
    return replace(doc, text=text, entities=tuple(sub(e) for e in doc.entities),
                   events=tuple(replace(ev, trigger=sub(ev.trigger), arguments=tuple(sub(a) for a in ev.arguments))
                                for ev in doc.events))


def tag(tagger, docs: list[dict], published: dict[str, dt.date | None], batch: int = 16):
    from eventtagger.inference.records import document_incidents
    out = []
    for i in range(0, len(docs), batch):
        chunk = docs[i:i + batch]
        for d, tagged in zip(chunk, tagger.extract([d["doctext"] for d in chunk], [d["docid"] for d in chunk])):
            out.append((tagged, document_incidents(tagged, published.get(d["docid"]))))
    return out


# run once by hand (GRIT's files are not in ../shared, so not by this command)
SCORER_CHECK = ("score_role_fillers on GRIT's own predictions (model_grit/preds_s_t.out) against its "
                "data/muc/processed/test.json (TST3+TST4) gives micro P/R/F1 64.19/47.36/54.50 and the same "
                "per-role figures as GRIT's eval.py (strict) on those files: the scorer is GRIT's")


def _shown(argv: list[str]) -> list[str]:
    """The command line as recorded: the model folder's path replaced by its name (no local paths in docs)."""
    out, hide = [], False
    for a in argv:
        if hide:
            out.append(f"models/{Path(a).name}")
            hide = False
        elif a.startswith("--model="):
            out.append(f"--model=models/{Path(a.split('=', 1)[1]).name}")
        else:
            out.append(a)
            hide = a == "--model"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", default=None, help="the muc4 folder (default ../shared/datasets/muc4)")
    parser.add_argument("--learn-mapping", action="store_true", help="also count a mapping on MUC-4 train")
    parser.add_argument("--json-out", default=None)
    args = parser.parse_args(argv)
    data = Path(args.data) if args.data else shared_dir()
    if not (data / "dev.json").exists():
        print(f"no MUC-4 data at {data} (set EVENTTAGGER_SHARED or --data)", file=sys.stderr)
        return 2

    from eventtagger.inference import EventTagger
    from eventtagger.inference.records import document_incidents

    started = time.time()
    dev = read_grit(data / "dev.json")
    texts, keys = read_originals(data)
    ids = [d["docid"] for d in dev]
    missing_text = [i for i in ids if i not in texts]
    missing_key = [i for i in ids if i not in keys]
    published = {i: dateline(texts[i]) if i in texts else None for i in ids}

    tagger = EventTagger.load(args.model)
    tagged = tag(tagger, dev, published)
    golds = {d["docid"]: d["gold"] for d in dev}
    preds = {doc.id: document_fillers(doc, inc, HAND_MAPPING) for doc, inc in tagged}
    incidents = {doc.id: inc for doc, inc in tagged}
    # the same tagged documents, title-cased before the records are built (see title_case)
    cased_docs = [(title_cased(doc), doc) for doc, _ in tagged]
    cased = {doc.id: document_incidents(c, published.get(doc.id)) for c, doc in cased_docs}
    cased_preds = {doc.id: document_fillers(doc, cased[doc.id], HAND_MAPPING) for _, doc in cased_docs}
    dev_keys = {i: keys[i] for i in ids if i in keys}
    result = {
        "command": "python bench/muc4_records.py " + " ".join(_shown(argv if argv is not None else sys.argv[1:])),
        "date": dt.date.today().isoformat(),
        "model": {"name": tagger.card.name, "version": tagger.card.version, "path_given": Path(args.model).name},
        "data": {"folder": "../shared/datasets/muc4", "role_fillers": "dev.json",
                 "keys": ["original_muc34/tst1/key-tst1.v7.gz", "original_muc34/tst2/key-tst2.v4.gz"],
                 "texts_for_datelines": ["original_muc34/tst1/tst1-muc3.gz", "original_muc34/tst2/tst2-muc4.gz"],
                 "documents": len(dev), "without_original_text": len(missing_text),
                 "without_key": len(missing_key),
                 "with_dateline": sum(v is not None for v in published.values())},
        "alignment": "dev.json docid == key slot '0. MESSAGE: ID' == the id line heading each document of the "
                     "original text files (TST1-MUC3-0001..0100, TST2-MUC4-0001..0100)",
        "input": "dev.json doctext (lower-cased by GRIT; the model's tokenizer lower-cases anyway: uncased "
                 "MiniLM backbone), publication date = the dateline of the original text",
        "mapping": {"roles": {f"{f}/{lab}": role for (f, lab), role in HAND_MAPPING.items()},
                    "pooled_event_types": list(MUC_EVENT_TYPES), "incident_type": TYPE_MAPPING_DOC},
        "role_fillers": {"grit_exact": score_role_fillers(preds, golds, phi_strict),
                         "head_noun": score_role_fillers(preds, golds, phi_head)},
        "scorer_check": SCORER_CHECK,
        "templates": score_templates(dev_keys, incidents),
        "templates_title_cased": score_templates(dev_keys, cased),
        "role_fillers_title_cased": {"grit_exact": score_role_fillers(cased_preds, golds, phi_strict),
                                     "head_noun": score_role_fillers(cased_preds, golds, phi_head)},
        "predicted_fillers_by_role": {role: sum(len(p[role]) for p in preds.values()) for role in ROLES},
    }
    if args.learn_mapping:
        train = read_grit(data / "train.json")
        train_tagged = tag(tagger, train, {})  # no datelines needed: dates play no part in the mapping
        train_gold = {d["docid"]: d["gold"] for d in train}
        mapping, counts = learn_mapping((doc, inc, train_gold[doc.id]) for doc, inc in train_tagged)
        learned = {doc.id: document_fillers(doc, inc, mapping) for doc, inc in tagged}
        result["learned_mapping"] = {
            "counted_on": "train.json (1,300 documents), head-noun matches of our strings with each role's gold "
                          "entities in the same document; a key is mapped to its most matched role when that role "
                          "matches at least 10% of its strings, else dropped",
            "mapping": {"/".join(k): v for k, v in sorted(mapping.items())},
            "counts": {"/".join(k): dict(v) for k, v in sorted(counts.items(), key=lambda kv: -kv[1]["strings"])},
            "role_fillers": {"grit_exact": score_role_fillers(learned, golds, phi_strict),
                             "head_noun": score_role_fillers(learned, golds, phi_head)},
        }
    result["seconds"] = round(time.time() - started, 1)
    result["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count()}
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
