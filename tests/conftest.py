"""Shared fixtures: a real feed server, the fake Bot API and Slack Web API at the platforms'
real limits (a module that wants them time-scaled defines its own `tg` or `slack`), an HTTP
client, PostgreSQL for the tests, a store of each embedded backend (tests/store/conftest.py
has every backend for the store suite)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.store import Store, open_store
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import FakeTelegram
from tests.feedserver import FeedServer
from tests.postgres import Server
from tests.postgres import server as postgres_server
from tests.store.backends import EMBEDDED, Backend

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
# A developer's own tokens and database reach no test (those on PostgreSQL ask for theirs).
for _var in (
    "TELEGRAM_BOT_TOKEN",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SOIREE_DATABASE_URL",
):
    os.environ.pop(_var, None)


@pytest.fixture
async def feed() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()  # real limits: one message a second per chat, 30 a second in all
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()  # real limits: one message a second per channel
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture(scope="session")
def postgres() -> Server:
    """Return the tests' PostgreSQL: $SOIREE_TEST_DATABASE_URL, or a throwaway one."""
    return postgres_server()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client


@pytest.fixture(params=EMBEDDED, ids=lambda b: b.id)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    backend: Backend = request.param
    s = await open_store(await backend.place(tmp_path))
    yield s
    await s.close()
