"""`python -m bot store copy`: a SQLite store rehearsed on, into PostgreSQL and back, whole."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import sys
from pathlib import Path
from typing import Any, cast

from bot.diff import advance, diff
from bot.logs import redact_url
from bot.render.message import Image, Message
from bot.rules import Rules
from bot.store import Cycle, Delivery, LiveBoard, RejectedVersion, Store, Subscription, open_store
from bot.store.copy import RowStore
from bot.store.tables import TABLES
from tests.builders import at, race, snap
from tests.postgres import Server
from tests.support import ROOT


async def bot(*args: str) -> tuple[int, str, str]:
    """Run the command line as a child process; return its status, stdout and stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def quiet(stderr: str) -> bool:
    """Say whether a child said nothing but that it made a store's schema."""
    return all("INFO bot.store: store schema migrated" in line for line in stderr.splitlines())


async def rehearsed(store: Store) -> None:
    """Fill every table: two versions, their events and images, subscriptions (one gone),
    an outbox with sent, failed and pending rows, a live board, settings, a version set aside."""
    prev = None
    for minutes, votes in ((10, {"a": 60, "b": 40}), (20, {"a": 45, "b": 55})):
        s = snap(race(votes, counted=minutes * 10, name="Île-de-France"), minutes=minutes)
        events = diff(prev, s, Rules(), at(minutes))
        chart = Image.of(f"png-{minutes}".encode(), "chart")
        deliveries = [
            Delivery(event_key=e.key, platform="telegram", chat_id=chat,
                     message=Message(text=f"<b>{e.key}</b> é", image=chart))
            for e in events for chat in ("-1001", "-1002")
        ]  # fmt: skip
        baseline = advance(prev, s, events)
        cycle = Cycle(
            source="src", snapshot=s, raw=f"raw {minutes}".encode(),
            sha256=hashlib.sha256(bytes(minutes)).hexdigest(), fetched_at=at(minutes),
            baseline=baseline, events=events, deliveries=deliveries,
            flagged_races=frozenset(), images=[chart],
        )  # fmt: skip
        await store.commit_cycle(cycle)
        prev = baseline
    for chat, locale in (("-1001", "fr"), ("-1002", "en")):
        await store.subscribe(
            Subscription(platform="telegram", chat_id=chat, race="*", locale=locale)
        )
    await store.disable_chat("telegram", "-1002", "kicked")
    first, second, *_ = await store.due(at(30))
    await store.mark_sent(first.id, at(31))
    await store.mark_failed(second.id, "400 Bad Request")
    board = LiveBoard(platform="telegram", chat_id="-1001", race="national", locale="fr",
                      message_id="42", shown="abc", next_edit=at(40))  # fmt: skip
    await store.save_live_board(board)
    await store.set_setting("paused", "1")
    await store.set_setting("charts:telegram:-1001", "results")
    await store.reject_version(
        RejectedVersion(source="src", sha256="f" * 64, origin="feed.json", error="boom",
                        attempts=3, rejected_at=at(50), raw=b"\x00poison"),
        [],
    )  # fmt: skip


async def tables(where: str) -> dict[str, list[tuple[Any, ...]]]:
    """Return every table's rows, as plain values, in order (by key where only a key orders
    them: PostgreSQL's order, not SQLite's rowid)."""
    store = cast(RowStore, await open_store(where))
    try:
        out: dict[str, list[tuple[Any, ...]]] = {}
        for table in TABLES:
            rows = [row async for batch in store.export_rows(table) for row in batch]
            keyed = table.order not in ("id", "seq")
            out[table.name] = sorted(rows, key=lambda r: r[0]) if keyed else rows
        return out
    finally:
        await store.close()


async def test_a_sqlite_store_goes_into_postgres_and_back_whole(
    tmp_path: Path, postgres: Server
) -> None:
    origin = tmp_path / "soiree.db"
    store = await open_store(str(origin))
    await rehearsed(store)
    expected = {
        "ledger": await store.ledger(),
        "subscriptions": await store.subscriptions(active=False),
        "races": await store.races(),
        "baseline": await store.baseline("src"),
        "sent": await store.sent(),
        "counts": await store.outbox_counts(),
        "due": await store.due(at(60)),
        "boards": await store.live_boards(),
        "settings": await store.settings(""),
        "rejected": await store.rejected_versions(),
        "raw": await store.raw_snapshots("src"),
    }
    await store.close()
    before = await tables(str(origin))
    assert all(before.values()), [name for name, rows in before.items() if not rows]

    url = await postgres.fresh_database()
    status, out, err = await bot("store", "copy", "--from", str(origin), "--to", url)
    assert (status, quiet(err)) == (0, True)
    shown = redact_url(url)  # the user name goes with the password
    assert out.startswith(f"{origin} → {shown}: {len(before['snapshots'])} snapshots, ")

    pg = await open_store(url)
    try:  # the copy serves as the original did, through the Store interface
        assert {
            "ledger": await pg.ledger(),
            "subscriptions": await pg.subscriptions(active=False),
            "races": await pg.races(),
            "baseline": await pg.baseline("src"),
            "sent": await pg.sent(),
            "counts": await pg.outbox_counts(),
            "due": [dataclasses.replace(d, id=0) for d in await pg.due(at(60))],
            "boards": await pg.live_boards(),
            "settings": await pg.settings(""),
            "rejected": await pg.rejected_versions(),
            "raw": await pg.raw_snapshots("src"),
        } == {**expected, "due": [dataclasses.replace(d, id=0) for d in expected["due"]]}
        assert await pg.image(Image.of(b"png-20", "chart").key) == b"png-20"
        assert await pg.subscriptions("telegram", "-1002") == []  # still gone
    finally:
        await pg.close()

    back = tmp_path / "back.db"
    status, out, err = await bot("store", "copy", "--from", url, "--to", str(back))
    assert (status, quiet(err)) == (0, True)
    assert await tables(str(back)) == before


async def test_a_copy_never_merges_into_a_store_with_data(tmp_path: Path, postgres: Server):
    origin = tmp_path / "soiree.db"
    store = await open_store(str(origin))
    await rehearsed(store)
    await store.close()
    url = await postgres.fresh_database()
    assert (await bot("store", "copy", "--from", str(origin), "--to", url))[0] == 0
    status, out, err = await bot("store", "copy", "--from", str(origin), "--to", url)
    assert (status, out) == (1, "")
    assert err.startswith("error: the store to copy into holds data already (snapshots, ")
    missing = tmp_path / "nowhere.db"
    status, _, err = await bot("store", "copy", "--from", str(missing), "--to", url)
    said = f"error: cannot open the store {missing}: no such file"
    assert (status, err.splitlines()[-1]) == (2, said)
    assert not missing.exists()
