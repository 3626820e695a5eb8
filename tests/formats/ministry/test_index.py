"""The Ministry's index files: read, merged, matched to file names, and dating a version; and
`python -m bot replay index.xml 075.xml …` and `fetch` reading them, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.feedcheck import describe_index
from bot.formats.errors import FeedError
from bot.formats.ministry import parse
from bot.formats.ministry.index import Index, Mark, Place, is_index, place_of, read_index
from tests.formats.ministry.support import (
    FETCHED,
    FIXTURES,
    NIGHT,
    PARIS,
    fixture,
    idx_xml,
    index_xml,
    totals_xml,
    undated,
)

ROOT = Path(__file__).resolve().parents[3]


def paris(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2017, 5, 7, hour, minute, second, tzinfo=PARIS)


def index_of(*files: bytes) -> Index:
    index = Index()
    for data in files:
        index = index.merged(read_index(data, "index"))
    return index


# --- reading ---------------------------------------------------------------------------------


def test_index_xml_gives_each_departement_and_region_its_last_change_and_completeness() -> None:
    index = read_index(NIGHT[2]["index.xml"], "index.xml")
    assert index.departements["075"] == Mark(changed=paris(21, 15, 30), complete=True)
    assert index.departements["013"] == Mark(changed=paris(21, 2), complete=True)
    assert index.regions == {"093": Mark(changed=paris(21, 2), complete=True)}
    assert index.region_of == {"075": "011", "013": "093"}
    assert index.departements["075"].changed.utcoffset().total_seconds() == 7200  # type: ignore[union-attr]
    assert index.communes == {}


def test_an_idx_file_gives_each_commune_its_last_change_and_whether_it_is_in() -> None:
    index = read_index(NIGHT[0]["011/075/075IDX.xml"], "075IDX.xml")
    assert index.communes == {
        ("075", "056AR01"): Mark(changed=paris(20, 12), received=True),
        ("075", "056AR02"): Mark(changed=None, received=False),
    }
    assert index.departements == {}


def test_an_idx_file_is_read_for_the_round_asked_else_its_highest() -> None:
    both = idx_xml("075", {"056": ("Paris", "20:00:00")}, round=1).replace(
        b"</Tours>",
        idx_xml("075", {"056": ("Paris", "21:00:00")}, round=2)
        .split(b"<Tours>")[1]
        .split(b"</Tours>")[0]
        + b"</Tours>",
    )
    assert read_index(both, "i").communes[("075", "056")].changed == paris(21, 0)
    assert read_index(both, "i", round=1).communes[("075", "056")].changed == paris(20, 0)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Election/>', "DOCTYPE is refused"),
        (b"<Election><Scrutin/></Election>", "no Departement, Region or Commune indexed"),
        (b"<Election><Departements><Departement>", "invalid XML"),
    ],
)
def test_an_index_that_does_not_read_is_a_feed_error_naming_the_file(
    data: bytes, reason: str
) -> None:
    with pytest.raises(FeedError, match=reason) as caught:
        read_index(data, "resultatsT2/index.xml")
    assert str(caught.value).startswith("resultatsT2/index.xml: ")


def test_a_bad_time_in_the_index_names_its_element() -> None:
    bad = NIGHT[0]["index.xml"].replace(b"20:12:00", b"8h12", 1)
    with pytest.raises(FeedError) as caught:
        read_index(bad, "index.xml")
    assert "Election/Departements/Departement/HeureDerMaj = '8h12'" in str(caught.value)


def test_index_files_are_told_from_results_files() -> None:
    step = NIGHT[0]
    assert is_index(step["index.xml"])
    assert is_index(step["011/075/075IDX.xml"])
    results = [step["011/075/075.xml"], step["011/075/075056AR01.xml"]]
    results += [fixture(name) for name in ("075com_T2.xml", "FE_T2.xml", "R1_2A_2024.xml")]
    assert not any(is_index(data) for data in results)


def test_a_later_file_lays_over_an_earlier_one() -> None:
    index = index_of(NIGHT[0]["index.xml"], NIGHT[0]["011/075/075IDX.xml"], NIGHT[1]["index.xml"])
    assert index.departements["075"].changed == paris(20, 47, 10)  # the later index.xml
    assert index.communes[("075", "056AR01")].changed == paris(20, 12)  # kept from the IDX


# --- file names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "place"),
    [
        ("https://h/PR2017/resultatsT2/FE.xml", Place(kind="national")),
        ("https://h/PR2017/resultatsT2/index.xml", Place(kind="index")),
        ("https://h/PR2017/resultatsT2/011/011.xml", Place(kind="région", code="011")),
        ("https://h/PR2017/resultatsT2/011/075/075.xml", Place(kind="département", dept="075")),
        ("https://h/PR2017/resultatsT2/075/075.xml", Place(kind="région", code="075")),
        ("https://h/r/094/02A/02A.xml", Place(kind="département", dept="02A")),
        ("https://h/r/011/075/075com.xml", Place(kind="département", dept="075")),
        ("https://h/r/011/075/075IDX.xml", Place(kind="idx", dept="075")),
        ("https://h/r/011/075/075056AR01.xml", Place(kind="commune", dept="075", code="056AR01")),
        ("https://h/r/001/971/971104.xml?key=1", Place(kind="commune", dept="971", code="104")),
        ("https://h/r/075.xml", None),  # a région or a département: the folders do not say
        ("https://h/r/results.json", None),
        ("075.xml", None),
    ],
)
def test_a_file_name_of_the_ministrys_layout_says_which_place_it_holds(
    path: str, place: Place | None
) -> None:
    assert place_of(path) == place


def test_each_file_takes_its_own_places_mark() -> None:
    index = index_of(NIGHT[1]["index.xml"], NIGHT[1]["011/075/075IDX.xml"])
    mark = index.mark
    assert mark(Place(kind="département", dept="075")) == index.departements["075"]
    assert mark(Place(kind="idx", dept="075")) == index.departements["075"]
    assert mark(Place(kind="commune", dept="075", code="056AR02")).changed == paris(20, 47, 10)  # type: ignore[union-attr]
    assert mark(Place(kind="région", code="093")) == index.regions["093"]
    # A région the index does not list: the latest of its départements, never complete.
    assert mark(Place(kind="région", code="011")) == Mark(changed=paris(20, 47, 10))
    assert mark(Place(kind="national")) == Mark(changed=paris(20, 47, 10))
    assert mark(Place(kind="commune", dept="013", code="055")) is None
    assert mark(Place(kind="index")) is None


# --- dating a version ------------------------------------------------------------------------


def test_a_file_without_a_time_takes_its_last_change_in_the_index() -> None:
    snap = parse(NIGHT[1]["011/075/075.xml"], "075.xml", {}, FETCHED)
    assert snap.updated_at == FETCHED  # the fetch time, said so:
    assert not snap.races[0].dated
    dated = index_of(NIGHT[1]["index.xml"]).stamped(snap)
    assert dated.updated_at == paris(20, 47, 10)
    assert dated.races[0].dated
    assert not dated.races[0].final


def test_complet_o_is_the_races_final_result() -> None:
    snap = parse(NIGHT[2]["011/075/075.xml"], "075.xml", {}, FETCHED)
    dated = index_of(NIGHT[2]["index.xml"]).stamped(snap)
    assert dated.races[0].final
    assert dated.updated_at == paris(21, 15, 30)


def test_a_commune_file_is_dated_by_its_departements_idx() -> None:
    snap = parse(NIGHT[1]["011/075/075056AR01.xml"], "075056AR01.xml", {}, FETCHED)
    dated = index_of(NIGHT[1]["index.xml"], NIGHT[1]["011/075/075IDX.xml"]).stamped(snap)
    assert dated.updated_at == paris(20, 12)  # its own change, not the département's
    assert not dated.races[0].final  # a commune's results in are not "Complet"
    # Without the IDX, the index knows nothing of it: the fetch time stays, said so.
    alone = index_of(NIGHT[1]["index.xml"]).stamped(snap)
    assert alone.updated_at == FETCHED
    assert not alone.races[0].dated


def test_a_communes_file_is_dated_by_its_latest_place() -> None:
    snap = parse(undated(fixture("075com_T2.xml")), "075com.xml", {}, FETCHED)
    index = index_of(
        index_xml({"075": ("21:40:00", False)}),
        idx_xml("075", {"056AR01": ("Paris 1er", "21:10:00"), "056AR02": ("Paris 2e", None)}),
    )
    dated = index.stamped(snap)
    assert dated.updated_at == paris(21, 40)
    assert all(r.dated for r in dated.races)


def test_a_file_with_a_time_of_its_own_keeps_it() -> None:
    snap = parse(fixture("075com_T2.xml"), "075com.xml", {}, FETCHED)  # DateDerMaj 21:42:10
    dated = index_of(index_xml({"075": ("21:50:00", True)})).stamped(snap)
    assert dated.updated_at == paris(21, 42, 10)
    assert dated.race("D075").final  # type: ignore[union-attr]


def test_a_file_the_index_knows_nothing_of_is_left_as_it_is() -> None:
    snap = parse(totals_xml("013", (10, 20), 100), "013.xml", {}, FETCHED)
    assert index_of(index_xml({"075": ("20:00:00", False)})).stamped(snap) == snap


def test_the_night_on_disk_is_the_night_built_in_code() -> None:
    on_disk = sorted((FIXTURES / "night").rglob("*.xml"))
    built = {
        FIXTURES / "night" / str(n) / rel: data
        for n, step in enumerate(NIGHT, 1)
        for rel, data in step.items()
    }
    assert on_disk == sorted(built)
    assert all(path.read_bytes() == data for path, data in built.items())


# --- the command line ------------------------------------------------------------------------


def write_night(root: Path) -> list[Path]:
    """Write the night's three steps as folders 1/, 2/, 3/; return their files in replay
    order, each step's index files first."""
    files = []
    for n, step in enumerate(NIGHT, 1):
        for rel, data in sorted(step.items(), key=lambda kv: not is_index(kv[1])):
            path = root / str(n) / Path(rel).name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            files.append(path)
    return files


def replay(*args: str | Path) -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "replay", "--source-format", "fr-interior-xml",
         "--format", "jsonl", *map(str, args)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_replay_dates_each_file_by_the_index_read_before_it(tmp_path: Path) -> None:
    records = replay(*write_night(tmp_path))
    indexes = [r for r in records if r["kind"] == "index"]
    assert [Path(r["file"]).name for r in indexes] == ["index.xml", "075IDX.xml"] * 3
    events = [r for r in records if r["kind"] != "index"]
    paris_at = {
        (r["kind"], Path(r["file"]).parent.name): datetime.fromisoformat(r["at"])
        for r in events
        if r["race"] == "D075"
    }
    assert paris_at[("final", "3")] == paris(21, 15, 30)  # Complet = O, at its index time
    assert all(at.astimezone(PARIS).date().isoformat() == "2017-05-07" for at in paris_at.values())
    finals = {r["race"] for r in events if r["kind"] == "final"}
    assert finals == {"D075", "D013"}  # each marked Complet in the last index
    text = next(r["text"] for r in events if r["kind"] == "final" and r["race"] == "D075")
    assert "Données de 21:15" in text, text
    commune = [r for r in events if r["race"] == "C075056AR01"]
    assert len(commune) == 1
    assert "Données de 20:12" in commune[0]["text"]  # its own change, not the département's


def test_a_second_replay_of_the_night_into_the_same_store_announces_nothing(
    tmp_path: Path,
) -> None:
    files = write_night(tmp_path / "night")
    db = tmp_path / "night.db"
    first = replay(*files, "--db", db)
    assert any(r["kind"] == "final" for r in first)
    again = replay(*files, "--db", db)
    assert [r["kind"] for r in again] == ["index"] * 6  # the index files read; nothing told
    # Nor without the index: the same files, dated when read, are stale copies now.
    undated_files = [f for f in files if not is_index(f.read_bytes())]
    replay(*undated_files, "--db", tmp_path / "plain.db")
    assert replay(*undated_files, "--db", tmp_path / "plain.db") == []


def test_replay_without_the_index_says_the_time_is_when_received(tmp_path: Path) -> None:
    path = tmp_path / "075.xml"
    path.write_bytes(NIGHT[0]["011/075/075.xml"])
    [event] = replay(path)
    assert "Reçu à" in event["text"], event["text"]
    assert "Données de" not in event["text"]
    at = datetime.fromisoformat(event["at"])
    assert abs((at - datetime.now(UTC)).total_seconds()) < 120  # the time it was read


def fetch(*args: str | Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "fetch", "--source-format", "fr-interior-xml",
         *map(str, args)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_fetch_shows_an_index_and_dates_a_file_by_one(tmp_path: Path) -> None:
    files = {p.name: p for p in write_night(tmp_path) if p.parent.name == "3"}
    shown = fetch(files["index.xml"])
    assert "index  2 département(s)  1 région(s)  0 commune(s)" in shown
    assert "département  075          last change 2017-05-07T21:15:30+02:00  COMPLETE" in shown
    idx = fetch(files["075IDX.xml"])
    assert "commune      075 056AR01  last change 2017-05-07T20:12:00+02:00  RECEIVED" in idx
    dated = fetch(files["075.xml"], "--index", files["index.xml"])
    assert "data time 2017-05-07T21:15:30+02:00" in dated
    assert "FINAL" in dated
    assert "received at" in fetch(files["075.xml"])


def test_an_index_shown_is_capped_unless_every_place_is_asked_for() -> None:
    index = Index(communes={("075", f"{n:03d}"): Mark(changed=None) for n in range(60)})
    capped, every = describe_index(index), describe_index(index, show_all=True)
    assert capped.count("commune      075") == 50
    assert capped.endswith("… and 10 more place(s): --all shows them")
    assert every.count("commune      075") == 60
    assert "more place(s)" not in every
