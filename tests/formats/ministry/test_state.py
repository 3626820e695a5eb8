"""What a parse holds: one copy of each repeated text, the latest data time, commune race ids."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.formats.ministry.state import Commune, State, Wanted


def state() -> State:
    return State(origin="FE.xml", options=Wanted(round=None, communes=None))


def test_a_text_met_twice_is_kept_once() -> None:
    s = state()
    first = s.intern("".join(["Achille ", "MIREPOIX"]))
    again = s.intern("".join(["Achille", " MIREPOIX"]))
    assert first == again
    assert again is first


def test_the_latest_data_time_is_kept() -> None:
    s = state()
    early, late = datetime(2017, 5, 7, 20, tzinfo=UTC), datetime(2017, 5, 7, 21, tzinfo=UTC)
    s.stamped(None)
    assert s.stamp is None
    s.stamped(late)
    s.stamped(early)
    assert s.stamp == late


def test_a_commune_race_id_joins_departement_and_local_code() -> None:
    paris = Commune(dept="075", code="056AR01", local="056AR01", name="Paris 1er", figures=None)
    ajaccio = Commune(dept="02A", code="2A004", local="004", name="Ajaccio", figures=None)
    assert (paris.race_id, ajaccio.race_id) == ("C075056AR01", "C02A004")
