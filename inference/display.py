"""A readable table of tagged documents, for people (`eventtagger show`)."""
from __future__ import annotations

from collections.abc import Iterable

from eventtagger.core.schema import Document


def render(documents: Iterable[Document], width: int = 100) -> str:
    out = []
    for doc in documents:
        snippet = " ".join(doc.text.split())
        snippet = snippet if len(snippet) <= width - 4 else snippet[:width - 7] + "..."
        out += [f"== {doc.id} " + "=" * max(0, width - len(doc.id) - 4), f"   {snippet}", ""]
        if doc.events:
            out.append(f"   {len(doc.events)} events")
            for ev in doc.events:
                score = f" ({ev.score:.2f})" if ev.score is not None else ""
                out.append(f"   - {ev.type:<28} \"{ev.trigger.text}\"{score}")
                for arg in ev.arguments:
                    out.append(f"       {arg.role:<13} {arg.text}")
        else:
            out.append("   no events")
        if doc.entities:
            by_label: dict[str, list[str]] = {}
            for e in doc.entities:
                names = by_label.setdefault(e.label, [])
                if e.text not in names:
                    names.append(e.text)
            out.append(f"   {len(doc.entities)} entity mentions")
            for label, names in by_label.items():
                out.append(f"       {label:<6} " + ", ".join(names))
        out.append("")
    return "\n".join(out)
