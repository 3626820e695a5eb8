"""What the Ministry parser's tests share: the fixtures, and parse or reject one."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.formats.errors import FeedError
from bot.formats.ministry import parse
from bot.models import Race, Snapshot

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "fr_interior"
PARIS = ZoneInfo("Europe/Paris")
FETCHED = datetime(2017, 5, 7, 18, 30, tzinfo=UTC)
REPLAY = [FIXTURES / f"02Acom_T2_v{i}.xml" for i in range(1, 5)]


def fixture(name: str) -> bytes:
    """Return a fixture file's bytes."""
    return (FIXTURES / name).read_bytes()


def read(name: str, **options: object) -> Snapshot:
    """Parse a fixture file with these options, fetched at FETCHED."""
    return parse(fixture(name), name, options, FETCHED)


def race(snap: Snapshot, race_id: str) -> Race:
    """Return a race of the snapshot, failing with the ids it has."""
    found = snap.race(race_id)
    assert found is not None, [r.id for r in snap.races]
    return found


def reject(data: bytes, origin: str = "resultatsT2/FE.xml", **options: object) -> FeedError:
    """Return the FeedError the parse of `data` raises, checking that it names `origin`."""
    with pytest.raises(FeedError) as caught:
        parse(data, origin, options, FETCHED)
    assert str(caught.value).startswith(f"{origin}: ")
    return caught.value


def undated(data: bytes) -> bytes:
    """Return a results file without its DateDerMaj/HeureDerMaj, as the Ministry publishes
    them (the fixtures carry one so that a replay without the index orders its versions)."""
    return re.sub(rb"\s*<(DateDerMaj|HeureDerMaj)>[^<]*</\1>", b"", data)


# --- a Ministry night built in code: index files and the results files they date ------------
# Shapes of the Ministry's 2017 rehearsal feed (element names, order and nesting of
# `index.xml`, `DDDIDX.xml`, `DDD.xml` and `DDDCCC.xml`); every name, time and figure here is
# invented. Times are Paris wall-clock times on 7 May 2017.

DAY = "07-05-2017"
DEPARTEMENTS = {  # 3-character code: published code, name, région
    "075": ("75", "Paris", "011"),
    "013": ("13", "Bouches-du-Rhône", "093"),
}
REGIONS = {"011": ("11", "Île-de-France"), "093": ("93", "Provence-Alpes-Côte d'Azur")}
CANDIDATES = (("1", "MIREPOIX", "Achille", "M."), ("2", "POMPANON", "Patrick", "M."))


def _stamp(indent: str, time: str | None, extract: str | None = None) -> str:
    if time is None:
        return ""
    lines = [f"<DateDerMaj>{DAY}</DateDerMaj>", f"<HeureDerMaj>{time}</HeureDerMaj>"]
    if extract is not None:
        lines += [
            f"<DateDerExtract>{DAY}</DateDerExtract>",
            f"<HeureDerExtract>{extract}</HeureDerExtract>",
        ]
    return "".join(f"{indent}{line}\n" for line in lines)


def index_xml(
    departements: dict[str, tuple[str | None, bool]],
    regions: dict[str, tuple[str | None, bool]] | None = None,
) -> bytes:
    """Return an `index.xml`: each département and région with its last change (HH:MM:SS,
    None: none yet) and whether it is complete (`Complet`)."""
    out = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Election>\n  <Scrutin>\n",
           "    <Type>Présidentielle</Type>\n    <Annee>2017</Annee>\n  </Scrutin>\n",
           "  <Departements>\n"]  # fmt: skip
    for code, (time, complete) in departements.items():
        short, name, region = DEPARTEMENTS[code]
        out.append(
            f"    <Departement>\n      <CodDpt>{short}</CodDpt>\n"
            f"      <CodDpt3Car>{code}</CodDpt3Car>\n      <CodMinDpt>{short}</CodMinDpt>\n"
            f"      <LibDpt>{name}</LibDpt>\n      <CodReg>{REGIONS[region][0]}</CodReg>\n"
            f"      <CodReg3Car>{region}</CodReg3Car>\n{_stamp('      ', time, time)}"
            f"      <Complet>{'O' if complete else 'N'}</Complet>\n    </Departement>\n"
        )
    out.append("  </Departements>\n  <Regions>\n")
    for code, (time, complete) in (regions or {}).items():
        short, name = REGIONS[code]
        out.append(
            f"    <Region>\n      <CodReg>{short}</CodReg>\n      <CodReg3Car>{code}</CodReg3Car>\n"
            f"      <LibReg>{name.replace(chr(39), '&apos;')}</LibReg>\n"
            f"{_stamp('      ', time, time)}"
            f"      <Complet>{'O' if complete else 'N'}</Complet>\n    </Region>\n"
        )
    out.append("  </Regions>\n</Election>\n")
    return "".join(out).encode()


def _dept_head(code: str, indent: str = "    ") -> str:
    short, name, region = DEPARTEMENTS[code]
    reg_short, reg_name = REGIONS[region]
    return (
        f"{indent}<CodReg>{reg_short}</CodReg>\n{indent}<CodReg3Car>{region}</CodReg3Car>\n"
        f"{indent}<LibReg>{reg_name.replace(chr(39), '&apos;')}</LibReg>\n"
        f"{indent}<CodDpt>{short}</CodDpt>\n{indent}<CodMinDpt>{short}</CodMinDpt>\n"
        f"{indent}<CodDpt3Car>{code}</CodDpt3Car>\n{indent}<LibDpt>{name}</LibDpt>\n"
    )


def idx_xml(code: str, communes: dict[str, tuple[str, str | None]], round: int = 2) -> bytes:
    """Return a `DDDIDX.xml`: each commune (code: name, last change or None: not received)."""
    rows = "".join(
        f"          <Commune>\n            <CodSubCom>{c}</CodSubCom>\n"
        f"            <LibSubCom>{name}</LibSubCom>\n"
        f"            <ResultatsParvenus>{'O' if time else 'N'}</ResultatsParvenus>\n"
        f"{_stamp('            ', time)}          </Commune>\n"
        for c, (name, time) in communes.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Election>\n  <Scrutin>\n'
        "    <Type>Présidentielle</Type>\n    <Annee>2017</Annee>\n  </Scrutin>\n"
        f"  <Departement>\n{_dept_head(code)}    <Tours>\n      <Tour>\n"
        f"        <NumTour>{round}</NumTour>\n        <Communes>\n{rows}"
        "        </Communes>\n      </Tour>\n    </Tours>\n  </Departement>\n</Election>\n"
    ).encode()


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:7.2f}".replace(".", ",") if whole else "   0,00"


def _tour(votes: tuple[int, int], registered: int, indent: str, round: int = 2) -> str:
    valid = sum(votes)
    blank, null = valid // 40, valid // 80
    voters = valid + blank + null
    i = indent
    mentions = "".join(
        f"{i}      <{tag}>\n{i}        <Nombre>{n}</Nombre>\n{i}      </{tag}>\n"
        for tag, n in (("Inscrits", registered), ("Abstentions", registered - voters),
                       ("Votants", voters), ("Blancs", blank), ("Nuls", null), ("Exprimes", valid))
    )  # fmt: skip
    cands = "".join(
        f"{i}        <Candidat>\n{i}          <NumPanneauCand>{num}</NumPanneauCand>\n"
        f"{i}          <NomPsn>{last}</NomPsn>\n{i}          <PrenomPsn>{first}</PrenomPsn>\n"
        f"{i}          <CivilitePsn>{civ}</CivilitePsn>\n{i}          <NbVoix>{v}</NbVoix>\n"
        f"{i}          <RapportExprime>{_pct(v, valid)}</RapportExprime>\n"
        f"{i}          <RapportInscrit>{_pct(v, registered)}</RapportInscrit>\n"
        f"{i}        </Candidat>\n"
        for (num, last, first, civ), v in zip(CANDIDATES, votes, strict=True)
    )
    return (
        f"{i}<Tours>\n{i}  <Tour>\n{i}    <NumTour>{round}</NumTour>\n{i}    <Mentions>\n"
        f"{mentions}{i}    </Mentions>\n{i}    <Resultats>\n{i}      <Candidats>\n{cands}"
        f"{i}      </Candidats>\n{i}    </Resultats>\n{i}  </Tour>\n{i}</Tours>\n"
    )


def totals_xml(code: str, votes: tuple[int, int], registered: int) -> bytes:
    """Return a département's totals file `DDD.xml` (no time, no progress of its own)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Election>\n  <Scrutin>\n'
        "    <Type>Présidentielle</Type>\n    <Annee>2017</Annee>\n  </Scrutin>\n"
        f"  <Departement>\n{_dept_head(code)}{_tour(votes, registered, '    ')}"
        "  </Departement>\n</Election>\n"
    ).encode()


def commune_xml(
    code: str, commune: str, name: str, votes: tuple[int, int], registered: int
) -> bytes:
    """Return one commune's (or arrondissement's) file `DDDCCC.xml` (no time)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Election>\n  <Scrutin>\n'
        "    <Type>Présidentielle</Type>\n    <Annee>2017</Annee>\n  </Scrutin>\n"
        f"  <Departement>\n{_dept_head(code)}    <Commune>\n"
        f"      <CodSubCom>{commune}</CodSubCom>\n      <LibSubCom>{name}</LibSubCom>\n"
        f"{_tour(votes, registered, '      ')}    </Commune>\n  </Departement>\n</Election>\n"
    ).encode()


# A night of three steps, as published at 20:30, 21:00 and 21:30: Paris moves at every step
# (complete at the last), its 1st arrondissement only at the first, the Bouches-du-Rhône only
# at the last (complete then). Each step: the files of the Ministry's layout, by path.
PARIS_AR01 = "Paris 1er arrondissement"
NIGHT: tuple[dict[str, bytes], ...] = (
    {
        "index.xml": index_xml(
            {"075": ("20:12:00", False), "013": ("20:05:00", False)}, {"093": ("20:05:00", False)}
        ),
        "011/075/075IDX.xml": idx_xml(
            "075",
            {"056AR01": (PARIS_AR01, "20:12:00"), "056AR02": ("Paris 2e arrondissement", None)},
        ),
        "011/075/075.xml": totals_xml("075", (41_000, 9_000), 1_300_000),
        "011/075/075056AR01.xml": commune_xml("075", "056AR01", PARIS_AR01, (4_100, 900), 11_300),
        "093/013/013.xml": totals_xml("013", (200_000, 150_000), 1_400_000),
    },
    {
        "index.xml": index_xml(
            {"075": ("20:47:10", False), "013": ("20:05:00", False)}, {"093": ("20:05:00", False)}
        ),
        "011/075/075IDX.xml": idx_xml(
            "075",
            {
                "056AR01": (PARIS_AR01, "20:12:00"),
                "056AR02": ("Paris 2e arrondissement", "20:47:10"),
            },
        ),
        "011/075/075.xml": totals_xml("075", (300_000, 120_000), 1_300_000),
        "011/075/075056AR01.xml": commune_xml("075", "056AR01", PARIS_AR01, (4_100, 900), 11_300),
        "093/013/013.xml": totals_xml("013", (200_000, 150_000), 1_400_000),
    },
    {
        "index.xml": index_xml(
            {"075": ("21:15:30", True), "013": ("21:02:00", True)}, {"093": ("21:02:00", True)}
        ),
        "011/075/075IDX.xml": idx_xml(
            "075",
            {
                "056AR01": (PARIS_AR01, "20:12:00"),
                "056AR02": ("Paris 2e arrondissement", "20:47:10"),
            },
        ),
        "011/075/075.xml": totals_xml("075", (631_000, 137_000), 1_300_000),
        "011/075/075056AR01.xml": commune_xml("075", "056AR01", PARIS_AR01, (4_100, 900), 11_300),
        "093/013/013.xml": totals_xml("013", (560_000, 440_000), 1_400_000),
    },
)
