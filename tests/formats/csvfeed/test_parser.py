"""The CSV parser: long and wide layouts, encodings, separators, sums; bad files name the cell."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import config
from bot.checks import find_anomalies
from bot.formats.csvfeed import check_options, parse
from bot.formats.csvfeed import parser as csvfeed
from bot.formats.errors import FeedError
from bot.formats.registry import PARSERS
from bot.models import Snapshot
from bot.rules import Rules

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "csv"
LONG = (FIXTURES / "long-contract.csv").read_bytes()
BREST_CP1252 = (FIXTURES / "brest-legislatives-2022-t1.cp1252.csv").read_bytes()
BREST_UTF8 = (FIXTURES / "brest-legislatives-2022-t1.utf8.csv").read_bytes()
ORIGIN = "feeds/resultats.csv"
FETCHED = datetime(2022, 6, 12, 21, 5, tzinfo=UTC)
PARIS = timezone(timedelta(hours=1))

BREST: dict[str, Any] = {
    "layout": "wide",
    "election": "legislatives-2022-t1",
    "aggregate": "race",
    "level": "circonscription",
    "race_name": "Finistère, circonscription {code}",
    "columns": {
        "race_id": "Circo",
        "registered": "Inscrits",
        "voters": "Votants",
        "blank": "Blancs",
        "null": "Nuls",
        "valid": "Exprimés",
    },
    "candidate_votes": "^(?P<name>.+) - votes$",
    "candidate_share": "^(?P<name>.+) - pourcentage$",
}

BUREAU_HEADER = (
    ";Numéro;Circo;Inscrits;Votants;Blancs;Nuls;Exprimés;A - votes;A - pourcentage;B - votes"
)


def brest(data: bytes, **changes: Any) -> Snapshot:
    return parse(data, ORIGIN, {**BREST, **changes}, FETCHED)


def lines(*rows: str, sep: str = "\n") -> bytes:
    return (sep.join(rows) + sep).encode("utf-8")


def reject(data: bytes, options: dict[str, Any] | None = None) -> FeedError:
    with pytest.raises(FeedError) as caught:
        parse(data, ORIGIN, {} if options is None else options, FETCHED)
    assert caught.value.origin == ORIGIN
    assert str(caught.value).startswith(f"{ORIGIN}: ")
    return caught.value


def no_anomalies(snap: Snapshot) -> None:
    for race in snap.races:
        assert find_anomalies(None, race, Rules()) == [], race.id


# --- the long layout: the recommended contract ----------------------------------------------


def test_long_contract_parses_with_no_options() -> None:
    snap = parse(LONG, "feeds/long-contract.csv", {}, FETCHED)

    assert snap.election == "long-contract"
    assert snap.updated_at == datetime(2027, 1, 24, 21, 30, tzinfo=PARIS)
    assert [r.id for r in snap.races] == ["fe", "29"]
    fe, fin = snap.races
    assert (fe.name, fe.code, fe.level) == ("France entière", "FE", "national")
    assert (fe.units.counted, fe.units.total) == (3100, 7500)
    assert fe.turnout.registered is None
    assert (fe.turnout.voters, fe.turnout.blank, fe.turnout.null) == (412034, 2201, 1450)
    assert fe.turnout.valid == 408383
    assert [(c.id, c.name, c.votes) for c in fe.candidates] == [
        ("CAND_A", "Élise Durand", 143790),
        ("CAND_B", "Marc Lefèvre", 131002),
        ("CAND_C", "Sofia Benali", 133591),
    ]
    assert fe.candidates[0].share == pytest.approx(100 * 143790 / 408383)
    assert all(c.published_share is None for c in fe.candidates)
    assert (fin.code, fin.units.counted, fin.units.total, fin.turnout.registered) == (
        "29",
        180,
        420,
        133000,
    )
    assert fin.votes_cast == fin.turnout.valid == 44700
    no_anomalies(snap)


def test_long_layout_with_explicit_columns_and_a_constant_race() -> None:
    data = lines(
        "Candidat,Voix,Pourcentage,Bureaux dépouillés,Bureaux",
        'Benoît Hamon,"650 000","58,65 %",4422,7370',
        'Manuel Valls,"458 180","41,35 %",4422,7370',
    )
    options = {
        "race_id": "national",
        "race_name": "Primaire, 2nd tour",
        "columns": {
            "candidate_name": "candidat",
            "votes": "VOIX",
            "share": "Pourcentage",
            "units_counted": "Bureaux dépouillés",
            "units_total": "Bureaux",
        },
    }

    snap = parse(data, ORIGIN, options, FETCHED)

    (race,) = snap.races
    assert (race.id, race.name, race.code) == ("national", "Primaire, 2nd tour", None)
    assert (race.units.counted, race.units.total) == (4422, 7370)
    assert [(c.id, c.votes, c.published_share) for c in race.candidates] == [
        ("benoit-hamon", 650000, 58.65),
        ("manuel-valls", 458180, 41.35),
    ]
    assert snap.updated_at == FETCHED
    assert snap.election == "resultats"


def test_long_layout_sums_bureau_rows_by_unit() -> None:
    data = lines(
        "bureau;circo;inscrits;votants;nom;voix",
        "0001;01;1000;600;Alice;350",
        "0001;01;1000;600;Bruno;250",
        "0002;01;800;400;Alice;100",
        "0002;01;800;400;Bruno;300",
        "0003;01;900;;Alice;",
        "0003;01;900;;Bruno;",
        "0001;02;700;500;Chloé;500",
    )
    options = {
        "aggregate": "race",
        "columns": {
            "unit": "bureau",
            "race_id": "circo",
            "registered": "inscrits",
            "voters": "votants",
            "candidate_name": "nom",
            "votes": "voix",
        },
    }

    snap = parse(data, ORIGIN, options, FETCHED)

    one, two = snap.races
    assert (one.id, one.units.counted, one.units.total) == ("01", 2, 3)
    assert (one.turnout.registered, one.turnout.voters) == (1800, 1000)
    assert [(c.name, c.votes) for c in one.candidates] == [("Alice", 450), ("Bruno", 550)]
    assert all(c.published_share is None for c in one.candidates)
    assert (two.id, two.units.counted, two.units.total, two.votes_cast) == ("02", 1, 1, 500)


def test_a_unit_whose_rows_disagree_is_rejected() -> None:
    data = lines(
        "bureau;votants;nom;voix",
        "0001;600;Alice;350",
        "0001;601;Bruno;250",
    )
    options = {
        "columns": {
            "unit": "bureau",
            "voters": "votants",
            "candidate_name": "nom",
            "votes": "voix",
        },
    }

    err = reject(data, options)

    assert err.field == "line 3, column 'votants'"
    assert err.value == "601"
    assert "line 2" in err.reason


# --- the wide layout: a party's per-bureau table ---------------------------------------------


def test_brest_wide_file_sums_its_bureaux() -> None:
    snap = brest(BREST_UTF8)

    assert snap.election == "legislatives-2022-t1"
    assert snap.updated_at == FETCHED
    (race,) = snap.races
    assert (race.id, race.code, race.level) == ("02", "02", "circonscription")
    assert race.name == "Finistère, circonscription 02"
    # Five bureaux listed, four with results; the fifth adds nothing but its place in the total.
    assert (race.units.counted, race.units.total) == (4, 5)
    t = race.turnout
    assert (t.registered, t.voters, t.blank, t.null, t.valid) == (3881, 1883, 45, 13, 1825)
    assert [(c.id, c.name, c.votes) for c in race.candidates] == [
        ("m-cadalen-pierre-yves", "M. CADALEN Pierre-Yves", 704),
        ("mme-le-gall-anne", "Mme LE GALL Anne", 512),
        ("m-kervella-yann", "M. KERVELLA Yann", 416),
        ("mme-morvan-soizic", "Mme MORVAN Soizic", 193),
    ]
    assert race.candidates[0].share == pytest.approx(100 * 704 / 1825)
    assert all(c.published_share is None for c in race.candidates)
    no_anomalies(snap)


def test_cp1252_with_decimal_commas_parses_like_its_utf8_twin() -> None:
    assert BREST_CP1252 != BREST_UTF8
    assert "’".encode("cp1252") in BREST_CP1252
    assert b"\r\n" in BREST_CP1252

    assert brest(BREST_CP1252) == brest(BREST_UTF8)
    assert brest(BREST_CP1252, encoding="cp1252") == brest(BREST_UTF8, encoding="utf-8")
    assert brest(b"\xef\xbb\xbf" + BREST_UTF8) == brest(BREST_UTF8)


def test_one_bureau_keeps_its_published_percentages() -> None:
    first_bureau = b"\n".join(BREST_UTF8.splitlines()[:2])

    (race,) = brest(first_bureau).races

    assert (race.units.counted, race.units.total) == (1, 1)
    assert [c.published_share for c in race.candidates] == [28.07, 32.97, 26.70, 12.26]
    assert race.candidates[0].votes == 103
    no_anomalies(brest(first_bureau))


def test_wide_rows_of_two_races_are_summed_apart() -> None:
    data = lines(
        BUREAU_HEADER,
        "0;104;02;805;384;17;0;367;200;54,50 %;167",
        "1;079;02;1012;530;9;4;517;300;58,03 %;217",
        "2;201;03;600;300;0;0;300;100;33,33 %;200",
    )

    snap = brest(data)

    two, three = snap.races
    assert (two.id, two.units.counted, two.turnout.valid, two.votes_cast) == ("02", 2, 884, 884)
    assert [c.votes for c in two.candidates] == [500, 384]
    assert (three.id, three.units.counted, three.votes_cast) == ("03", 1, 300)
    assert three.candidates[0].published_share == 33.33
    no_anomalies(snap)


def test_a_constant_race_id_sums_every_row_into_one_national_race() -> None:
    data = lines(
        BUREAU_HEADER,
        "0;104;02;805;384;17;0;367;200;54,50 %;167",
        "2;201;03;600;300;0;0;300;100;33,33 %;200",
    )
    columns = {k: v for k, v in BREST["columns"].items() if k != "race_id"}

    snap = brest(data, columns=columns, race_id="national", race_name="Finistère")

    (race,) = snap.races
    assert (race.id, race.name, race.code) == ("national", "Finistère", None)
    assert (race.units.counted, race.units.total, race.votes_cast) == (2, 2, 667)


def test_without_aggregate_a_race_met_twice_is_rejected() -> None:
    data = lines(
        BUREAU_HEADER,
        "0;104;02;805;384;17;0;367;200;54,50 %;167",
        "1;079;02;1012;530;9;4;517;300;58,03 %;217",
    )

    err = reject(data, {**BREST, "aggregate": "none"})

    assert err.field == "line 3, column 'Circo'"
    assert err.value == "02"
    assert 'aggregate = "race"' in err.reason


def test_numbered_blocks_of_a_data_gouv_file() -> None:
    """The 2024 data.gouv shape: every block numbered, names in cells, a padded last block."""
    header = (
        "Code département;Code commune;Code BV;Inscrits;Votants;Exprimés;Blancs;Nuls;"
        "Numéro de panneau 1;Nom candidat 1;Prénom candidat 1;Voix 1;% Voix/exprimés 1;"
        "Numéro de panneau 2;Nom candidat 2;Prénom candidat 2;Voix 2;% Voix/exprimés 2;"
        "Numéro de panneau 3;Nom candidat 3;Prénom candidat 3;Voix 3;% Voix/exprimés 3"
    )
    data = lines(
        header,
        '"01";"01004";"0001";1024;702;680;15;7;1;MARTIN;Alice;371;"54,56%";2;DURAND;Bruno;309;"45,44%";;;;;',
        '"01";"01004";"0002";990;650;630;12;8;2;DURAND;Bruno;330;"52,38%";1;MARTIN;Alice;300;"47,62%";;;;;',
    )
    options = {
        "layout": "wide",
        "race_id": "01-1",
        "columns": {
            "registered": "Inscrits",
            "voters": "Votants",
            "valid": "Exprimés",
            "blank": "Blancs",
            "null": "Nuls",
        },
        "candidate_votes": r"^Voix (?P<key>\d+)$",
        "candidate_share": r"^% Voix/exprimés (?P<key>\d+)$",
        "candidate_name": [r"^Prénom candidat (?P<key>\d+)$", r"^Nom candidat (?P<key>\d+)$"],
        "candidate_id": r"^Numéro de panneau (?P<key>\d+)$",
    }

    snap = parse(data, ORIGIN, options, FETCHED)

    (race,) = snap.races
    assert [(c.id, c.name, c.votes) for c in race.candidates] == [
        ("1", "Alice MARTIN", 671),
        ("2", "Bruno DURAND", 639),
    ]
    assert (race.units.counted, race.units.total, race.turnout.valid) == (2, 2, 1310)
    no_anomalies(snap)
    one_bureau = parse(b"\n".join(data.splitlines()[:2]), ORIGIN, options, FETCHED)
    assert [c.published_share for c in one_bureau.races[0].candidates] == [54.56, 45.44]


# --- separators, quoting, index column ------------------------------------------------------


def rewrite(data: bytes, delimiter: str, quoting: int = csv.QUOTE_MINIMAL) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize(
    ("delimiter", "quoting"),
    [
        (";", csv.QUOTE_MINIMAL),
        ("\t", csv.QUOTE_MINIMAL),
        (",", csv.QUOTE_ALL),
        (";", csv.QUOTE_ALL),
    ],
)
def test_separators_and_quoting_give_the_same_snapshot(delimiter: str, quoting: int) -> None:
    expected = parse(LONG, ORIGIN, {}, FETCHED)

    assert parse(rewrite(LONG, delimiter, quoting), ORIGIN, {}, FETCHED) == expected
    named = {";": ";", "\t": "tab", ",": ","}[delimiter]
    assert (
        parse(rewrite(LONG, delimiter, quoting), ORIGIN, {"delimiter": named}, FETCHED) == expected
    )


def test_a_comma_file_with_quoted_decimal_commas() -> None:
    semicolons = brest(BREST_UTF8)
    rows = list(csv.reader(io.StringIO(BREST_UTF8.decode("utf-8")), delimiter=";"))
    out = io.StringIO()
    csv.writer(out, delimiter=",").writerows(rows)

    assert brest(out.getvalue().encode("utf-8")) == semicolons


# --- the data time -----------------------------------------------------------------------------


def stamped(stamp: str) -> bytes:
    return lines("maj;nom;voix", f"{stamp};Alice;10", f"{stamp};Bruno;5")


STAMPED = {"columns": {"updated_at": "maj", "candidate_name": "nom", "votes": "voix"}}


@pytest.mark.parametrize(
    ("cell", "options", "expected"),
    [
        ("2027-01-24T21:30:00+01:00", {}, datetime(2027, 1, 24, 21, 30, tzinfo=PARIS)),
        ("2027-01-24T20:30:00Z", {}, datetime(2027, 1, 24, 20, 30, tzinfo=UTC)),
        (
            "24/01/2027 21:30",
            {"timezone": "Europe/Paris"},
            datetime(2027, 1, 24, 21, 30, tzinfo=PARIS),
        ),
        (
            "2027-01-24 21:30:15",
            {"timezone": "Europe/Paris"},
            datetime(2027, 1, 24, 21, 30, 15, tzinfo=PARIS),
        ),
        ("", {}, FETCHED),
    ],
)
def test_updated_at(cell: str, options: dict[str, Any], expected: datetime) -> None:
    assert parse(stamped(cell), ORIGIN, {**STAMPED, **options}, FETCHED).updated_at == expected


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("24/01/2027 21:30", "UTC offset"),
        ("2027-01-24T21:30:00", "UTC offset"),
        ("demain soir", "ISO 8601"),
        ("31/02/2027 21:30", "ISO 8601"),
    ],
)
def test_a_bad_updated_at_names_its_cell(cell: str, reason: str) -> None:
    err = reject(stamped(cell), STAMPED)

    assert (err.field, err.value) == ("line 2, column 'maj'", cell)
    assert reason in err.reason


def test_without_a_data_time_the_fetch_time_dates_the_snapshot() -> None:
    # The fetch time is an argument of every parse: a file without a data time is never
    # undated (it was rejected when a caller gave no fetch time).
    later = datetime(2022, 6, 12, 22, tzinfo=UTC)

    assert parse(stamped(""), ORIGIN, STAMPED, later).updated_at == later


# --- bad files: each names the file, the line, the column and the value -----------------------

HEADER, ROW = LONG.decode("utf-8").splitlines()[:2]


def long_with(*rows: str) -> bytes:
    return lines(HEADER, *rows)


@pytest.mark.parametrize(
    ("data", "field", "value", "reason"),
    [
        (
            long_with(ROW.replace(",143790", ",143 79O")),
            "line 2, column 'voix'",
            "143 79O",
            "whole",
        ),
        (long_with(ROW.replace(",143790", ",-5")), "line 2, column 'voix'", "-5", "whole"),
        (long_with(ROW.replace(",143790", ",12.5")), "line 2, column 'voix'", "12.5", "whole"),
        (
            long_with(ROW, ROW.replace(",412034,", ",NaN,")),
            "line 3, column 'votants'",
            "NaN",
            "whole",
        ),
        (long_with(ROW.replace(",3100,", ",9999,")), "race 'fe' (line 2)", 9999, "more units"),
        (long_with(ROW, ROW), "line 3, column 'candidate_id'", "CAND_A", "twice"),
        (long_with(ROW.rsplit(",", 3)[0]), "line 2, column 'candidate_id'", "408383", "truncated"),
        (long_with(ROW + ",surplus"), "line 2, field 14", "surplus", "more fields"),
        (
            long_with(ROW.replace("Élise", '"Élise')),
            "line 2",
            "unexpected end of data",
            "malformed",
        ),
        (
            long_with(ROW.replace("Élise", "É" * 1001)),
            "line 2, column 'candidate_name'",
            None,
            "1000",
        ),
        (long_with(ROW.replace(",FE,", ",—,")), "line 2, column 'scope_code'", "—", "race code"),
        (
            long_with(ROW.replace("CAND_A,Élise Durand", ",")),
            "line 2, column 'candidate_name'",
            "",
            "name",
        ),
        (lines(HEADER), "(document)", "13 columns", "no data rows"),
        (b"", "(document)", b"", "empty"),
        (lines("one column only", "1"), "line 1", "one column only", "separator"),
    ],
)
def test_bad_long_files_are_rejected(data: bytes, field: str, value: Any, reason: str) -> None:
    err = reject(data)

    assert err.field == field
    if value is not None:
        assert err.value == value
    assert reason in err.reason


@pytest.mark.parametrize(
    ("cell", "reason"),
    [("101,5 %", "between 0 and 100"), ("beaucoup", "percentage"), ("-3,2%", "percentage")],
)
def test_a_bad_percentage_names_its_cell(cell: str, reason: str) -> None:
    data = lines(BUREAU_HEADER, f"0;104;02;805;384;17;0;367;200;{cell};167")

    err = reject(data, BREST)

    assert (err.field, err.value) == ("line 2, column 'A - pourcentage'", cell)
    assert reason in err.reason


def test_a_mapped_column_missing_from_the_header() -> None:
    err = reject(LONG, {"columns": {"candidate_name": "candidate_name", "votes": "votes"}})

    assert (err.field, err.value) == ("columns.votes", "votes")
    assert "no such column" in err.reason
    assert "'voix'" in err.reason


def test_a_pattern_that_matches_no_column() -> None:
    options = {**BREST, "candidate_votes": "^(?P<name>.+) - voix$"}
    del options["candidate_share"]

    err = reject(BREST_UTF8, options)

    assert err.field == "line 1"
    assert "candidate_votes" in err.reason


def test_the_wrong_encoding_is_rejected() -> None:
    err = reject(BREST_CP1252, {**BREST, "encoding": "utf-8"})

    assert err.field == "line 1"
    assert err.value == "éro;Bure".encode("cp1252")
    assert err.reason == "not utf-8"


def test_utf16_is_rejected() -> None:
    err = reject(BREST_UTF8.decode("utf-8").encode("utf-16"), BREST)

    assert err.field == "line 1"
    assert "UTF-16" in err.reason


def test_rows_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvfeed, "MAX_ROWS", 2)

    err = reject(LONG)

    assert err.field == "line 4"
    assert "more than 2 rows" in err.reason


def test_a_field_over_the_csv_module_limit_is_rejected() -> None:
    err = reject(long_with(ROW.replace("Élise Durand", "x" * 200_000)))

    assert err.field == "line 2"
    assert "field larger than field limit" in str(err.value)


def outcome(data: bytes, options: dict[str, Any]) -> str:
    try:
        snap = parse(data, ORIGIN, options, FETCHED)
    except FeedError as exc:
        return f"rejected {exc.origin}"
    return "parsed" if snap.races else "empty"


FUZZ_BASE = b"\n".join(BREST_CP1252.splitlines()[:3])


@settings(max_examples=300, deadline=None)
@given(
    cut=st.integers(0, len(FUZZ_BASE)),
    at=st.integers(0, len(FUZZ_BASE) - 1),
    junk=st.binary(max_size=8),
)
def test_damaged_files_raise_only_feed_errors(cut: int, at: int, junk: bytes) -> None:
    data = (FUZZ_BASE[:at] + junk + FUZZ_BASE[at:])[:cut]
    assert outcome(data, BREST) in ("parsed", f"rejected {ORIGIN}")


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_any_bytes_raise_only_feed_errors(data: bytes) -> None:
    assert outcome(data, {}) in ("parsed", f"rejected {ORIGIN}")


# --- options ----------------------------------------------------------------------------------

WIDE = {"layout": "wide", "candidate_votes": "^(?P<name>.+) - votes$"}


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"layout": "diagonal"}, "layout: expected 'long' or 'wide'"),
        ({"colums": {}}, "colums: unknown option"),
        ({"columns": "voix"}, "columns: expected a table"),
        (
            {"columns": {"votes": 3, "candidate_name": "nom"}},
            "columns.votes: expected a column name",
        ),
        ({"columns": {"votes": " ", "candidate_name": "nom"}}, "columns.votes: expected a column"),
        ({"columns": {"candidate_name": "nom"}}, "columns.votes: expected a column name"),
        ({"columns": {"votes": "voix"}}, "columns.candidate_name: expected a column name"),
        ({"columns": {"voix": "voix"}}, "columns.voix: unknown field"),
        ({"aggregate": "sum"}, "aggregate: expected 'race' or 'none'"),
        ({"delimiter": "|"}, "delimiter: expected"),
        ({"delimiter": [";"]}, "delimiter: expected"),
        ({"layout": ["wide"]}, "layout: expected"),
        ({"encoding": "utf-16"}, "encoding: expected"),
        ({"encoding": "klingon"}, "encoding: expected"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone: expected an IANA time zone"),
        ({"election": ""}, "election: expected a non-empty string"),
        ({"level": 3}, "level: expected a non-empty string"),
        (
            {"race_id": "fe", "columns": {"race_id": "c", "candidate_name": "n", "votes": "v"}},
            "race_id: give either",
        ),
        ({"candidate_votes": "^(?P<name>.+)$"}, 'candidate_votes: only with layout = "wide"'),
        ({"layout": "wide"}, "candidate_votes: expected a pattern"),
        (
            {**WIDE, "candidate_votes": "(unclosed"},
            "candidate_votes: not a valid regular expression",
        ),
        ({**WIDE, "candidate_votes": "^.+ - votes$"}, "candidate_votes: the pattern needs a group"),
        (
            {**WIDE, "candidate_name": "^Nom (?P<name>.+)$"},
            "candidate_name: the pattern needs a group (?P<key>",
        ),
        (
            {**WIDE, "candidate_name": ["^Nom (?P<key>.+)$", 3]},
            "candidate_name[1]: expected a regular",
        ),
        ({**WIDE, "columns": {"votes": "voix"}}, 'columns.votes: only with layout = "long"'),
    ],
)
def test_check_options_names_the_key(options: dict[str, Any], error: str) -> None:
    errors = check_options(options)

    assert errors, options
    assert any(e.startswith(error) for e in errors), errors


@pytest.mark.parametrize(
    "options",
    [
        {},
        BREST,
        {"layout": "long", "delimiter": "tab", "encoding": "latin-1"},
        {"_anything": 1},
        {"_fetched_at": "ce soir"},  # no longer checked: the fetch time is parse's argument
    ],
)
def test_good_options_have_no_errors(options: dict[str, Any]) -> None:
    assert check_options(options) == []


def test_parse_refuses_bad_options() -> None:
    err = reject(LONG, {"layout": "diagonal"})

    assert err.field == "(options)"
    assert str(err.value).startswith("layout:")


def test_registered_and_checked_at_config_load(tmp_path: Path) -> None:
    assert PARSERS["csv"].check is check_options
    feed = tmp_path / "feed.csv"
    feed.write_bytes(LONG)
    path = tmp_path / "soiree.toml"
    path.write_text(
        '[[sources]]\nid = "sheet"\nformat = "csv"\npath = "feed.csv"\n'
        "[sources.options]\nlayout = \"wide\"\ncandidate_votes = '^(?P<name>.+) - votes$'\n"
        "[sources.options.columns]\nvotes = 3\n",
        encoding="utf-8",
    )

    with pytest.raises(config.ConfigError) as caught:
        config.load(path)

    assert "sources[0].options.columns.votes: expected a column name" in str(caught.value)
