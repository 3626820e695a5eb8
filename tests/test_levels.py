"""One race from two levels (issue 14, item 4): a département's own figures against the sum of
its communes. Unit tests of bot.levels, then `python -m bot replay` on fixtures of our own in
the Ministry's shapes (tests/fixtures/fr_interior/levels/, README there)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import levels
from bot.audience import AdminChats
from bot.display import Display
from bot.events import AnomalyDetected, FirstResultsReported, ResultDeclaredFinal
from bot.models import Race, Snapshot, Units, replace
from bot.pipeline import Pipeline
from bot.rules import Rules
from bot.store import Store, Subscription
from tests.builders import EVENTS_AT, at, race, snap

ROOT = Path(__file__).resolve().parent.parent
LEVELS = ROOT / "tests" / "fixtures" / "fr_interior" / "levels"
FORMAT = "fr-interior-xml"


def dept(votes: dict[str, int], *, summed: bool, counted: int = 0) -> Race:
    """Return the race D084: summed from its communes (with progress), or its own figures."""
    units = Units(counted=counted, total=4, kind="communes")
    if not summed:  # a totals file: no progress of its own
        units = Units(counted=0, kind="none")
    return replace(race(votes, race_id="D084", name="Vaucluse"), units=units, summed=summed)


OWN = dept({"a": 600, "b": 400}, summed=False)
SUM = dept({"a": 900, "b": 500}, summed=True, counted=4)
SUM_AGREES = replace(OWN, units=SUM.units, summed=True)
EMPTY_OWN = replace(OWN, candidates=(), turnout=replace(OWN.turnout, voters=None))


# --- bot.levels, pure -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "known", "set_aside", "switched", "anomaly"),
    [
        pytest.param(SUM, [OWN], {"D084"}, set(), True, id="sum-after-own-disagrees"),
        pytest.param(SUM_AGREES, [OWN], {"D084"}, set(), False, id="sum-after-own-agrees"),
        pytest.param(OWN, [SUM], set(), {"D084"}, True, id="own-after-sum-switches"),
        pytest.param(OWN, [SUM_AGREES], set(), {"D084"}, False, id="own-after-sum-agreeing"),
        pytest.param(EMPTY_OWN, [SUM], {"D084"}, set(), False, id="own-without-results-less"),
        pytest.param(SUM, [], set(), set(), False, id="sum-alone-is-the-truth"),
        pytest.param(OWN, [OWN], set(), set(), False, id="own-after-own"),
        pytest.param(SUM, [SUM_AGREES], set(), set(), False, id="sum-after-sum"),
        pytest.param(SUM, [EMPTY_OWN], set(), set(), False, id="own-known-without-results"),
        pytest.param(OWN, [OWN, SUM], set(), set(), False, id="already-switched"),
    ],
)
def test_each_race_has_one_truth(
    version: Race, known: list[Race], set_aside: set[str], switched: set[str], anomaly: bool
) -> None:
    found = levels.compare(snap(version), {"D084": known})

    assert found.set_aside == set_aside
    assert found.switched == switched
    assert [a.check for a in found.anomalies] == (["levels"] if anomaly else [])
    assert [r.id for r in found.kept(snap(version)).races] == ([] if set_aside else ["D084"])


def test_the_anomaly_names_both_levels_and_is_keyed_by_them() -> None:
    (first,) = levels.compare(snap(SUM), {"D084": [OWN]}).anomalies
    (again,) = levels.compare(snap(SUM, minutes=9), {"D084": [OWN]}).anomalies
    (other,) = levels.compare(snap(replace(SUM, turnout=OWN.turnout)), {"D084": [OWN]}).anomalies

    assert first.audience == "admin"
    assert dict(first.detail) == {
        "registered": 0.0,
        "registered_parts": 0.0,
        "voters": 1000.0,
        "voters_parts": 1400.0,
    }
    assert first.key == again.key  # the same disagreement, read again: told once
    assert first.key != other.key
    assert first.key.startswith("D084:anomaly:levels:")


def test_a_switched_race_tells_nothing_public_but_its_anomaly() -> None:
    found = levels.compare(snap(OWN), {"D084": [SUM]})
    public = FirstResultsReported(key="D084:first_results", race=OWN, at=EVENTS_AT)
    elsewhere = dataclasses.replace(
        public, key="C084003:first_results", race=replace(OWN, id="C084003")
    )

    final = ResultDeclaredFinal(key="D084:final", race=replace(OWN, final=True), at=EVENTS_AT)
    kept = found.keep([public, elsewhere, final, *found.anomalies])
    assert kept == [elsewhere, final, *found.anomalies]  # its being final is news, once
    assert all(isinstance(a, AnomalyDetected) for a in found.anomalies)


def test_what_is_known_comes_from_the_baseline_and_the_other_sources() -> None:
    commune = replace(race({"a": 1}, race_id="C084003"), level="commune")
    version = snap(SUM, commune)
    baseline = snap(OWN, commune)
    served = replace(OWN, name="Vaucluse (elsewhere)")

    assert levels.candidates(version, baseline) == ["D084"]
    assert levels.candidates(snap(OWN, commune), None) == ["D084"]  # new to this source
    assert levels.candidates(snap(OWN, commune), baseline) == []
    known = levels.known_of(version, baseline, [served])
    assert known == {"D084": [OWN, served]}  # communes are never summed: not looked up


def test_a_version_without_summed_races_is_kept_whole() -> None:
    version: Snapshot = snap(OWN)
    found = levels.compare(version, {})
    assert found.kept(version) is version


# --- python -m bot replay, on fixtures in the Ministry's shapes -----------------------------


def replay(*names: str, db: Path | None = None, round: int = 2) -> list[dict[str, Any]]:
    """Replay fixture files as `python -m bot replay --format jsonl` does; return its records."""
    files = [str(LEVELS / n) for n in names]
    args = ["--source-format", FORMAT, "--format", "jsonl", "--option", f"round={round}"]
    args += ["--db", str(db)] if db else []
    done = subprocess.run(
        [sys.executable, "-m", "bot", "replay", *files, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def told(records: list[dict[str, Any]], race_id: str) -> list[tuple[str, str, str]]:
    """Return (file, kind, headline) of what was told about a race."""
    return [
        (Path(r["file"]).name, r["kind"], r["text"].splitlines()[0])
        for r in records
        if r["race"] == race_id
    ]


def test_totals_then_communes_then_totals_is_no_correction_but_one_anomaly() -> None:
    records = replay("084_T2.xml", "084com_T2_v2.xml", "084_T2.xml")

    assert told(records, "D084") == [
        ("084_T2.xml", "first_results", "Premiers résultats — Vaucluse"),
        (
            "084com_T2_v2.xml",
            "anomaly",
            "⚠ Données incohérentes — Vaucluse : version signalée, ses chiffres en doute ne sont "
            "pas annoncés",
        ),
    ]
    anomaly = next(r for r in records if r["kind"] == "anomaly")
    assert anomaly["metric"] == "levels"
    assert "votants 29\u202f907 contre 64\u202f027" in anomaly["text"]
    texts = "\n".join(r["text"] for r in records)
    assert "Correction" not in texts
    assert "Résultat définitif" not in texts
    # A totals file has no progress of its own: it says none.
    first = records[0]["text"].splitlines()
    assert "communes remontées" not in first[-1]
    assert "bureau" not in first[-1]


def test_communes_then_totals_switches_once_and_never_corrects(tmp_path: Path) -> None:
    db = tmp_path / "night.db"
    records = replay("084com_T2_v2.xml", "084_T2.xml", "084com_T2_v2.xml", db=db)
    later = replay("084_T2_v2.xml", db=db)  # its own figures again, now with Avignon in

    dept_told = told(records, "D084")
    assert [kind for _, kind, _ in dept_told] == ["first_results", "anomaly"]
    assert dept_told[0][2] == "Résultats — Vaucluse"  # it came in whole: one message
    assert "Participation : 62,60" in records[0]["text"]
    assert "4 communes sur 4 (100,0\xa0%)" in records[0]["text"]
    assert dept_told[1][0] == "084_T2.xml"
    texts = "\n".join(r["text"] for r in [*records, *later])
    assert "Correction" not in texts
    assert told(later, "D084") == []  # own figures over own figures: nothing went down


def test_a_commune_arriving_whole_is_one_results_in_message() -> None:
    (record,) = replay("084007_T2.xml")

    lines = record["text"].splitlines()
    assert (record["race"], record["kind"]) == ("C084007", "first_results")
    assert lines[0] == "Résultats — Avignon"
    # Round 1 of the same commune is in the file: each share's change beside it (issue 15).
    assert (
        lines[1]
        == "Léa ARNAUD : 54,42\xa0% (+12,81 pts depuis le tour précédent) (17\u202f322 voix)"
    )
    assert lines[3].startswith("Participation : 62,92\xa0% (34\u202f120 votants")
    assert "bureau" not in record["text"]
    assert "commune" not in lines[-1]  # a single place: its own progress goes unsaid


def test_a_departement_counts_its_communes_and_says_so() -> None:
    records = replay("084com_T2_v0.xml", "084com_T2_v1.xml", "084com_T2_v2.xml")

    assert told(records, "D084") == [
        ("084com_T2_v1.xml", "first_results", "Premiers résultats — Vaucluse"),
        (
            "084com_T2_v1.xml",
            "reporting_threshold",
            "50\xa0% des communes ont remonté leurs résultats — Vaucluse",
        ),
        (  # its communes' round 1 is in the files: the same places, like for like (issue 15)
            "084com_T2_v1.xml",
            "turnout_trend",
            "Participation en hausse par rapport au tour précédent, dans les mêmes lieux "
            "— Vaucluse",
        ),
        (
            "084com_T2_v2.xml",
            "final",
            "Toutes les communes ont remonté leurs résultats — Vaucluse",
        ),
    ]
    step = next(r for r in records if r["kind"] == "reporting_threshold")
    assert step["text"].splitlines()[-1].endswith("2 communes sur 4 (50,0\xa0%)")
    communes = [r for r in records if r["race"].startswith("C084")]
    assert sorted((r["race"], r["kind"]) for r in communes) == [
        (f"C084{code}", "first_results") for code in ("003", "007", "031", "087")
    ]
    assert all(r["text"].startswith("Résultats — ") for r in communes)
    texts = "\n".join(r["text"] for r in records)
    assert "bureau" not in texts
    assert "Résultat définitif" not in texts


# --- the pipeline: two sources, one for each level -----------------------------------------


async def test_two_sources_one_per_level_serve_the_own_figures_and_tell_admins(
    store: Store,
) -> None:
    await store.subscribe(Subscription(platform="telegram", chat_id="-1", race="*", locale="fr"))
    ticks = iter(range(1, 100))
    display = Display(locale="fr", tz=ZoneInfo("Europe/Paris"))
    pipeline = Pipeline(
        store,
        Rules(),
        display,
        lambda: at(next(ticks)),  # results files carry no date: each is received later
        admins=AdminChats({("telegram", "-9"): "en"}),
    )
    options = {"round": 2}
    outcomes = [
        await pipeline.ingest(source, FORMAT, (LEVELS / name).read_bytes(), name, options)
        for source, name in (
            ("totals", "084_T2.xml"),
            ("communes", "084com_T2_v1.xml"),
            ("communes", "084com_T2_v2.xml"),
        )
    ]

    assert [o.status for o in outcomes] == ["accepted"] * 3
    said = [(e.kind, e.race.id) for o in outcomes for e in o.events if e.race.id == "D084"]
    assert said == [("first_results", "D084"), ("anomaly", "D084"), ("anomaly", "D084")]
    served = await store.latest_race("D084")
    assert served is not None
    assert (served.source, served.race.summed) == ("totals", False)
    rows = await store.due(at(0).replace(year=2100), 500)
    public = [d.message.text for d in rows if d.chat_id == "-1"]
    admin = [d.message.text for d in rows if d.chat_id == "-9"]
    assert not any("Vaucluse" in t and "⚠" in t for t in public)
    assert sum("Inconsistent data — Vaucluse" in t for t in admin) == 2
    assert not any("Correction" in t for t in public)
