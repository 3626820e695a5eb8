"""One race from two sources: a version older than what another source serves is not told,
one as new with other figures is a disagreement for the admin chats."""

from __future__ import annotations

from bot.events import FirstResultsReported, SourcesDisagreed
from bot.models import replace
from bot.rivals import Served, compare, figures
from tests.builders import all_events, at, race, snap

A = race({"hamon": 3050, "valls": 1950}, counted=300)
B = race({"hamon": 1200, "valls": 800}, counted=200)


def served(r=A, minutes=90, source="a") -> Served:
    return Served(race=r, at=at(minutes), source=source)


def test_nothing_served_elsewhere_is_no_rivalry() -> None:
    rivalry = compare("b", snap(B, minutes=30), [])
    assert (rivalry.unserved, rivalry.disagreements) == (frozenset(), ())
    assert compare("a", snap(B, minutes=30), [served()]).unserved == frozenset()  # its own


def test_a_version_behind_another_source_tells_nothing_public_of_its_races() -> None:
    rivalry = compare("b", snap(B, race({"a": 1}, race_id="r2"), minutes=30), [served()])
    assert rivalry.unserved == {"national"}
    assert rivalry.disagreements == ()
    first = [FirstResultsReported(key=f"{r.id}:first_results", race=r, at=at(30))
             for r in (B, race({"a": 1}, race_id="r2"))]  # fmt: skip
    assert [e.race.id for e in rivalry.keep(first)] == ["r2"]
    admin = [e for e in all_events() if e.audience == "admin"][:1]
    assert rivalry.keep(admin) == admin  # anomalies still reach the admins


def test_a_version_ahead_of_another_source_is_no_rivalry() -> None:
    rivalry = compare("b", snap(B, minutes=120), [served()])
    assert (rivalry.unserved, rivalry.disagreements) == (frozenset(), ())


def test_the_same_time_with_other_figures_is_a_disagreement_naming_both() -> None:
    rivalry = compare("b", snap(B, minutes=90), [served()])
    [e] = rivalry.disagreements
    assert isinstance(e, SourcesDisagreed)
    assert (e.source, e.other, e.race, e.served, e.at) == ("b", "a", B, A, at(90))
    assert e.key == f"national:sources_disagree:a:b:{at(90).isoformat()}"
    assert e.audience == "admin"
    assert rivalry.unserved == {"national"}  # nor is this version's announced


def test_the_same_figures_named_otherwise_agree() -> None:
    renamed = replace(A, name="PRIMAIRE")
    assert figures(renamed) == figures(A)
    agreeing = compare("b", snap(renamed, minutes=90), [served()])
    assert (agreeing.unserved, agreeing.disagreements) == ({"national"}, ())  # told by "a"
