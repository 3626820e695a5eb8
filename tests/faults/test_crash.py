"""SIGKILL the real process at 20 random moments of a fan-out to 200 chats; restart each
time. Every chat gets every alert, with at most one duplicate per crash. Prints the tally."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from tests.builders import feed_doc
from tests.fakes.telegram import FakeTelegram
from tests.support import chats, start_bot, tally, wait_for, write_config

GROUPS = [-5000 - i for i in range(200)]
KILLS = 20
CONCURRENCY = 16  # the Telegram adapter's concurrent sends


async def test_twenty_kills_during_a_fan_out_to_200_chats(tmp_path: Path, tg: FakeTelegram):
    rng = random.Random(20170129)
    feed = tmp_path / "feed.json"
    # The bot first sees the race past 25 %: one catch-up alert for every chat.
    feed.write_text(json.dumps(feed_doc(10, {"hamon": 600, "valls": 400}, counted=300)))
    config = write_config(tmp_path, "file:feed.json", extra=chats(*GROUPS))
    log = tmp_path / "bot.log"
    moments = sorted(rng.sample(range(1, len(GROUPS)), KILLS))
    for moment in moments:
        proc = await start_bot(config, tg, log)
        await wait_for(lambda m=moment: len(tg.sent()) >= m, patience=60, what=f"send {moment}")
        proc.kill()
        await proc.wait()
    proc = await start_bot(config, tg, log)
    try:
        await wait_for(lambda: {c for c, _ in tally(tg)} >= set(GROUPS), patience=90)
    finally:
        proc.terminate()
        await proc.wait()
    counts = tally(tg)
    headlines = {h for _, h in counts}
    assert headlines == {"<b>Point d’étape — Primaire</b>"}
    per_chat = Counter(chat for chat, _ in counts)
    duplicates = sum(n - 1 for n in counts.values())
    worst = max(counts.values())
    print(
        f"\n{len(GROUPS)} chats × {len(headlines)} alerts, {KILLS} SIGKILLs: "
        f"{duplicates} duplicate alerts, at most {worst} copies of one alert in one chat, "
        f"{len(tg.refused(429))} 429s after restarts (retried)"
    )
    assert set(per_chat) == set(GROUPS)  # nothing lost
    # At least once: a crash can only resend what was in flight when it struck, so each
    # crash adds at most one copy per chat, and at most one per concurrent send in all.
    assert all(1 <= n <= 1 + KILLS for n in counts.values())
    assert duplicates <= KILLS * CONCURRENCY
