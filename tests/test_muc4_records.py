"""bench/muc4_records.py: GRIT's role-filler metric, the head-noun variant, and the MUC-4 key and text parsers,
on small strings we made up in the files' layout (no record of the data set is copied here); one test reads the real files when ../shared/datasets/muc4 is there."""
from __future__ import annotations

import datetime as dt
import itertools
import random

import muc4_records as m
import pytest

from .conftest import needs_datasets

KEY = """;;; a comment line
0.  MESSAGE: ID                     TST9-MUC9-0001
1.  MESSAGE: TEMPLATE               1
2.  INCIDENT: DATE                  (08 MAR 90) / (07 MAR 90 - 08 MAR 90)
3.  INCIDENT: LOCATION              NORVALIA: PINE HILL (FARM)
4.  INCIDENT: TYPE                  BOMBING / ATTACK
9.  PERP: INDIVIDUAL ID             "REBEL COLUMN" / "REBELS"
19. HUM TGT: DESCRIPTION            "MAYOR": "ALDANA"
                                    "FARMER"
23. HUM TGT: EFFECT OF INCIDENT     NO INJURY: "ALDANA"
                                    DEATH: "FARMER"

0.  MESSAGE: ID                     TST9-MUC9-0002
1.  MESSAGE: TEMPLATE               0
2.  INCIDENT: DATE                  - 20 NOV 89
4.  INCIDENT: TYPE                  *
23. HUM TGT: EFFECT OF INCIDENT     -
"""


def test_normalize_string_is_grits():
    assert m.normalize_string('The  "Pine Hill" farm, ') == "pine hill farm"
    assert m.normalize_string("an XLF unit") == "xlf unit"
    assert m.normalize_string("theater") == "theater"  # articles as whole words only


def test_head_noun():
    assert m.head_noun("the mayor of Pine Hill") == "mayor"
    assert m.head_noun("urban commandos who attacked the base") == "commandos"
    assert m.head_noun("Norvalian National Liberation Front") == "front"
    assert m.head_noun("NNLF") == "nnlf"
    assert m.head_noun("the") == ""


def test_phi_strict_and_head():
    gold = [m.normalize_string(s) for s in ("rebel column", "rebels")]
    assert m.phi_strict(gold, ["rebels"]) == 1
    assert m.phi_strict(gold, ["rebels", "bandits"]) == 0  # every predicted mention must be the entity's
    assert m.phi_strict(gold, ["column"]) == 0
    assert m.phi_head(gold, ["an armed column"]) == 1  # head "column" = head of "rebel column"


def test_score_role_fillers_one_to_one():
    gold = {"d1": {"PerpInd": [["rebel column", "rebels"]], "Target": [["the farm"], ["power pylons"]],
                   "Weapon": []}}
    pred = {"d1": {"PerpInd": [["Rebels"], ["rebel column"]], "Target": [["farm"]], "Victim": [["aldana"]]}}
    r = m.score_role_fillers(pred, gold)
    assert (r["PerpInd"]["matched_p"], r["PerpInd"]["predicted"], r["PerpInd"]["gold"]) == (1, 2, 1)  # one-to-one
    assert (r["Target"]["p"], r["Target"]["r"]) == (1.0, 0.5)
    assert (r["Victim"]["p"], r["Victim"]["predicted"], r["Victim"]["gold"]) == (0.0, 1, 0)
    micro = r["micro_avg"]
    assert (micro["matched_p"], micro["predicted"], micro["gold"]) == (2, 4, 3)
    assert micro["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3), abs=1e-4)


def test_max_matching_is_the_assignment_optimum():
    rng = random.Random(0)
    for _ in range(200):
        rows, cols = rng.randint(1, 5), rng.randint(1, 5)
        s = [[rng.random() < 0.4 for _ in range(cols)] for _ in range(rows)]
        best = max(sum(s[i][j] for i, j in zip(perm_rows, perm_cols) if j is not None)
                   for perm_rows in [range(rows)]
                   for perm_cols in itertools.permutations(list(range(cols)) + [None] * rows, rows))
        assert m._max_matching(s) == best


def test_parse_keys():
    t1, t2 = m.parse_keys(KEY)
    assert (t1["id"], t1["template"], t2["id"]) == ("TST9-MUC9-0001", "1", "TST9-MUC9-0002")
    assert m.key_type(t1) == ["BOMBING", "ATTACK"] and m.key_type(t2) == []
    assert m.key_dates(t1) == [("day", dt.date(1990, 3, 8), dt.date(1990, 3, 8)),
                               ("range", dt.date(1990, 3, 7), dt.date(1990, 3, 8))]
    assert m.key_dates(t2) == [("before", None, dt.date(1989, 11, 20))]
    assert t1["slots"][19] == ['"MAYOR": "ALDANA"', '"FARMER"']  # a continuation line
    assert m.key_effect(t1) == {"death"} and m.key_effect(t2) is None
    assert m.key_country(t1) == "NORVALIA"
    assert m.key_fillers(t1) == ["REBEL COLUMN", "REBELS", "MAYOR", "ALDANA", "FARMER"]


def test_date_correct():
    day = [("day", dt.date(1990, 3, 8), dt.date(1990, 3, 8))]
    assert m.date_correct("1990-03-08", "day", day)
    assert not m.date_correct("1990-03", "month", day)
    assert not m.date_correct(None, None, day)
    assert m.date_correct("1989-11-02", "day", [("before", None, dt.date(1989, 11, 20))])


def test_texts_and_datelines():
    raw = ("TST9-MUC9-0001\n\n   PORT LUCIA, 4 FEB 90 (RADIO NORTE) -- [TEXT] THE POLICE SAID TODAY ...\n"
           "TST9-MUC9-0002\n\n   UNKNOWN PLACE, NO DATE (RADIO SUR) -- [TEXT] ON 3 FEB 90 ...\n")
    texts = m.split_texts(raw)
    assert list(texts) == ["TST9-MUC9-0001", "TST9-MUC9-0002"]
    assert m.dateline(texts["TST9-MUC9-0001"]) == dt.date(1990, 2, 4)
    assert m.dateline(texts["TST9-MUC9-0002"]) is None  # a date in the body is no dateline


def test_title_case_keeps_offsets():
    text = "rebels attacked the farm in el salvador on 3 february."
    cased = m.title_case(text)
    assert len(cased) == len(text) and cased.lower() == text
    assert "El Salvador" in cased and "February" in cased


@pytest.mark.datasets
def test_real_files_align():
    folder = needs_datasets("muc4")
    dev = m.read_grit(folder / "dev.json")
    assert len(dev) == 200
    # the README's counts of dev's role-filler entities
    assert [sum(len(d["gold"][r]) for d in dev) for r in m.ROLES] == [148, 82, 109, 85, 51]
    texts, keys = m.read_originals(folder)
    ids = [d["docid"] for d in dev]
    assert set(ids) == set(texts) == set(keys)
    assert all(len(t["slots"]) == 25 for ts in keys.values() for t in ts)
    assert sum(m.dateline(texts[i]) is not None for i in ids) >= 180  # the rest say "NO DATE"
    # dev.json's text is the original's body, lower-cased: its first words follow the dateline
    first = dev[0]["doctext"].split()[:4]
    assert " ".join(first).upper() in " ".join(texts[ids[0]].split())
