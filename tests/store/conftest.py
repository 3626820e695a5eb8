"""The store suite's store: one of every backend of tests/store/backends.py, PostgreSQL too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Store, open_store
from tests.store.backends import BACKENDS, Backend


@pytest.fixture(params=BACKENDS, ids=lambda b: b.id)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    backend: Backend = request.param
    s = await open_store(await backend.place(tmp_path))
    yield s
    await s.close()


@pytest.fixture
def backend_of(request: pytest.FixtureRequest) -> Backend:
    """Return the backend of this test's `store`."""
    backend: Backend = request.node.callspec.params["store"]
    return backend
