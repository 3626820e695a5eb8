"""A message and its parts: splitting text on lines, images keyed by content, digests of
several messages (joined, within the Block Kit and caption limits)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.render.message import Image, Message, digests, merge, split_text

# --- split_text ---------------------------------------------------------------------------

LINES = [f"line {i:02d} " + "x" * (i % 7) for i in range(40)]
TEXT = "\n".join(LINES)


@pytest.mark.parametrize("limit", [20, 33, 64, 100, 4096])
def test_split_text_on_line_boundaries(limit: int) -> None:
    chunks = split_text(TEXT, limit)
    assert all(0 < len(c) <= limit for c in chunks)
    assert "\n".join(chunks) == TEXT
    # No line is cut: each chunk is whole lines.
    for chunk in chunks:
        assert all(line in LINES for line in chunk.split("\n"))
    if len(TEXT) > limit:
        assert len(chunks) > 1
    else:
        assert chunks == [TEXT]


def test_split_text_packs_lines_greedily() -> None:
    assert split_text("aaa\nbbb\nccc", 7) == ["aaa\nbbb", "ccc"]
    assert split_text("aaa\nbbb\nccc", 11) == ["aaa\nbbb\nccc"]


def test_split_text_cuts_an_overlong_line() -> None:
    long = "y" * 25
    chunks = split_text(f"head\n{long}\ntail", 10)
    assert all(len(c) <= 10 for c in chunks)
    assert chunks[0] == "head"
    assert "".join(chunks[1:]).replace("\n", "") == long + "tail"
    assert chunks[1:3] == ["y" * 10, "y" * 10]


def test_split_text_of_a_single_long_line() -> None:
    chunks = split_text("z" * 95, 10)
    assert len(chunks) == 10
    assert all(len(c) <= 10 for c in chunks)
    assert "".join(chunks) == "z" * 95


def test_split_text_short_text_is_one_chunk() -> None:
    assert split_text("bonsoir", 4096) == ["bonsoir"]
    assert split_text("", 10) == [""]


@given(
    lines=st.lists(
        st.text(alphabet=st.characters(blacklist_characters="\n"), min_size=1, max_size=30),
        min_size=1,
        max_size=30,
    ),
    limit=st.integers(min_value=30, max_value=200),
)
def test_split_text_restores_short_lines(lines: list[str], limit: int) -> None:
    text = "\n".join(lines)
    chunks = split_text(text, limit)
    assert all(len(c) <= limit for c in chunks)
    assert "\n".join(chunks) == text


@given(text=st.text(max_size=300), limit=st.integers(min_value=1, max_value=50))
def test_split_text_never_exceeds_the_limit_nor_loses_characters(text: str, limit: int) -> None:
    chunks = split_text(text, limit)
    assert all(len(c) <= limit for c in chunks)
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")


# --- images --------------------------------------------------------------------------------


def test_an_image_is_keyed_by_its_content_and_compared_by_its_key() -> None:
    one, same, other = (
        Image.of(b"png-1", "chart"),
        Image.of(b"png-1", "chart"),
        Image.of(b"png-2", "chart"),
    )
    assert one.key == same.key != other.key
    assert len(one.key) == 32
    assert one.data == b"png-1"
    assert Image(key=one.key, alt="chart") == one  # the bytes are the store's, not the key's


def test_with_image_keeps_the_text_and_blocks() -> None:
    message = Message(text="t", blocks=({"type": "section"},))
    image = Image.of(b"png", "chart")
    assert message.with_image(image) == Message(text="t", blocks=message.blocks, image=image)
    assert message.with_image(image).with_image(None) == message


# --- digests -------------------------------------------------------------------------------


def test_merge_joins_texts_and_divides_blocks() -> None:
    a = Message(text="a", blocks=({"type": "section", "n": 1},))
    b = Message(text="b", blocks=({"type": "section", "n": 2},))
    assert merge([a]) is a
    assert merge([a, b]) == Message(
        text="a\n\nb",
        blocks=({"type": "section", "n": 1}, {"type": "divider"}, {"type": "section", "n": 2}),
    )


def test_merge_drops_blocks_unless_every_message_has_them_and_keeps_the_picture() -> None:
    picture = Image.of(b"png", "chart")
    merged = merge(
        [Message(text="a", blocks=({"type": "section"},)), Message(text="b", image=picture)]
    )
    assert merged == Message(text="a\n\nb", image=picture)


def test_digests_respect_the_block_limit() -> None:
    wide = Message(text="x", blocks=tuple({"type": "section"} for _ in range(20)))
    assert digests([wide, wide, wide], most=10) == [2, 1]  # 20 + divider + 20 = 41; +21 > 50
    assert digests([Message(text="x")] * 25, most=10) == [10, 10, 5]


def test_a_digest_holds_one_picture_within_the_caption_limit() -> None:
    picture = Message(text="p" * 400, image=Image(key="k", alt="chart"))
    text = Message(text="t" * 400)
    # One picture per digest; text joins it while the whole caption fits 1,024 characters.
    assert digests([picture, text, text], most=10, caption_limit=1024) == [2, 1]
    assert digests([text, picture, picture], most=10, caption_limit=1024) == [2, 1]
    assert digests([picture, picture], most=10) == [1, 1]
    assert digests([picture, text, text], most=10) == [3]  # no caption limit (Slack)
