"""Following the Ministry's index against a real local HTTP server: a results file is fetched
only when its last change in the index moved, the index is read once for all its files, a
file the index does not date is polled as a plain URL, and an index that fails is every
follower's failure; then `python -m bot run` following a night's index, as a user runs it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from bot.sources.errors import FetchError
from bot.sources.http import HttpSource
from bot.sources.indexed import IndexedSource, IndexWatch
from tests.fakes.telegram import FakeTelegram
from tests.feedserver import Site
from tests.formats.ministry.support import NIGHT, PARIS
from tests.support import start_bot, wait_for

BASE = "PR2017/resultatsT2/"
FOLLOWED = ("011/075/075.xml", "011/075/075056AR01.xml", "093/013/013.xml")


def night_step(n: int) -> dict[str, bytes]:
    """Return step n of the night, each file at its path under BASE."""
    return {BASE + path: data for path, data in NIGHT[n].items()}


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    server = Site()
    await server.start()
    server.publish(night_step(0))
    yield server
    await server.stop()


def follow(site: Site, http: httpx.AsyncClient, *paths: str, every: float = 0.0):
    """Return the watch of the night's index and a source per path, as the app makes them."""

    def make(url: str) -> HttpSource:
        return HttpSource(url, http, timeout=5)

    watch = IndexWatch(make(site.url + BASE + "index.xml"), make, every=every, round=2)
    return watch, [IndexedSource(make(site.url + BASE + p), watch) for p in paths]


async def bodies(sources: list[IndexedSource]) -> dict[str, bytes | None]:
    return {s.origin.rsplit("/", 1)[-1]: await s.fetch() for s in sources}


async def test_a_file_is_fetched_only_when_its_last_change_in_the_index_moved(
    site: Site, http: httpx.AsyncClient
) -> None:
    _, sources = follow(site, http, *FOLLOWED)
    first = await bodies(sources)
    assert all(first.values())  # each file once, at the start
    for _ in range(5):  # five more polls of an index that did not move: no request at all
        assert set((await bodies(sources)).values()) == {None}
    assert [site.requests(BASE + p) for p in FOLLOWED] == [1, 1, 1]
    assert site.requests(BASE + "index.xml") == 6 * 3  # every = 0: each poll asks it (304)

    site.publish(night_step(1))  # Paris moved; its 1st arrondissement and Marseille did not
    second = await bodies(sources)
    assert second == {"075.xml": NIGHT[1]["011/075/075.xml"], "075056AR01.xml": None,
                      "013.xml": None}  # fmt: skip
    assert [site.requests(BASE + p) for p in FOLLOWED] == [2, 1, 1]
    assert site.requests(BASE + "011/075/075IDX.xml") == 2  # read again: the département moved

    site.publish(night_step(2))
    third = await bodies(sources)
    assert third["075.xml"] == NIGHT[2]["011/075/075.xml"]
    assert third["013.xml"] == NIGHT[2]["093/013/013.xml"]
    assert [site.requests(BASE + p) for p in FOLLOWED] == [3, 1, 2]


async def test_each_body_keeps_the_index_it_was_fetched_by(
    site: Site, http: httpx.AsyncClient
) -> None:
    _, [paris_file, ar01] = follow(site, http, "011/075/075.xml", "011/075/075056AR01.xml")
    await paris_file.fetch()
    await ar01.fetch()
    assert paris_file.index is not None
    assert ar01.index is not None
    at_2012 = datetime(2017, 5, 7, 20, 12, tzinfo=PARIS)
    assert paris_file.index.departements["075"].changed == at_2012
    assert ar01.index.communes[("075", "056AR01")].changed == at_2012


async def test_the_index_is_read_once_for_all_the_files_that_follow_it(
    site: Site, http: httpx.AsyncClient
) -> None:
    _, sources = follow(site, http, *FOLLOWED, every=3600)
    for _ in range(3):
        await bodies(sources)
    assert site.requests(BASE + "index.xml") == 1
    assert site.requests(BASE + "011/075/075IDX.xml") == 1  # one commune file: its IDX


async def test_a_file_the_index_does_not_date_is_polled_as_a_plain_url(
    site: Site, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    site.files[BASE + "live/paris.xml"] = NIGHT[0]["011/075/075.xml"]
    _, [plain] = follow(site, http, "live/paris.xml")
    with caplog.at_level(logging.INFO, logger="bot.sources.indexed"):
        assert await plain.fetch() is not None
        assert await plain.fetch() is None  # a 304: asked every time
    assert site.requests(BASE + "live/paris.xml") == 2
    assert plain.index is None  # its time is the time received
    assert caplog.text.count("not dated by the index") == 1
    assert "not a file name of its layout" in caplog.text


async def test_a_file_dated_but_not_served_yet_is_asked_again(
    site: Site, http: httpx.AsyncClient
) -> None:
    del site.files[BASE + "093/013/013.xml"]  # the index dates it; the server has it not yet
    _, [marseille] = follow(site, http, "093/013/013.xml")
    assert await marseille.fetch() is None
    site.files[BASE + "093/013/013.xml"] = NIGHT[0]["093/013/013.xml"]
    assert await marseille.fetch() == NIGHT[0]["093/013/013.xml"]
    assert await marseille.fetch() is None


async def test_an_index_that_fails_is_every_followers_failure_until_it_is_back(
    site: Site, http: httpx.AsyncClient
) -> None:
    _, sources = follow(site, http, *FOLLOWED)
    await bodies(sources)
    site.status[BASE + "index.xml"] = 500
    for source in sources:
        with pytest.raises(FetchError, match=r"index\.xml: HTTP 500"):
            await source.fetch()
    del site.status[BASE + "index.xml"]
    site.publish(night_step(1))
    assert (await bodies(sources))["075.xml"] == NIGHT[1]["011/075/075.xml"]


async def test_an_index_that_does_not_read_keeps_failing_until_a_good_one_comes(
    site: Site, http: httpx.AsyncClient
) -> None:
    _, [paris_file] = follow(site, http, "011/075/075.xml")
    await paris_file.fetch()
    site.files[BASE + "index.xml"] = b"<Election><Departements><Departement>"
    for _ in range(2):  # the second answer is a 304: still the bad body
        with pytest.raises(FetchError, match=r"index not read: .*index\.xml.*invalid XML"):
            await paris_file.fetch()
    assert site.requests(BASE + "011/075/075.xml") == 1  # nothing fetched by a bad index
    site.publish(night_step(1))
    assert await paris_file.fetch() == NIGHT[1]["011/075/075.xml"]


# --- python -m bot run -------------------------------------------------------------------------

GROUP = -7001


def night_config(tmp_path: Path, site: Site) -> Path:
    urls = ", ".join(f'"{site.url}{BASE}{p}"' for p in FOLLOWED)
    path = tmp_path / "soiree.toml"
    path.write_text(
        'locale = "en"\ndb = "soiree.db"\ndispatch_interval = 0.05\n'
        "[charts]\nsend_with = []\n\n"
        f'[[sources]]\nid = "ministry"\nformat = "fr-interior-xml"\n'
        f'index = "{site.url}{BASE}index.xml"\nurls = [{urls}]\n'
        "interval = 0.05\ntimeout = 2\noptions = { round = 2 }\n\n"
        f'[[chats]]\nplatform = "telegram"\nid = {GROUP}\n',
        encoding="utf-8",
    )
    return path


def texts(tg: FakeTelegram) -> list[str]:
    return [c.params["text"] for c in tg.sent(GROUP)]


def told(tg: FakeTelegram, needle: str) -> bool:
    return any(needle in text for text in texts(tg))


async def test_run_follows_a_nights_index(site: Site, tmp_path: Path) -> None:
    tg = FakeTelegram()
    await tg.start()
    proc = await start_bot(night_config(tmp_path, site), tg, tmp_path / "bot.log")
    try:
        await wait_for(lambda: told(tg, "Bouches-du-Rhône"), patience=60, what="20:30's news")
        polled = site.requests(BASE + "index.xml")
        await wait_for(
            lambda: site.requests(BASE + "index.xml") >= polled + 20, patience=30, what="polls"
        )
        # Twenty polls of an index that did not move: not one request for a results file.
        assert [site.requests(BASE + p) for p in FOLLOWED] == [1, 1, 1]
        first = next(t for t in texts(tg) if "Paris 1er" in t)
        assert "Data as of 20:12" in first, first  # its last change in the IDX, Paris time

        site.publish(night_step(1))  # 21:00: Paris moved, nothing else
        await wait_for(lambda: site.requests(BASE + FOLLOWED[0]) == 2, patience=30, what="075")
        polled = site.requests(BASE + "index.xml")
        await wait_for(
            lambda: site.requests(BASE + "index.xml") >= polled + 20, patience=30, what="polls"
        )
        assert [site.requests(BASE + p) for p in FOLLOWED] == [2, 1, 1]

        site.publish(night_step(2))  # 21:30: Paris and the Bouches-du-Rhône complete
        await wait_for(lambda: told(tg, "Final result — Paris"), patience=60, what="final")
        await wait_for(
            lambda: told(tg, "Final result — Bouches-du-Rhône"), patience=60, what="final"
        )
        final = next(t for t in texts(tg) if "Final result — Paris" in t)
        assert "Data as of 21:15" in final, final  # the index's time, not the fetch time
        assert [site.requests(BASE + p) for p in FOLLOWED] == [3, 1, 2]
        assert sum(t.count("Final result — Paris") for t in texts(tg)) == 1
    finally:
        proc.terminate()
        await proc.wait()
        await tg.stop()
    log = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert "Traceback" not in log, log
