"""Helpers of the command tests: a store holding races, the commands over it as the app
makes them (tests/commands/test_share.py and test_inline.py share them)."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from bot.app import display_of
from bot.charts import Charts
from bot.commands import Commands
from bot.config import Config, load
from bot.deeplinks import BotLinks
from bot.models import Race, replace
from bot.store import Cycle, Store
from tests.builders import race, snap

ROOT = Path(__file__).resolve().parents[2]

NATIONAL = race({"hamon": 1_120_180, "valls": 789_770}, counted=5_000, total=7_370,
                race_id="national", name="Primaire de la gauche")  # fmt: skip
PARIS_DEP = replace(
    race({"hamon": 900, "valls": 700}, counted=30, total=60, race_id="D075", name="Paris"),
    code="075",
)
PARIS_TOWN = replace(
    race({"hamon": 400, "valls": 300}, counted=3, total=6, race_id="C75056", name="Paris"),
    code="75056",
)
CORSE = replace(
    race({"hamon": 80, "valls": 20}, counted=1, total=4, race_id="D02A", name="Corse-du-Sud"),
    code="02A",
)
# An id that is no start payload as it stands (a colon, an accent).
ODD = race({"hamon": 5, "valls": 5}, counted=1, total=2, race_id="légis:01-01",
           name="Ain, 1re circonscription")  # fmt: skip
EMPTY = race({"hamon": 0, "valls": 0}, counted=0, total=80, race_id="D002", name="Aisne")
ALL = (NATIONAL, PARIS_DEP, PARIS_TOWN, CORSE, ODD, EMPTY)


def demo_config() -> Config:
    """Return the demo's config (French, main race "national") on a store in memory."""
    return dataclasses.replace(load(ROOT / "config" / "demo.toml"), db=Path(":memory:"))


async def commit(store: Store, *races: Race) -> None:
    """Store races as one feed version at 20:40 in Paris."""
    snapshot = snap(*races, minutes=70)
    raw = b'{"stored": "by the test"}'
    await store.commit_cycle(
        Cycle(
            source="demo",
            snapshot=snapshot,
            raw=raw,
            sha256=hashlib.sha256(raw).hexdigest(),
            fetched_at=snapshot.updated_at,
            baseline=snapshot,
            events=(),
            deliveries=(),
            flagged_races=frozenset(),
        )
    )


def commands_of(
    store: Store, config: Config, *, links: BotLinks | None = None, charts: Charts | None = None
) -> Commands:
    """Return the commands over a store, as the app makes them."""
    return Commands(store, display_of(config), config.rules, main_races=config.main_races,
                    links=links, charts=charts)  # fmt: skip
