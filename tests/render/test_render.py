"""The render package's own logic: each platform's markup, read from the platform table."""

from __future__ import annotations

import pytest

from bot.render import markup_for


@pytest.mark.parametrize(
    ("platform", "markup"),
    [("console", "plain"), ("telegram", "html"), ("slack", "slack"), ("carrier-pigeon", "plain")],
)
def test_each_platform_is_rendered_in_its_markup(platform: str, markup: str) -> None:
    assert markup_for(platform) == markup
