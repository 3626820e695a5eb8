"""Seeded generators of the synthetic feeds the benchmarks read, so that runs are comparable.

- `ministry_file`: one Ministry-style commune file of a département (the 2017–2022 dialect),
  every `Mentions` and `Candidat` element, percentages with a decimal comma padded to 7;
- `Country`: 35,000 communes split into 101 départements of uneven sizes (seeded), served
  as the Ministry serves them: `FE.xml` (France entière) plus one `{dep}com.xml` each;
- `canonical_country`: the same communes as one canonical JSON document;
- `national_json`: a one-race canonical document whose count advances one step per version.

A commune's figures depend only on the seed, its département and its number, never on the
version: a commune once received keeps its figures, as on a real night. That night is a past
one (10 April 2022): the bot refuses a data time more than a day past its clock (max_future).
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

NAMES = [
    ("HORTALA", "Frédéric"),
    ("MIREPOIX", "Achille"),
    ("ARBOCOL", "Nadine"),
    ("GIRARD", "Béatrice"),
    ("SANJUAN", "Norbert"),
    ("CHAPUIS", "Julien"),
    ("DURAND", "Marcel"),
    ("JONCOUR", "Emilie"),
    ("POMPANON", "Patrick"),
    ("BAVÉLÈRE", "François"),
    ("MÉDÉRIC", "Jérémie"),
    ("LE CHEVALIER", "Muriel"),
]
SEED = 2017
COMMUNES = 35_000
CANDIDATES = 10
DEPT_CODES = [f"{n:02d}" for n in range(1, 20)] + ["2A", "2B"]
DEPT_CODES += [f"{n:02d}" for n in range(21, 96)] + ["971", "972", "973", "974", "976"]


@dataclass(frozen=True, slots=True)
class Figures:
    """One commune's figures: registered, voters, blank, null, valid, and candidate votes."""

    registered: int
    voters: int
    blank: int
    null: int
    valid: int
    votes: tuple[int, ...]


def figures(rng: random.Random, candidates: int) -> Figures:
    """Draw a commune's figures that add up (the parser's checks pass)."""
    ins = rng.randint(80, 4000)
    vot = rng.randint(ins // 2, ins)
    blancs, nuls = rng.randint(0, vot // 40), rng.randint(0, vot // 60)
    exp = vot - blancs - nuls
    weights = [rng.random() + 0.05 for _ in range(candidates)]
    votes = [int(exp * w / sum(weights)) for w in weights]
    votes[0] += exp - sum(votes)
    return Figures(ins, vot, blancs, nuls, exp, tuple(votes))


def pct(part: int, whole: int) -> str:
    """Return a Ministry percentage: decimal comma, padded to 7 characters."""
    return f"{100 * part / whole:7.2f}".replace(".", ",") if whole else "   0,00"


def _mention(tag: str, n: int, ins: int, vot: int | None) -> str:
    extra = f"<RapportVotant>{pct(n, vot)}</RapportVotant>" if vot is not None else ""
    return (
        f"<{tag}><Nombre>{n}</Nombre><RapportInscrit>{pct(n, ins)}</RapportInscrit>{extra}</{tag}>"
    )


def tour_xml(f: Figures) -> str:
    """Return the `Tours` element of round 1 with these figures."""
    ins, vot, exp = f.registered, f.voters, f.valid
    cands = "".join(
        f"<Candidat><NumPanneauCand>{k + 1}</NumPanneauCand><NomPsn>{NAMES[k % 12][0]}</NomPsn>"
        f"<PrenomPsn>{NAMES[k % 12][1]}</PrenomPsn><CivilitePsn>M.</CivilitePsn>"
        f"<NbVoix>{v}</NbVoix><RapportExprime>{pct(v, exp)}</RapportExprime>"
        f"<RapportInscrit>{pct(v, ins)}</RapportInscrit></Candidat>\n"
        for k, v in enumerate(f.votes)
    )
    return (
        f"<Tours><Tour><NumTour>1</NumTour><Mentions>"
        f"<Inscrits><Nombre>{ins}</Nombre></Inscrits>"
        f"<Abstentions><Nombre>{ins - vot}</Nombre>"
        f"<RapportInscrit>{pct(ins - vot, ins)}</RapportInscrit></Abstentions>"
        f"<Votants><Nombre>{vot}</Nombre><RapportInscrit>{pct(vot, ins)}</RapportInscrit></Votants>"
        f"{_mention('Blancs', f.blank, ins, vot)}{_mention('Nuls', f.null, ins, vot)}"
        f"{_mention('Exprimes', exp, ins, vot)}</Mentions>\n"
        f"<Resultats><Candidats>\n{cands}</Candidats></Resultats></Tour></Tours>"
    )


def commune_xml(code: str, name: str, f: Figures | None) -> str:
    """Return a Commune element; without figures, a commune not received yet."""
    tours = tour_xml(f) if f is not None else ""
    head = f"<Commune><CodSubCom>{code}</CodSubCom><LibSubCom>{name}</LibSubCom>\n"
    return f"{head}{tours}</Commune>\n"


def _stamp(version: int) -> str:
    """Return DateDerMaj + HeureDerMaj: 20:00:00 plus `version` seconds, so versions order."""
    minutes, seconds = divmod(version, 60)
    return (
        f"<DateDerMaj>10-04-2022</DateDerMaj>"
        f"<HeureDerMaj>{20 + minutes // 60:02d}:{minutes % 60:02d}:{seconds:02d}</HeureDerMaj>"
    )


def ministry_file(
    dept: str, communes: Iterable[tuple[str, str, Figures | None]], version: int = 0
) -> bytes:
    """Return a département's commune file (`{dep}com.xml`) holding these communes."""
    code3 = dept.zfill(3) if dept[:1].isdigit() else dept
    out = io.StringIO()
    out.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Election><Scrutin><Type>Présidentielle</Type>'
        "<Annee>2027</Annee></Scrutin>\n<Departement><CodReg>11</CodReg><CodReg3Car>011"
        f"</CodReg3Car><LibReg>Île-de-France</LibReg><CodDpt>{dept}</CodDpt>"
        f"<CodMinDpt>{dept}</CodMinDpt><CodDpt3Car>{code3}</CodDpt3Car>"
        f"<LibDpt>Département {dept}</LibDpt>{_stamp(version)}\n<Communes>\n"
    )
    for code, name, f in communes:
        out.write(commune_xml(code, name, f))
    out.write("</Communes></Departement></Election>\n")
    return out.getvalue().encode()


def generate(communes: int = COMMUNES, candidates: int = CANDIDATES, seed: int = SEED) -> bytes:
    """Return one file holding every commune in one département (the whole-country worst case)."""
    rng = random.Random(seed)
    rows = (
        (f"{i:05d}", f"Commune n° {i}", figures(rng, candidates)) for i in range(1, communes + 1)
    )
    return ministry_file("99", rows, version=8100)


@dataclass(frozen=True, slots=True)
class Country:
    """35,000 communes in 101 départements, each with a stable, seeded set of figures."""

    communes: int = COMMUNES
    candidates: int = CANDIDATES
    seed: int = SEED
    departements: int = len(DEPT_CODES)

    def sizes(self) -> dict[str, int]:
        """Return each département's number of communes (uneven, seeded, summing exactly)."""
        rng = random.Random(f"{self.seed}:sizes")
        codes = DEPT_CODES[: self.departements]
        weights = [rng.uniform(0.2, 2.6) for _ in codes]
        sizes = [max(1, int(self.communes * w / sum(weights))) for w in weights]
        sizes[0] += self.communes - sum(sizes)
        return dict(zip(codes, sizes, strict=True))

    def commune(self, dept: str, i: int) -> Figures:
        """Return the figures of commune `i` of `dept`."""
        return figures(random.Random(f"{self.seed}:{dept}:{i}"), self.candidates)

    def rows(self, dept: str, received: float = 1.0) -> Iterator[tuple[str, str, Figures | None]]:
        """Yield the département's communes; the first `received` share of them have results."""
        size = self.sizes()[dept]
        for i in range(1, size + 1):
            got = i <= round(received * size)
            yield f"{i:03d}", f"Commune {dept}-{i}", self.commune(dept, i) if got else None

    def departement(self, dept: str, received: float = 1.0, version: int = 0) -> bytes:
        """Return the département's `{dep}com.xml` with this share of communes received."""
        return ministry_file(dept, self.rows(dept, received), version)

    def france(self, version: int = 0) -> bytes:
        """Return `FE.xml`: the national figures, every commune received."""
        total = Figures(0, 0, 0, 0, 0, (0,) * self.candidates)
        for dept, size in self.sizes().items():
            for i in range(1, size + 1):
                total = _add(total, self.commune(dept, i))
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Election><Scrutin><Type>Présidentielle'
            f"</Type><Annee>2027</Annee></Scrutin>{_stamp(version)}\n{tour_xml(total)}"
            "</Election>\n"
        ).encode()


def _add(a: Figures, b: Figures) -> Figures:
    return Figures(
        a.registered + b.registered,
        a.voters + b.voters,
        a.blank + b.blank,
        a.null + b.null,
        a.valid + b.valid,
        tuple(x + y for x, y in zip(a.votes, b.votes, strict=True)),
    )


def canonical_race(race_id: str, name: str, f: Figures) -> dict[str, Any]:
    """Return a canonical-json race with votes and published shares."""
    return {
        "id": race_id,
        "name": name,
        "level": "commune",
        "units": {"counted": 1, "total": 1},
        "turnout": {
            "registered": f.registered,
            "voters": f.voters,
            "blank": f.blank,
            "null": f.null,
            "valid": f.valid,
        },
        "candidates": [
            {
                "id": str(k + 1),
                "name": f"{NAMES[k % 12][1]} {NAMES[k % 12][0]}",
                "votes": v,
                "share": round(100 * v / f.valid, 2),
            }
            for k, v in enumerate(f.votes)
        ],
    }


def canonical_country(country: Country, version: int = 0) -> bytes:
    """Return every commune of `country` as one canonical JSON document."""
    races = [
        canonical_race(f"C{dept}{code}", name, f)
        for dept in country.sizes()
        for code, name, f in country.rows(dept)
        if f is not None
    ]
    doc = {"election": "pr2027-t1", "updated_at": _iso(version), "races": races}
    return json.dumps(doc, ensure_ascii=False).encode()


def national_json(step: int, units: int = 100) -> bytes:
    """Return the national race with `step` of `units` stations counted (one step a version)."""
    rng = random.Random(f"{SEED}:national:{step}")
    voters = 400_000 * step
    hamon = voters * rng.randint(5650, 5950) // 10_000  # shares move: not a republication
    doc = {
        "election": "primaire-2017",
        "updated_at": _iso(step),
        "races": [
            {
                "id": "national",
                "name": "Primaire, 2nd tour",
                "units": {"counted": step, "total": units},
                "turnout": {"voters": voters, "valid": voters},
                "candidates": [
                    {"id": "hamon", "name": "Benoît Hamon", "votes": hamon},
                    {"id": "valls", "name": "Manuel Valls", "votes": voters - hamon},
                ],
            }
        ],
    }
    return json.dumps(doc, ensure_ascii=False).encode()


def _iso(version: int) -> str:
    minutes, seconds = divmod(version, 60)
    return f"2022-04-10T{20 + minutes // 60:02d}:{minutes % 60:02d}:{seconds:02d}+02:00"
