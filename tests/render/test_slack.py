"""Slack's Block Kit layout: mrkdwn escaping, aligned tables, sections and blocks within
Slack's limits, the plain fallback, and blocks read back as one mrkdwn text."""

from __future__ import annotations

from bot.platforms import SLACK
from bot.render.slack import FENCE, blocks, escape, fallback, mrkdwn, table


def _texts(layout: tuple[dict, ...]) -> list[str]:
    return [b["text"]["text"] for b in layout if b["type"] == "section"]


def test_escape_neutralises_mentions_and_tags_only() -> None:
    assert (
        escape("<!channel> & <b>Co</b> *gras*")
        == "&lt;!channel&gt; &amp; &lt;b&gt;Co&lt;/b&gt; *gras*"
    )


def test_table_aligns_names_left_and_figures_right() -> None:
    rows = [("Hamon", "58.70%", "587"), ("Valls", "41.30%", "4,130")]
    assert table(rows) == f"{FENCE}\nHamon  58.70%    587\nValls  41.30%  4,130\n{FENCE}"
    assert table([]) == ""


def test_blocks_are_headline_body_then_footer_context() -> None:
    layout = blocks("*Primaire*", ["ligne 1", "ligne 2", table([("A", "1")]), "après"], "pied")
    assert [b["type"] for b in layout] == ["section"] * 4 + ["context"]
    assert _texts(layout) == ["*Primaire*", "ligne 1\nligne 2", f"{FENCE}\nA  1\n{FENCE}", "après"]
    assert layout[-1]["elements"] == [{"type": "mrkdwn", "text": "pied"}]
    assert blocks("*h*", [], "") == (
        {"type": "section", "text": {"type": "mrkdwn", "text": "*h*"}},
    )


def test_a_long_table_is_split_into_sections_that_each_keep_their_fences() -> None:
    rows = [(f"Candidat {i:04d}", f"{i},00 %") for i in range(400)]
    layout = blocks("*h*", [table(rows)], "")
    parts = _texts(layout)[1:]
    assert len(parts) > 1
    assert all(len(p) <= SLACK.max_section for p in parts)
    assert all(p.startswith(FENCE + "\n") and p.endswith("\n" + FENCE) for p in parts)
    inner = [line for p in parts for line in p.split("\n")[1:-1]]
    assert inner == table(rows).split("\n")[1:-1]  # every row, once, in order


def test_too_many_sections_end_with_an_ellipsis_within_the_block_limit() -> None:
    body = [table([("x" * 2500, "1")]) for _ in range(SLACK.max_blocks + 5)]
    layout = blocks("*h*", body, "pied")
    assert len(layout) == SLACK.max_blocks
    assert _texts(layout)[-1] == "…"
    assert layout[-1]["type"] == "context"


def test_headline_and_footer_are_cut_to_a_section() -> None:
    long = "y" * (SLACK.max_section + 10)
    layout = blocks(long, [], long)
    assert len(_texts(layout)[0]) == SLACK.max_section
    assert len(layout[-1]["elements"][0]["text"]) == SLACK.max_section


def test_fallback_is_the_lines_in_order_and_cut_with_an_ellipsis() -> None:
    assert fallback("h", ["a", "b"], "f") == "h\na\nb\nf"
    cut = fallback("h", ["z" * SLACK.max_fallback], "f")
    assert len(cut) == SLACK.max_fallback
    assert cut.endswith("…")


def test_mrkdwn_reads_sections_and_context_and_turns_dividers_into_blank_lines() -> None:
    layout = (*blocks("*h*", ["corps"], "pied"), {"type": "divider"}, *blocks("*i*", [], ""))
    assert mrkdwn(layout) == "*h*\ncorps\npied\n\n*i*"
