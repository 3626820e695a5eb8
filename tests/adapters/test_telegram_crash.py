"""SIGKILL the real process mid-fan-out to Telegram groups; restart; nothing is lost."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from tests.builders import feed_doc
from tests.fakes.telegram import FakeTelegram
from tests.support import chats, start_bot, tally, wait_for, write_config

GROUPS = [-2000 - i for i in range(30)]


async def test_kill_mid_fan_out_loses_nothing(tmp_path: Path, tg: FakeTelegram) -> None:
    rng = random.Random(2017)
    feed = tmp_path / "feed.json"
    config = write_config(tmp_path, "file:feed.json", extra=chats(*GROUPS))
    versions = [
        feed_doc(10, {"hamon": 60, "valls": 40}, counted=50),
        feed_doc(20, {"hamon": 590, "valls": 410}, counted=520),
    ]
    crashes = 0
    for doc in versions:
        feed.write_text(json.dumps(doc), encoding="utf-8")
        before = len(tg.sent())
        proc = await start_bot(config, tg, tmp_path / "bot.log")
        kill_at = before + rng.randint(1, len(GROUPS) - 1)
        await wait_for(lambda k=kill_at: len(tg.sent()) >= k, patience=20, what="mid fan-out")
        proc.kill()
        await proc.wait()
        crashes += 1
    proc = await start_bot(config, tg, tmp_path / "bot.log")
    try:
        expected = 4 * len(GROUPS)
        await wait_for(lambda: len(set(tally(tg))) >= expected, patience=30, what="every alert")
    finally:
        proc.terminate()
        await proc.wait()
    counts = tally(tg)
    headlines = {h for _, h in counts}
    assert headlines == {
        "<b>Premiers résultats — Primaire</b>",
        "<b>50\xa0% des bureaux dépouillés — Primaire</b>",
        "<b>Plus de 1\u202f000 votants — Primaire</b>",
        # 1,000 voters at 52 % of stations, about 1,923 pro rata against round 1's 1,500
        "<b>Participation en hausse par rapport au tour précédent, à même stade du "
        "dépouillement — Primaire</b>",
    }
    for g in GROUPS:
        for h in headlines:
            assert 1 <= counts[(g, h)] <= 1 + crashes, (g, h, counts[(g, h)])
    duplicates = sum(n - 1 for n in counts.values())
    again = repeated_messages(tg)
    print(f"\n{len(GROUPS)} groups × 4 alerts, {crashes} SIGKILLs: {duplicates} headlines "
          f"again, in {sum(again.values())} messages")  # fmt: skip
    # One message per chat per crash may go again (a digest of several alerts is one).
    assert max(again.values(), default=0) <= crashes
    # A restarted process does not know what the killed one just sent, so Telegram may answer
    # 429 to its first sends; those are retried after retry_after and arrive (counted above).
    print(f"429 answers after restarts: {len(tg.refused(429))}")


def repeated_messages(tg: FakeTelegram) -> Counter[int]:
    """Count, per group, the messages that brought an alert headline it already had."""
    seen: set[tuple[int, str]] = set()
    again: Counter[int] = Counter()
    for call in tg.sent():
        chat = call.params["chat_id"]
        lines = {(chat, line) for line in call.params["text"].split("\n") if line.startswith("<b>")}
        if lines & seen:
            again[chat] += 1
        seen |= lines
    return again
