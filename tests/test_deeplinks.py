"""Deep-link payloads: within Telegram's 64 characters of A-Za-z0-9_-, and back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.deeplinks import MAIN, PAYLOAD, BotLinks, payload_for, subscribe_args


def test_a_plain_id_is_its_own_payload() -> None:
    assert payload_for("national") == "national"
    assert payload_for("D02A") == "D02A"
    assert subscribe_args("D02A") == ["D02A"]


def test_an_area_and_the_main_races() -> None:
    assert payload_for("area:75") == "zone-75"
    assert subscribe_args("zone-75") == ["zone", "75"]
    assert payload_for("") == MAIN
    assert subscribe_args(MAIN) == []


def test_an_id_with_other_characters_travels_encoded() -> None:
    payload = payload_for("légis:01-01")
    assert payload is not None
    assert payload.startswith("b64-")
    assert PAYLOAD.fullmatch(payload)
    assert subscribe_args(payload) == ["légis:01-01"]
    star = payload_for("*")
    assert star is not None
    assert subscribe_args(star) == ["*"]


def test_an_id_named_like_a_payload_form_is_encoded_too() -> None:
    for tricky in ("main", "b64-x", "zone-"):
        payload = payload_for(tricky)
        assert payload is not None
        assert payload.startswith("b64-")
        assert subscribe_args(payload) == [tricky]


def test_too_long_an_id_has_no_payload() -> None:
    assert payload_for("x" * 64) == "x" * 64
    assert payload_for("x" * 65) is None  # over 64, and its encoding longer still
    assert payload_for("é" * 40) is None


def test_a_payload_we_did_not_make() -> None:
    assert subscribe_args("b64-%%") is None
    assert subscribe_args("b64-_w") is None  # not UTF-8


@given(st.text(min_size=1, max_size=40).filter(lambda t: t.strip()))
def test_every_target_that_has_a_payload_comes_back(target: str) -> None:
    payload = payload_for(target)
    if payload is None:
        return
    assert PAYLOAD.fullmatch(payload)
    words = subscribe_args(payload)
    if target.startswith("area:"):
        assert words == ["zone", target[5:]]
    else:
        assert words == [target]


def test_links_need_the_bots_name() -> None:
    assert BotLinks().link("national") is None
    assert BotLinks(username="SoireeBot").link("national") == (
        "https://t.me/SoireeBot?start=national"
    )
    assert BotLinks(username="SoireeBot").link("x" * 80) is None
