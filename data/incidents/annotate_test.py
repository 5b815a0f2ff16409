"""The gold incidents of data/test.jsonl, as written by hand (data/incidents/README.md), and the writer of
data/incidents/test.jsonl. Each incident names the gold events it is made of (their triggers are its mentions
and their role fillers its actors, pronouns left out) and quotes the text for place, casualties and date;
offsets are found here and checked, so every one in test.jsonl is valid.

    .venv/bin/python data/incidents/annotate_test.py          # writes data/incidents/test.jsonl, checks offsets
"""
from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent / "test.jsonl"
ROLE_FIELDS = {"Attacker": "attackers", "Agent": "attackers", "Target": "targets", "Person": "targets",
               "Victim": "victims", "Instrument": "instruments"}
LISTS = ("attackers", "targets", "victims", "instruments", "claimed_by")
PRONOUNS = {"he", "she", "it", "they", "them", "him", "her", "his", "their", "its", "we", "us"}
ATT, DIE, ARR, DEM = "Conflict:Attack", "Life:Die", "Justice:Arrest-Jail", "Conflict:Demonstrate"
A, N, H, P, G = "asserted", "negated", "hypothetical", "planned", "generic"


def inc(type_, events, modality=A, place=None, country=None, region=None, killed=None, injured=None, date=None,
      claimed=(), drop=(), add=None, triggers=(), country_ev=None, region_ev=None):
    """One incident. `place`, `killed`, `injured`, `country_ev`, `region_ev`: a quote or (quote, occurrence)
    or (value, quote) for counts; `date`: (value, quote); `triggers`: extra trigger quotes."""
    return dict(type=type_, events=events, modality=modality, place=place, country=country, region=region,
                killed=killed, injured=injured, date=date, claimed=claimed, drop=drop, add=add or {},
                triggers=triggers, country_ev=country_ev, region_ev=region_ev)


GOLD = {
    "et-a-001": [
        inc(ATT, ["E1", "E3"], place="Haditha", country="IQ", region="IQ-AN", killed=(0, "No one was killed"),
          claimed=["Euphrates Guardians"]),
        inc(ATT, ["E4"], H, country="IQ"),
    ],
    "et-a-007": [
        inc(ATT, ["E1", "E3", "E4", "E5"], place="Burqat al-Hawa", country="PS", region="PS-NBS",
          killed=(1, "shot and killed a gunman"), country_ev="West Bank", region_ev="Nablus"),
        inc(ARR, ["E2"], place="Burqat al-Hawa", country="PS", region="PS-NBS", country_ev="West Bank",
          region_ev="Nablus"),
    ],
    "et-a-009": [
        inc(DEM, ["E1", "E2", "E5"], place="Isfahan", country="IR", region="IR-10"),
        inc(ARR, ["E3"], place="Isfahan", country="IR", region="IR-10"),
    ],
    "et-a-018": [],
    "et-a-025": [
        inc(DEM, ["E1", "E2"], place="Tel Aviv", country="IL", region="IL-TA"),
        inc(ARR, ["E3"], place="Tel Aviv", country="IL", region="IL-TA"),
        inc(DEM, ["E5"], place="Jerusalem", country="IL", region="IL-JM"),
    ],
    "et-a-027": [
        inc(ATT, ["E1", "E2"], country="JO", killed=(4, "killed four smugglers"), country_ev="kingdom"),
        inc(ARR, ["E4"], place="Tabuk", country="SA", region="SA-07", country_ev="Saudi"),
    ],
    "et-a-031": [
        inc(ATT, ["E1", "E2", "E3"], place="Umm Safra", country="PS", region="PS-RBH",
          killed=(1, "was shot dead"), country_ev="Palestinian", region_ev="Ramallah"),
        inc(ARR, ["E4"]),
        inc(ATT, ["E6"], H),
    ],
    "et-a-047": [
        inc(ARR, ["E1", "E7"], place="Imam Khomeini International Airport", country="IR", region="IR-23",
          country_ev="Iranian"),
        inc(ARR, ["E8"], G, place="Evin prison", country="IR", region="IR-23", country_ev=("Iran", 2)),
    ],
    "et-a-055": [],
    "et-a-058": [
        inc(DEM, ["E1", "E3"], place="Amman", country="JO", region="JO-AM"),
        inc(ATT, ["E2"], G, place="Gaza", country="PS", region="PS-GZA"),
        inc(ARR, ["E4"], place="Amman", country="JO", region="JO-AM"),
    ],
    "et-b-014": [
        inc(ATT, ["E1", "E2", "E5"], place="Jilib", country="SO", region="SO-JD",
          killed=(4, "killed a senior commander of the Jubba Valley Front and three of his bodyguards"),
          country_ev="Somali"),
        inc(ATT, ["E3", "E4"], place="Kismayo", country="SO", region="SO-JH", killed=(26, "killed 26 people")),
    ],
    "et-b-031": [],
    "et-b-035": [
        inc(ATT, ["E3", "E4"], place="Juba-Nimule highway", country="SS", killed=(7, "killing seven passengers")),
    ],
    "et-b-037": [
        inc(DEM, ["E1"], place="Kisumu", country="KE", region="KE-17"),
        inc(ATT, ["E2", "E3", "E6"], place="Nyalenda", country="KE", region="KE-17",
          killed=(1, "the death of a 16-year-old boy"), region_ev="Kisumu"),
        inc(ARR, ["E4"], place=("Kisumu", 0), country="KE", region="KE-17"),
    ],
    "et-b-048": [
        inc(DEM, ["E1", "E6"], place="Bamenda", country="CM", region="CM-NW"),
        inc(ARR, ["E2", "E3"], country="CM"),
    ],
    "et-b-056": [
        inc(DIE, ["E1"], place="Kufra", country="LY", region="LY-KF", killed=(27, "The bodies of 27 migrants who died"),
          country_ev="Libyan"),
        inc(ARR, ["E3"], place=("Kufra", 1), country="LY", region="LY-KF", country_ev="Libyan"),
    ],
    "et-b-062": [
        inc(ATT, ["E1", "E2", "E3", "E7"], place="Um Sunta", country="SD", region="SD-GZ",
          killed=((54, None), "at least 54 villagers lost their lives"), region_ev="Gezira state"),
        inc(ATT, ["E4", "E5"], place="Wad Madani", country="SD", region="SD-GZ"),
    ],
    "et-b-066": [],
    "et-c-001": [
        inc(ATT, ["E1", "E2"], place="Izmail", country="UA", region="UA-51", killed=(2, "killing two dock workers"),
          region_ev="Odesa region"),
    ],
    "et-c-004": [
        inc(ATT, ["E1", "E2", "E3", "E5"], place="Zvečan", country="XK", killed=(0, "nobody was killed"),
          country_ev="Kosovo"),
    ],
    "et-c-011": [
        inc(DEM, ["E1", "E2"], place="Paris", country="FR", region="FR-IDF",
          injured=(3, "three gendarmes were treated for minor injuries")),
        inc(ATT, ["E3"], place="Paris", country="FR", region="FR-IDF"),
        inc(ARR, ["E4"], place="Paris", country="FR", region="FR-IDF"),
        inc(DEM, ["E5"], place="Lyon", country="FR", region="FR-ARA"),
        inc(DEM, [], place="Marseille", country="FR", region="FR-PAC", triggers=["rallies"]),
        inc(DEM, [], place="Nantes", country="FR", region="FR-PDL", triggers=["rallies"]),
    ],
    "et-c-018": [],
    "et-c-021": [
        inc(ATT, ["E1", "E2"], place="Nikopol", country="UA", region="UA-12",
          killed=(2, "killing a 67-year-old woman outside her house and a man")),
        inc(ATT, ["E3", "E4"], place=("Kherson", 0), country="UA", region="UA-65",
          killed=(1, "killing the driver"), injured=(6, "wounding six passengers")),
        inc(ATT, ["E5", "E6"], G, country="UA", killed=((150, None), "at least 150 civilians have died")),
    ],
    "et-c-026": [
        inc(ATT, ["E1", "E2", "E3", "E4", "E5"], place="Mitrovica", country="XK",
          killed=(3, "A Kosovo police officer was shot dead and two gunmen were killed"), country_ev="Kosovo"),
    ],
    "et-c-033": [
        inc(ARR, ["E1"], country="GE", country_ev="Georgia"),
    ],
    "et-c-053": [
        inc(ARR, ["E1"], place="Chișinău", country="MD", region="MD-CU", country_ev="Moldova"),
        inc(ARR, ["E1"], place="Bălți", country="MD", region="MD-BA", country_ev="Moldova"),
        inc(ARR, ["E1"], place="Comrat", country="MD", region="MD-GA", country_ev="Moldova"),
    ],
    "et-c-065": [
        inc(ATT, ["E2"], G),
        inc(ARR, ["E3", "E4"], place="Lithuanian capital", country="LT", region="LT-VL", country_ev=("Lithuania", 0)),
        inc(ARR, ["E3"], place=("Warsaw", 0), country="PL", region="PL-14", country_ev=("Poland", 0),
          triggers=[("detained", 0)]),
        inc(ARR, ["E3"], place=("Dresden", 0), country="DE", region="DE-SN", country_ev=("Germany", 0),
          triggers=[("detained", 0)]),
        inc(ATT, ["E5", "E7", "E8", "E24", "E28"], place=("Leipzig", 0), country="DE", region="DE-SN",
          killed=(1, "died of smoke inhalation")),
        inc(ATT, ["E9"], place="Łódź", country="PL", region="PL-10", killed=(0, "Nobody was hurt in either incident"),
          injured=(0, "Nobody was hurt in either incident"), drop=["warehouse"]),
        inc(ATT, ["E9"], place=("Birmingham", 0), country="GB", region="GB-ENG",
          killed=(0, "Nobody was hurt in either incident"), injured=(0, "Nobody was hurt in either incident"),
          drop=["van"], country_ev="British"),
        inc(ARR, ["E10"], N, place=("Birmingham", 1), country="GB", region="GB-ENG", country_ev="British"),
        inc(ARR, ["E17"], G),
        inc(ARR, ["E19"], country="LT", country_ev="Lithuanian border guards"),
        inc(DEM, ["E22"], place=("Leipzig", 2), country="DE", region="DE-SN"),
        inc(ATT, ["E25"], G),
        inc(ATT, ["E26"], place="Wrocław", country="PL", region="PL-02", country_ev="Polish"),
    ],
    "et-d-010": [
        inc(ATT, ["E1", "E2", "E3", "E4"], place="Chandel", country="IN", region="IN-MN",
          killed=(2, "killing two soldiers"), injured=(3, "wounding three others"), region_ev="Manipur"),
    ],
    "et-d-021": [
        inc(DEM, ["E1"], place="Karachi", country="PK", region="PK-SD"),
        inc(ARR, ["E2"], place="Karachi", country="PK", region="PK-SD"),
        inc(DEM, ["E3"], H, place="Karachi", country="PK", region="PK-SD"),
    ],
    "et-d-046": [],
    "et-d-048": [
        inc(DIE, ["E1"], place="Dhaulagiri", country="NP", region="NP-P4", killed=(2, "Two French climbers died"),
          injured=(2, "two of them with severe frostbite")),
    ],
    "et-d-049": [
        inc(ATT, ["E1", "E2", "E4", "E5"], place="Hlaing Tharyar", country="MM", region="MM-06",
          killed=(2, "killing a junta-appointed administrator and his clerk"), claimed=["Dagon Shadow Force"],
          region_ev="Yangon"),
        inc(ARR, ["E3"], place="Hlaing Tharyar", country="MM", region="MM-06", region_ev="Yangon"),
    ],
    "et-d-052": [],
    "et-e-003": [
        inc(ARR, ["E1"], place="Kinmen", country="TW", region="TW-KIN", country_ev="Taiwan"),
    ],
    "et-e-032": [
        inc(DEM, ["E1"], place=("Seoul", 0), country="KR", region="KR-11"),
        inc(DEM, ["E3"], place=("Seoul", 0), country="KR", region="KR-11"),
        inc(ARR, ["E4", "E6"], place=("Gimpo", 1), country="KR", region="KR-41"),
    ],
    "et-e-048": [],
    "et-e-056": [
        inc(ATT, ["E1", "E2"], place="Tanyong Mat", country="TH", region="TH-96",
          killed=(0, "none of the roughly 200 passengers was killed"),
          injured=(11, "Eleven people suffered cuts and bruises"), region_ev=("Narathiwat", 0)),
        inc(ATT, ["E4"], G, country="TH"),
    ],
    "et-e-062": [
        inc(ATT, ["E1"], place=("Marawi", 0), country="PH", region="PH-14", date=("2017", "2017")),
        inc(DEM, ["E2", "E5"], place=("Marawi", 1), country="PH", region="PH-14"),
    ],
    "et-f-014": [
        inc(DEM, ["E1"], place=("Guatemala", 0), country="GT", country_ev=("Guatemala", 0)),
        inc(ARR, ["E2"], place="Cuatro Caminos", country="GT", region="GT-08"),
        inc(ATT, ["E3"], country="GT"),
        inc(DEM, ["E5"], place="Cobán", country="GT", region="GT-16"),
        inc(DEM, ["E6"], place="capital", country="GT", region="GT-01"),
    ],
    "et-f-028": [
        inc(ARR, ["E2"], place="Tumaco", country="CO", region="CO-NAR", country_ev="Colombian"),
    ],
    "et-f-033": [
        inc(DEM, ["E1"], place=("Columbus", 0), country="US", region="US-OH", region_ev="Ohio"),
        inc(ATT, ["E2", "E3", "E6"], place=("Columbus", 0), country="US", region="US-OH",
          killed=(1, "shot and killed a 17-year-old boy"), region_ev="Ohio"),
        inc(ARR, ["E4"], place=("Columbus", 1), country="US", region="US-OH", region_ev="Ohio"),
    ],
    "et-f-037": [
        inc(ARR, ["E1"], G, country="GT", country_ev="Guatemalan"),
        inc(ARR, ["E3"], place="Huehuetenango", country="GT", region="GT-13", country_ev="Guatemalan"),
        inc(ARR, ["E4"], place="Villa Nueva", country="GT", region="GT-01", country_ev="Guatemalan"),
        inc(ATT, ["E5", "E6"], place="Villa Nueva", country="GT", region="GT-01",
          killed=(1, "one officer was killed"), country_ev="Guatemalan"),
    ],
    "et-f-044": [
        inc(ARR, ["E4", "E7"], place="El Paso", country="US", region="US-TX"),
        inc(DEM, ["E6"], place="El Paso", country="US", region="US-TX"),
    ],
    "et-f-045": [
        inc(ATT, ["E2"], G, place="Artibonite valley", country="HT", region="HT-AR", country_ev=("Haiti", 0)),
        inc(ATT, ["E3", "E4", "E5", "E7", "E8", "E9", "E36"], place=("Liancourt", 0), country="HT", region="HT-AR",
          killed=((38, None), "at least 38 people were killed"), country_ev=("Haiti", 0)),
        inc(ATT, ["E11", "E14", "E15", "E16", "E17", "E18"], place=("Liancourt", 1), country="HT", region="HT-AR",
          killed=((14, None), "At least 14 suspected gang members were killed"),
          injured=(2, "two officers were wounded"), country_ev="Haitian"),
        inc(ATT, ["E19"], G, country="HT", region="HT-AR", country_ev=("Haiti", 1)),
        inc(DEM, ["E27"], place=("Saint-Marc", 1), country="HT", region="HT-AR"),
        inc(ARR, ["E29", "E30"], place=("Saint-Marc", 2), country="HT", region="HT-AR"),
        inc(ATT, ["E32"], H, country="HT"),
        inc(ARR, ["E33"], H, country="HT"),
    ],
    "et-f-051": [
        inc(ARR, ["E2", "E4", "E5"], G, place="Táchira", country="VE", region="VE-S", country_ev=("Venezuela", 0)),
    ],
    "et-f-054": [
        inc(ATT, ["E2"], G, country="CO", region="CO-NSA", region_ev="Norte de Santander"),
        inc(ATT, ["E6", "E7"], place="Caño Tigre", country="CO", region="CO-NSA", killed=(2, "two soldiers died")),
    ],
    "et-f-060": [
        inc(ATT, ["E1", "E2"], place="Jackson", country="US", region="US-MS", killed=(1, "A man died"),
          region_ev="Mississippi"),
        inc(ARR, ["E3"], place="Jackson", country="US", region="US-MS", region_ev="Mississippi"),
        inc(DEM, ["E4", "E5"], place="Jackson", country="US", region="US-MS", region_ev="Mississippi"),
        inc(ARR, ["E6"], N, place="Jackson", country="US", region="US-MS", region_ev="Mississippi"),
    ],
    "et-f-067": [
        inc(ATT, ["E3"], G, place="Chiapas", country="MX", region="MX-CHP"),
        inc(ATT, ["E6", "E7"], place="Nuevo Amanecer", country="MX", region="MX-CHP",
          killed=((4, None), "killed at least four men"), region_ev="Chiapas"),
    ],
}


def _find(text: str, quote, near: int = 0) -> dict:
    """The span of `quote` (or (quote, occurrence)); without an occurrence, the one nearest `near`."""
    if isinstance(quote, tuple):
        quote, k = quote
        at = -1
        for _ in range(k + 1):
            at = text.index(quote, at + 1)
    else:
        hits, at = [], text.find(quote)
        while at >= 0:
            hits.append(at)
            at = text.find(quote, at + 1)
        if not hits:
            raise ValueError(f"{quote!r} not in text")
        at = min(hits, key=lambda h: abs(h - near))
    return {"start": at, "end": at + len(quote), "text": quote}


def build(doc: dict) -> dict:
    text, events = doc["text"], {e["id"]: e for e in doc["events"]}
    out = []
    for spec in GOLD[doc["id"]]:
        evs = [events[e] for e in spec["events"]]
        for e in evs:
            kind = {e["type"], spec["type"]}
            assert e["type"] == spec["type"] or (spec["type"] == ATT and e["type"] == DIE), (doc["id"], e["id"], kind)
        triggers = [{"start": e["trigger"]["start"], "end": e["trigger"]["end"], "text": e["trigger"]["text"]}
                    for e in evs]
        near = triggers[0]["start"] if triggers else 0
        triggers += [_find(text, t, near) for t in spec["triggers"]]
        near = triggers[0]["start"]
        ev = {"triggers": triggers}
        rec = {"type": spec["type"], "date": None, "country": spec["country"], "region": spec["region"],
               "place": None}
        if spec["place"]:
            ev["place"] = _find(text, spec["place"], near)
            rec["place"] = ev["place"]["text"]
        if spec["date"]:
            rec["date"], ev["date"] = spec["date"][0], _find(text, spec["date"][1], near)
        for field in ("country", "region"):
            if spec[field + "_ev"]:
                ev[field] = _find(text, spec[field + "_ev"], near)
        actors = {f: [] for f in LISTS}
        claimed = [_find(text, c, near) for c in spec["claimed"]]
        for e in evs:
            for a in e["arguments"]:
                f = ROLE_FIELDS.get(a["role"])
                if (f is None or a["text"].lower() in PRONOUNS or a["text"] in spec["drop"]
                        or any(a["text"] == c["text"] for c in claimed) and f == "attackers"):
                    continue
                if all(a["text"] != s["text"] for s in actors[f]):
                    actors[f].append({"start": a["start"], "end": a["end"], "text": a["text"]})
        actors["claimed_by"] = claimed
        for f, quotes in spec["add"].items():
            actors[f] += [_find(text, q, near) for q in quotes]
        for f in LISTS:
            rec[f] = [s["text"] for s in actors[f]]
            if actors[f]:
                ev[f] = actors[f]
        for field in ("killed", "injured"):
            value = spec[field]
            if value is None:
                rec[field] = None
            else:
                n, quote = value
                rec[field] = list(n) if isinstance(n, tuple) else n
                ev[field] = _find(text, quote, near)
        rec["modality"] = spec["modality"]
        rec["evidence"] = ev
        out.append(rec)
    return {"id": doc["id"], "incidents": out}


def check(doc: dict, gold: dict) -> None:
    """Every span's text is text[start:end]; every quoted field value is its span's text."""
    text = doc["text"]
    for inc in gold["incidents"]:
        for value in inc["evidence"].values():
            for s in value if isinstance(value, list) else [value]:
                assert text[s["start"]:s["end"]] == s["text"], (doc["id"], s)
        for f in LISTS:
            assert [s["text"] for s in inc["evidence"].get(f, [])] == inc[f], (doc["id"], f)
        if inc["place"] is not None:
            assert inc["evidence"]["place"]["text"] == inc["place"]


def main() -> None:
    docs = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert sorted(GOLD) == sorted(d["id"] for d in docs), set(GOLD) ^ {d["id"] for d in docs}
    with open(HERE / "test.jsonl", "w", encoding="utf-8") as f:
        for doc in docs:
            gold = build(doc)
            check(doc, gold)
            f.write(json.dumps(gold, ensure_ascii=False) + "\n")
    n = sum(len(GOLD[d["id"]]) for d in docs)
    print(f"{len(docs)} documents, {n} incidents -> {HERE / 'test.jsonl'}")


if __name__ == "__main__":
    main()
