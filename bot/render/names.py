"""How candidates are named in a race: two that would read the same are told apart. Pure."""

from __future__ import annotations

from bot.models import Candidate, Race


def _folded(name: str) -> str:
    return " ".join(name.casefold().split())


def shown_names(race: Race, template: str) -> dict[str, str]:
    """Return each candidate's shown name by id: its name, or where another candidate of the
    race reads the same (two "Sandrine ROUSSEAU" in Paris's 9th constituency), `template`
    filled with its name and label: its party when that tells it apart, else its id."""
    alike: dict[str, list[Candidate]] = {}
    for c in race.candidates:
        alike.setdefault(_folded(c.name), []).append(c)
    shown: dict[str, str] = {}
    for twins in alike.values():
        for c in twins:
            if len(twins) == 1:
                shown[c.id] = c.name
                continue
            telling = c.party is not None and sum(o.party == c.party for o in twins) == 1
            shown[c.id] = template.format(name=c.name, label=c.party if telling else c.id)
    return shown
