"""Two `python -m bot run` on one real PostgreSQL and the fake Bot API: one leads, the other
stands by and takes over when the leader is killed, paused past its lease, or the database
restarts. The lease is time-scaled (2 s, renewed every 0.5 s) through the config."""

from __future__ import annotations

import asyncio
import json
import random
import re
import signal
import statistics
import time
from collections import Counter
from collections.abc import Collection, Sequence
from pathlib import Path

from tests.builders import feed_doc
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import Call, FakeTelegram
from tests.faults.support import Instances, sends_of, texts
from tests.postgres import Server, Throwaway
from tests.support import chats, post, signed, slash, tally, wait_for, write_config

# Seconds; a night's would be 10, 3 and 30 or so. A failover takes about a lease (a kill
# comes 0 to RENEWAL after the last renewal), so lease + poll leaves POLL of headroom for a
# machine short of CPU: with 0.5 s, one kill in ten went past it at a load of 5 on 2 cores.
LEASE, RENEWAL, POLL = 2.0, 0.5, 1.5
GROUPS = [-7000 - i for i in range(200)]
CONCURRENCY = 16  # the Telegram adapter's sends under way at once
# How often the kill test looks at the fake's thousands of calls: the figures come from the
# fake's own times, and looking more often takes CPU the instances' failover needs.
LOOK = 0.05
# Ten reporting steps (5, 15, ..., 95 %), for ten fan-outs to every chat, a kill in each:
# a version of 60, 160, ..., 960 ballots counted of 1,000 passes one step each.
REPORTING = tuple(range(5, 100, 10))
STEPS = tuple(10 * step + 10 for step in REPORTING)


def night(
    tmp_path: Path, groups: list[int], *, lease: float = LEASE, admins: Sequence[int] = (),
    steps: Sequence[int] | None = None,
) -> tuple[Path, Path]:  # fmt: skip
    """Write the two instances' config (and an empty feed file), with admin chats `admins`
    and the reporting `steps` (the default ones if None); return both paths."""
    feed = tmp_path / "feed.json"
    admin = "".join(f'\n[[chats]]\nplatform = "telegram"\nid = {i}\nadmin = true\n' for i in admins)
    config = write_config(
        tmp_path, "file:feed.json", extra=chats(*groups) + admin,
        top=f"lease = {lease}\nlease_renewal = {RENEWAL}",
    )  # fmt: skip
    text = config.read_text(encoding="utf-8")  # the source polled every POLL seconds
    text = text.replace("interval = 0.05\ntimeout", f"interval = {POLL}\ntimeout")
    if steps is not None:
        text = text.replace("[rules]\n", f"[rules]\nreporting_steps = {list(steps)}\n", 1)
    config.write_text(text)
    return config, feed


def alerts(tg: FakeTelegram, among: Collection[int] | None = None) -> Counter[tuple[int, str]]:
    """Count each message text per chat (two alerts of one race share their headline), of
    the chats `among` (all, if None)."""
    return Counter((c.params["chat_id"], c.params["text"]) for c in tg.sent()
                   if among is None or c.params["chat_id"] in among)  # fmt: skip


def publish(feed: Path, counted: int) -> None:
    """Write a version past a reporting step: one alert for every chat."""
    feed.write_text(json.dumps(feed_doc(10 + counted // 10, {"hamon": 600, "valls": 400},
                                        counted=counted)), encoding="utf-8")  # fmt: skip


async def test_the_leader_killed_during_a_fan_out_the_standby_goes_on(
    tmp_path: Path, tg: FakeTelegram, postgres: Server
) -> None:
    rng = random.Random(20170423)
    config, feed = night(tmp_path, GROUPS, steps=REPORTING)
    pair = Instances(tmp_path, config, tg, await postgres.fresh_database())
    failovers: list[float] = []
    back: asyncio.Task[object] | None = None
    try:
        await pair.start()
        await pair.start()
        for n, counted in enumerate(STEPS, start=1):  # an alert to 200 chats, a kill in it
            leader, base = await pair.leader(), len(tg.sent())
            publish(feed, counted)
            moment = base + rng.randrange(1, len(GROUPS) - 20)
            await wait_for(lambda m=moment: len(tg.sent()) >= m, patience=60, what=f"send {moment}",
                           every=LOOK)  # fmt: skip
            killed = time.monotonic()
            await pair.kill(leader)
            back = asyncio.create_task(pair.start())  # the killed machine comes back at once
            # (What the killed one had written before its death may be read just after.)
            await wait_for(lambda k=killed, d=leader.tag: heirs(tg, k, d), patience=30,
                           what="the new leader's first send", every=LOOK)  # fmt: skip
            failovers.append(heirs(tg, killed, leader.tag)[0].t - killed)
            await back
            await wait_for(lambda n=n: every_chat_got(tg, n), patience=60, what=f"alert {n}",
                           every=LOOK)  # fmt: skip
    finally:
        if back is not None:
            await asyncio.wait({back})  # an instance still starting is stopped too
        await pair.stop()
    counts = alerts(tg)
    duplicates = sum(n - 1 for n in counts.values())
    print(
        f"\n{len(GROUPS)} chats, {len(STEPS)} alerts, the leader SIGKILLed in each fan-out: "
        f"failover (kill → the new leader's first message) "
        f"{', '.join(f'{f:.2f}' for f in failovers)} s, median "
        f"{statistics.median(failovers):.2f} s, worst {max(failovers):.2f} s (lease "
        f"{LEASE:g} s + poll {POLL:g} s = {LEASE + POLL:g} s); {duplicates} duplicates"
    )
    assert len(counts) == len(STEPS) * len(GROUPS)  # every chat got every alert
    assert max(counts.values()) <= 2  # at most one duplicate per chat per kill
    assert max(failovers) <= LEASE + POLL


def heirs(tg: FakeTelegram, killed: float, dead: str) -> list[Call]:
    """Return what instances other than the dead one sent since it was killed."""
    return [c for c in sends_of(tg, after=killed) if c.who != dead]


def every_chat_got(tg: FakeTelegram, n: int) -> bool:
    """Say whether every group has received `n` different alerts."""
    got = Counter(chat for chat, _ in alerts(tg))
    return all(got[chat] >= n for chat in GROUPS)


async def test_a_leader_paused_past_its_lease_sends_nothing_once_woken(
    tmp_path: Path, tg: FakeTelegram, postgres: Server
) -> None:
    config, feed = night(tmp_path, GROUPS)
    pair = Instances(tmp_path, config, tg, await postgres.fresh_database())
    try:
        await pair.start()
        await pair.start()
        paused = await pair.leader()
        other = next(i for i in pair.running if i is not paused)
        publish(feed, 300)
        await wait_for(lambda: len(tg.sent()) >= 40, patience=60, what="the fan-out under way")
        paused.proc.send_signal(signal.SIGSTOP)
        stopped = time.monotonic()
        # The other leads meanwhile: once the lease ran out, it sends what was left.
        await wait_for(lambda: len(sends_of(tg, other.tag, stopped)) >= 20, patience=30,
                       what="the other instance leading")  # fmt: skip
        # Past its lease for sure (it may have ended sooner: a renewal late on a busy machine).
        await wait_for(lambda: time.monotonic() > stopped + LEASE + 0.5, what="past the lease")
        paused.proc.send_signal(signal.SIGCONT)
        woken = time.monotonic()
        await wait_for(lambda: paused.says("this instance stops leading"), patience=10,
                       what="the woken leader standing down")  # fmt: skip
        await wait_for(lambda: {c for c, _ in tally(tg)} >= set(GROUPS), patience=60)
        publish(feed, 600)  # the night goes on, led by the other
        await wait_for(lambda: len(alerts(tg)) >= 2 * len(GROUPS), patience=60, what="the next")
    finally:
        await pair.stop()
    # Its lease had ended by stopped + LEASE. A request it was writing when it froze reaches
    # the fake only once it wakes, at once; a request begun since would come later.
    late = [c.t - woken for c in sends_of(tg, paused.tag, stopped + LEASE)]
    counts = alerts(tg)
    print(
        f"\nleader paused {woken - stopped:.1f} s (lease {LEASE:g} s): the other sent "
        f"{len(sends_of(tg, other.tag, stopped))} messages meanwhile and after; of the paused "
        f"one, {len(late)} request(s) half-written at the pause arrived on waking (within "
        f"{max(late, default=0):.3f} s), and none began after its lease ended"
    )
    assert len(late) <= CONCURRENCY  # only those under way at the pause
    assert all(t < 0.5 for t in late)  # on waking: nothing begun afterwards
    assert len(counts) == 2 * len(GROUPS)  # both alerts, to every chat
    assert max(counts.values()) <= 2  # what was in flight at the pause, at most once more


async def test_the_standby_answers_results_while_the_leader_is_dead(
    tmp_path: Path, tg: FakeTelegram, postgres: Server
) -> None:
    slack = FakeSlack()
    await slack.start()
    config, feed = night(tmp_path, GROUPS[:3], lease=60)  # the standby stays one a while
    pair = Instances(tmp_path, config, tg, await postgres.fresh_database(), slack=slack)
    try:
        publish(feed, 300)
        first = await pair.start()
        await wait_for(lambda: len(tally(tg)) >= 3, patience=60, what="the alerts")
        standby = await pair.start()
        await pair.kill(first)
        url = next(
            "http://" + line.split("serving slash commands at ", 1)[1].strip()
            for line in standby.log.read_text(encoding="utf-8").splitlines()
            if "serving slash commands at " in line
        )
        for command in ("/results",):
            body, headers = signed(slash(slack, command))
            assert (await post(url, body, headers)).status_code == 200
        await wait_for(lambda: slack.responses, patience=15, what="the reply")
    finally:
        await pair.stop()
        await slack.stop()
    replies = [json.dumps(body, ensure_ascii=False) for _, body in slack.responses]
    assert any("Hamon" in r and "60" in r for r in replies)  # the results, from the store
    assert standby.says("standby;")


async def test_postgres_restarted_mid_night_loses_nothing(tmp_path: Path, tg: FakeTelegram) -> None:
    server = Throwaway()  # its own: the other tests' server stays up
    server.start()
    groups = GROUPS[:30]
    try:
        config, feed = night(tmp_path, groups, admins=[ADMIN])
        pair = Instances(tmp_path, config, tg, server.url)
        try:
            await pair.start()
            await pair.start()
            publish(feed, 300)
            await wait_for(lambda: len(tg.sent()) >= 5, patience=60, what="the fan-out")
            down = time.monotonic()
            server.stop()
            await wait_for(lambda: time.monotonic() > down + LEASE * 1.5, patience=10)
            server.start()  # down longer than a lease
            up = time.monotonic()
            await wait_for(lambda: len(alerts(tg, groups)) >= 30, patience=60, what="the first")
            publish(feed, 600)
            await wait_for(lambda: len(alerts(tg, groups)) >= 60, patience=60, what="the second")
            await wait_for(lambda: told_admins(tg), patience=30, what="the admin chat told")
            leads = await pair.leader()
        finally:
            await pair.stop()
    finally:
        server.remove()
    counts, told = alerts(tg, groups), told_admins(tg)
    began, ended, lasted = outage_in(told[0].params["text"])
    print(f"\nPostgreSQL down {up - down:.1f} s mid-fan-out: {leads.tag} led after; "
          f"{sum(n - 1 for n in counts.values())} duplicates; the admin chat told once, by "
          f"{told[0].who}: {told[0].params['text']!r}")  # fmt: skip
    assert len(counts) == 60  # two alerts to each of 30 chats: nothing lost
    assert max(counts.values()) <= 2  # at most one duplicate per chat
    assert Counter(c for c, _ in counts) == Counter({c: 2 for c in groups})
    # One notice of the store across both instances, and none from the dispatcher.
    assert [t for t in texts(tg, ADMIN) if "store" in t.lower()] == [told[0].params["text"]]
    # Its down-time: from a renewal that failed to one that answered, around the real one.
    assert LEASE < lasted <= up - down + 2 * RENEWAL + 3
    assert lasted >= up - down - RENEWAL - 2
    assert abs((ended - began) % 86400 - lasted) <= 1


ADMIN = -6999  # an admin chat, in English


def told_admins(tg: FakeTelegram) -> list[Call]:
    """Return the notices of the store out of reach that the admin chat was sent."""
    return [c for c in tg.sent(ADMIN)
            if c.params["text"].startswith("⚠ The store was out of reach")]  # fmt: skip


def outage_in(text: str) -> tuple[int, int, int]:
    """Read an outage notice: when it began and ended (seconds of the day), and for how
    long it says the store was out of reach (seconds)."""
    found = re.search(
        r"from (\d+):(\d+):(\d+) to (\d+):(\d+):(\d+) \((?:(\d+) min )?(\d+) s\)", text
    )
    assert found is not None, text
    h1, m1, s1, h2, m2, s2 = (int(g) for g in found.groups()[:6])
    minutes, seconds = found.group(7), found.group(8)
    return h1 * 3600 + m1 * 60 + s1, h2 * 3600 + m2 * 60 + s2, int(minutes or 0) * 60 + int(seconds)
