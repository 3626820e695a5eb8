"""The HTTP source against a real server on 127.0.0.1: conditional GET, caps, failures."""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.sources.errors import FetchError
from bot.sources.http import HttpSource
from tests.feedserver import FeedServer
from tests.support import wait_for


async def test_conditional_get_returns_none_on_304(feed: FeedServer, http: httpx.AsyncClient):
    feed.publish(b'{"v": 1}')
    src = HttpSource(feed.url, http)
    assert await src.fetch() == b'{"v": 1}'
    assert await src.fetch() is None
    assert [h.status for h in feed.hits] == [200, 304]
    assert feed.hits[1].if_none_match == feed.etag
    feed.publish(b'{"v": 2}')
    assert await src.fetch() == b'{"v": 2}'


async def test_without_etag_every_fetch_returns_the_body(feed: FeedServer, http):
    feed.etags = False
    feed.publish(b"{}")
    src = HttpSource(feed.url, http)
    assert await src.fetch() == b"{}"
    assert await src.fetch() == b"{}"
    assert feed.hits[1].if_none_match is None


async def test_404_html_page_is_no_data_yet(feed: FeedServer, http: httpx.AsyncClient):
    feed.script.append((404, b"<html><body>Page introuvable</body></html>"))
    feed.publish(b'{"v": 1}')
    src = HttpSource(feed.url, http)
    assert await src.fetch() is None
    assert src.unpublished
    assert await src.fetch() == b'{"v": 1}'
    assert not src.unpublished


async def test_idle_polls_reuse_one_connection(feed: FeedServer, http: httpx.AsyncClient):
    # An unread 304 or 404 made httpx close the connection: every poll connected again.
    feed.script.extend([(404, b"<html>pas encore</html>")] * 5)
    feed.publish(b'{"v": 1}')
    src = HttpSource(feed.url, http)
    for _ in range(15):
        await src.fetch()
    assert [h.status for h in feed.hits] == [404] * 5 + [200] + [304] * 9
    assert len({h.peer for h in feed.hits}) == 1


@pytest.mark.parametrize("status", [403, 500, 503])
async def test_error_status_raises_naming_the_url(feed: FeedServer, http, status: int):
    feed.script.append((status, b"<html>oops</html>"))
    src = HttpSource(feed.url, http)
    with pytest.raises(FetchError, match=rf"127\.0\.0\.1.*HTTP {status}"):
        await src.fetch()


async def test_body_over_cap_is_refused(feed: FeedServer, http):
    feed.publish(b"x" * 5000)
    with pytest.raises(FetchError, match="over the 1000-byte cap"):
        await HttpSource(feed.url, http, max_bytes=1000).fetch()


async def test_timeout_raises(feed: FeedServer, http):
    feed.publish(b"{}")
    feed.delay = 0.5
    with pytest.raises(FetchError, match="timed out"):
        await HttpSource(feed.url, http, timeout=0.05).fetch()


async def test_connection_refused_raises(http):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError, match="ConnectError"):
        await HttpSource(f"http://127.0.0.1:{port}/feed.json", http).fetch()


@pytest.fixture
async def truncating_server() -> AsyncIterator[str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b'{"half": ')
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/feed.json"
    server.close()
    await server.wait_closed()


async def test_truncated_body_raises(truncating_server: str, http):
    with pytest.raises(FetchError, match="RemoteProtocolError"):
        await HttpSource(truncating_server, http).fetch()


def test_origin_hides_query_string(http):
    assert HttpSource("https://x.test/feed.json?key=SECRET", http).origin == (
        "https://x.test/feed.json"
    )


async def test_before_body_is_awaited_once_a_new_body_is_announced(feed: FeedServer, http):
    feed.publish(b'{"v": 1}')
    source = HttpSource(feed.url, http)
    seen: list[int] = []

    async def before_body() -> None:
        seen.append(len(feed.hits))

    source.before_body = before_body
    assert await source.fetch() == b'{"v": 1}'
    assert await source.fetch() is None  # a 304 announces no body: no call
    assert seen == [1]
    assert not source.exhausted  # a URL may always publish again


async def test_a_dripping_body_times_out_as_a_whole(feed: FeedServer, http) -> None:
    # httpx's timeout bounds each read: a byte every 0.05 s never tripped a 0.5 s timeout.
    feed.publish(b'{"v": 1}' + b" " * 200)
    feed.drip = 0.05
    source = HttpSource(feed.url, http, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"127\.0\.0\.1.*: timed out after 0\.5 s$"):
        await source.fetch()
    assert time.monotonic() - started < 3  # about 0.5 s, with room for a loaded machine
    assert source.etag is None  # nothing was taken from the cut response


async def test_waiting_for_the_turn_is_not_the_servers_time(feed: FeedServer, http) -> None:
    feed.publish(b'{"v": 1}')
    source = HttpSource(feed.url, http, timeout=0.3)
    turn = asyncio.Event()

    async def before_body() -> None:
        await turn.wait()

    source.before_body = before_body
    fetching = asyncio.create_task(source.fetch())
    await wait_for(lambda: feed.hits, what="the request")
    await asyncio.sleep(0.6)  # twice the timeout, spent waiting for a turn
    turn.set()
    assert await fetching == b'{"v": 1}'


async def test_a_gzip_body_is_decoded_and_encodings_asked_for(feed: FeedServer, http) -> None:
    body = b'{"v": 1}' * 1000
    feed.publish(gzip.compress(body))
    feed.encoding = "gzip"
    seen: list[str | None] = []
    http.event_hooks["request"].append(
        lambda request: _note(seen, request.headers.get("Accept-Encoding"))
    )
    assert await HttpSource(feed.url, http).fetch() == body
    assert seen == ["gzip, deflate"]


async def _note(seen: list[str | None], value: str | None) -> None:
    seen.append(value)


async def test_a_gzip_bomb_stops_at_the_cap(feed: FeedServer, http) -> None:
    feed.publish(gzip.compress(gzip.compress(bytes(50_000_000))))  # 50 MB in about 200 bytes
    feed.encoding = "gzip, gzip"
    source = HttpSource(feed.url, http, max_bytes=100_000)
    with pytest.raises(FetchError, match=r": body over the 100000-byte cap once decoded"):
        await source.fetch()


async def test_an_unsupported_encoding_is_one_line(feed: FeedServer, http) -> None:
    feed.publish(b"\x0b\x02\x80{}\x03")
    feed.encoding = "br"
    with pytest.raises(
        FetchError, match=r"127\.0\.0\.1.*: content encoding 'br' is not supported$"
    ):
        await HttpSource(feed.url, http).fetch()
