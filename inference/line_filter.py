"""Lines of scraped pages that are not the article, blanked before tagging: headlines the page repeats, and
boilerplate ("CLICK HERE TO GET THE FOX NEWS APP", "Share this article", captions like "(Photo: Reuters)").

Blanking replaces a dropped line's characters by spaces and keeps its line break, so the text keeps its length:
every offset the network finds in the blanked text is the same offset in the original, which is the text the
tagged document keeps. Both filters are off unless asked for (`EventTagger.tag(..., drop_repeated_lines=True,
drop_boilerplate=True)`, `extract --drop-repeated-lines --drop-boilerplate`).

- repeated: a line identical, after stripping white space at both ends, to an earlier non-empty line of the
  same document; the first one stays.
- boilerplate: a line that is, after stripping, wholly one of `BOILERPLATE` (case ignored).

>>> text = "Rockets hit Erbil\\nRockets hit Erbil\\nShare this article\\n(Photo: Reuters)\\nTwo guards died."
>>> blank_lines(text, repeated=True, boilerplate=True).splitlines()
['Rockets hit Erbil', '                 ', '                  ', '                ', 'Two guards died.']
"""
from __future__ import annotations

import re
from dataclasses import replace

from eventtagger.core.schema import Document

# Whole lines only, so a sentence that merely contains "click here" stays.
BOILERPLATE = (
    r"click here\b.*",                                               # CLICK HERE TO GET THE FOX NEWS APP
    r"(share|email|print) this (article|story|page)\W*",             # Share this article
    r"\(?(file )?(photo|image|picture|video)s?( credit)?\s*:.*",     # (Photo: Reuters), Image: Getty Images
    r"(advertisement|sponsored content)\W*",                         # Advertisement
    r"(sign up|subscribe)\b.*\bnewsletters?\b.*",                    # Sign up for our newsletter
    r"(read more|see also|related( stories| articles)?)\s*:.*",      # Read more: ..., RELATED: ...
    r"(©|copyright)\s*(©\s*)?\d{4}\b.*",                             # © 2024 Reuters, Copyright 2024 ...
)
_BOILERPLATE = re.compile("|".join(f"(?:{p})" for p in BOILERPLATE), re.IGNORECASE)


def blank_lines(text: str, repeated: bool = False, boilerplate: bool = False) -> str:
    """`text` with the lines the filters drop replaced by spaces: same length, same line breaks."""
    if not (repeated or boilerplate):
        return text
    seen: set[str] = set()
    out = []
    for line in text.splitlines(keepends=True):
        body = (line.splitlines() or [""])[0]  # the line without its break (\n, \r\n, \u2028, ...)
        key = body.strip()
        drop = bool(key) and ((boilerplate and _BOILERPLATE.fullmatch(key) is not None) or (repeated and key in seen))
        seen.add(key)
        out.append(" " * len(body) + line[len(body):] if drop else line)
    return "".join(out)


def with_text(tagged: Document, text: str) -> Document:
    """A document tagged from a blanked text, given back its original `text`. Offsets stay as they are
    (blanking moves no character); span texts are read again from `text`."""
    if tagged.text == text:
        return tagged
    entities = tuple(replace(e, text=text[e.start:e.end]) for e in tagged.entities)
    events = tuple(replace(ev, trigger=replace(ev.trigger, text=text[ev.trigger.start:ev.trigger.end]),
                           arguments=tuple(replace(a, text=text[a.start:a.end]) for a in ev.arguments))
                   for ev in tagged.events)
    return replace(tagged, text=text, entities=entities, events=events)
