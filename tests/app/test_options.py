"""How to run: the default clock is aware and in UTC, and each run reads its own copy of the
environment."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from bot.app import Options, utcnow


def test_utcnow_is_aware_and_now() -> None:
    before = datetime.now(UTC)
    now = utcnow()
    assert now.tzinfo is UTC
    assert before <= now <= datetime.now(UTC)


def test_options_default_to_the_real_clock_and_a_copy_of_the_environment() -> None:
    options = Options()
    assert options.clock is utcnow
    assert dict(options.env) == dict(os.environ)
    assert options.env is not os.environ  # a test's change to one run's env stays there
    assert (options.speed, options.rate_scale, options.paused) == (1.0, 1.0, False)
