"""Polarity, modality and genericity of one event mention, from cue words in its clause.

>>> text = "The militia threatened to attack the base."
>>> mention_modality(text, Span(0, len(text), text), Span(26, 32, "attack"), "Conflict:Attack")
('hypothetical', Span(start=12, end=25, text='threatened to'))
"""
from __future__ import annotations

import re

from .schema import ASSERTED, GENERIC, HYPOTHETICAL, NEGATED, PLANNED, Span
from .text import clause_after, clause_before

_FLAGS = re.I
# before the trigger, within its clause; the nearest cue decides
_BEFORE = (
    (NEGATED, re.compile(r"\b(?:not|never|n[’']t|no longer|nobody|no[\s-]one|none|failed to|without|no)\b"
                         r"(?:\s+[\w’'-]+){0,3}?\s*$", _FLAGS)),
    (NEGATED, re.compile(r"\bden(?:y|ies|ied|ying)\s+(?:that\s+)?(?:[\w’'-]+\s+){0,4}?$", _FLAGS)),
    (HYPOTHETICAL, re.compile(r"\b(?:threat(?:en(?:s|ed|ing)?)?|vow(?:s|ed|ing)?|warn(?:s|ed|ing)?|"
                              r"pledg(?:e|es|ed|ing)|promis(?:e|es|ed|ing)|could|would|might|(?-i:may)|if|unless|"
                              r"risk of|fear(?:s|ed)? of|"
                              r"possible|potential|feared)\b(?:\s+[\w’'-]+){0,4}?\s*$", _FLAGS)),
    (PLANNED, re.compile(r"\b(?:plan(?:s|ned|ning)?|plott(?:ed|ing)|plot|intend(?:s|ed)?|prepar(?:e|es|ed|ing)|"
                         r"will|aim(?:s|ed)? to|set to|going to|scheduled)\b(?:\s+[\w’'-]+){0,4}?\s*$", _FLAGS)),
)
# anywhere in the sentence: habitual or aggregate mentions
_GENERIC = re.compile(r"\b(?:frequently|often|regularly|routinely|repeatedly|usually|constantly|typically|"
                      r"dozens of times|many times|times since|in recent (?:months|weeks|years)|"
                      r"over the (?:past|last) (?:\w+ )?(?:months|weeks|years)|most of which|"
                      r"every (?:day|week|night))\b",
                      _FLAGS)
# a plural noun trigger counted vaguely ("dozens of attacks") or not at all ("the attacks") is many incidents
_PLURAL_NOUN = re.compile(r"(?:attacks|strikes|bombings|raids|assaults|clashes|killings|shootings|explosions|"
                          r"protests|demonstrations|arrests|incidents)$", _FLAGS)
_COUNTED = re.compile(r"\b(?:two|three|four|five|six|seven|eight|nine|ten|\d+|both|twin)\b(?:\s+[\w’'-]+){0,2}\s*$",
                      _FLAGS)
# a standing conflict rather than an incident: "the war", "the coalition fighting the Islamic State group"
_ONGOING_NOUN = re.compile(r"^(?:war|wars|conflict|insurgency|campaign|hostilities|combat)$", _FLAGS)
# an interception of aircraft is no attack; what was intercepted, if an attack, has mentions of its own
_INTERCEPT = re.compile(r"^(?:intercept(?:s|ed|ing|ion|ions)?|shot down|shoots? down|downed)$", _FLAGS)
# an attack stopped on its way ("shot down an armed drone targeting the facility") is an interception too
_STOPPED = re.compile(r"\b(?:intercepted|shot down|shoots? down|downed)\s+(?:an?\s+|the\s+|two\s+|three\s+)?"
                      r"(?:[\w’'-]+\s+){0,3}$", _FLAGS)
# "denied carrying out the attack": the attack is not denied, only that they did it (actors handle that)
RESPONSIBILITY_DENIAL = re.compile(r"\bden(?:y|ies|ied|ying)\s+(?:any\s+)?(?:carrying out|responsibility for|"
                                   r"involvement in|being behind|conducting|launching|staging|responsibility|role in|"
                                   r"any role in|a role in|links? to)\b(?:\s+[\w’'-]+){0,3}?\s*$", _FLAGS)
# cues after the trigger: "crashed ... without causing casualties" is no death, "attack that never happened"
_AFTER_DEATH_NEGATION = re.compile(r"(?:[^.;]{0,60}?)\bwithout\s+(?:causing\s+|any\s+)*(?:casualties|deaths|"
                                   r"injuries|loss of life)", _FLAGS)


def mention_modality(text: str, sentence: Span, trigger: Span, event_type: str) -> tuple[str, Span | None]:
    """(modality, the cue's span or None) for the event whose trigger this is."""
    word = trigger.text.strip()
    if _INTERCEPT.match(word):
        return GENERIC, trigger  # not an incident by itself: counted through what was intercepted, if anything
    start = clause_before(text, sentence, trigger.start)
    before = text[start:trigger.start]
    stopped = _STOPPED.search(before) if event_type == "Conflict:Attack" else None
    if stopped:
        return GENERIC, Span.of(text, start + stopped.start(), start + stopped.end())
    if _ONGOING_NOUN.match(word) or (word.lower() == "fighting" and _after_a_name(before)):
        return GENERIC, trigger
    generic = _GENERIC.search(text, sentence.start, sentence.end)
    if generic:
        return GENERIC, Span.of(text, generic.start(), generic.end())
    if _PLURAL_NOUN.search(word) and not _COUNTED.search(before):
        return GENERIC, trigger
    if RESPONSIBILITY_DENIAL.search(before):
        return ASSERTED, None
    if event_type == "Life:Die":
        after = _AFTER_DEATH_NEGATION.match(text, trigger.end, clause_after(text, sentence, trigger.end) + 40)
        if after:
            return NEGATED, Span.of(text, after.start() + after.group().lower().rindex("without"), after.end())
    best: tuple[int, str] | None = None
    for modality, pattern in _BEFORE:
        at = _last_match(pattern, before)
        if at is not None and (best is None or at > best[0]):
            best = (at, modality)
    if best is None:
        return ASSERTED, None
    at, modality = best
    cue = before[at:].strip()
    return modality, Span(start + at, start + at + len(cue), cue)


def _last_match(pattern: re.Pattern[str], before: str) -> int | None:
    """Where the cue nearest the trigger starts: the last place the pattern matches through to the end."""
    found = None
    pos = 0
    while (m := pattern.search(before, pos)) is not None:
        found, pos = m.start(), m.start() + 1
    return found


def _after_a_name(before: str) -> bool:
    """True when the words before end a noun phrase: "the coalition fighting" (not "were fighting")."""
    words = re.findall(r"[\w’'-]+", before)
    return bool(words) and words[-1].lower() not in {"is", "are", "was", "were", "been", "be", "heavy", "fierce",
                                                      "the", "of", "in", "renewed", "intense"}
