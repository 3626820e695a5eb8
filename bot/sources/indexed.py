"""Following the Ministry's index: a results file is fetched only when its last change moved.

An `IndexWatch` per index URL reads `index.xml` (a conditional GET) at most once per half
interval, however many files follow it, and the `DDDIDX.xml` of each département whose
commune files are followed, only when the département's entry in `index.xml` moved. Each
`IndexedSource` wraps the HTTP source of one results file: it asks the watch for the
index, and fetches its file only when the change the index gives it differs from the one
it last fetched at; the index it fetched by is kept (`index`), and dates the version
(bot.formats.ministry.index). So one poll of the index replaces a hundred polls of
unchanged files. A file the index does not date (its name is not of the Ministry's layout,
or the index lists no such place) is polled every interval as a plain URL, and its time is
the time received. An index that cannot be fetched or read is every follower's failure:
the last good one is kept, and nothing is fetched by it meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urljoin

from bot.formats.errors import FeedError
from bot.formats.ministry.index import Index, Place, place_of, read_index
from bot.sources.base import BeforeBody
from bot.sources.errors import FetchError
from bot.sources.http import HttpSource

log = logging.getLogger(__name__)

MakeSource = Callable[[str], HttpSource]


class IndexWatch:
    """The index of one Ministry night, read for all the files that follow it."""

    def __init__(
        self, source: HttpSource, make: MakeSource, *, every: float, round: int | None = None
    ) -> None:
        self.source, self.make, self.every, self.round = source, make, every, round
        self.current = Index()
        self.idx: dict[str, HttpSource] = {}  # département → its commune index
        self._idx_at: dict[str, datetime | None] = {}  # the change each IDX was read at
        self._bad: dict[str, FetchError] = {}  # by origin: its last body did not read
        self._read_at: float | None = None
        self._error: FetchError | None = None
        self._lock = asyncio.Lock()

    @property
    def origin(self) -> str:
        """Return the index's URL (without a query string)."""
        return self.source.origin

    def follow_communes(self, dept: str, url: str) -> None:
        """Read the commune index of a département (`DDDIDX.xml` at `url`) too."""
        if dept not in self.idx:
            self.idx[dept] = self.make(url)

    async def index(self) -> Index:
        """Return the index as it stands, read again when the last read is older than half
        an interval; raise FetchError while it cannot be fetched or read."""
        async with self._lock:
            now = asyncio.get_running_loop().time()
            if self._read_at is None or now - self._read_at >= self.every:
                self._read_at = now
                try:
                    await self._refresh()
                    self._error = None
                except FetchError as exc:
                    self._error = exc
            if self._error is not None:
                raise self._error
            return self.current

    async def _refresh(self) -> None:
        await self._read(self.source)
        for dept, source in self.idx.items():
            mark = self.current.departements.get(dept)
            changed = mark.changed if mark else None
            if mark is not None and dept in self._idx_at and self._idx_at[dept] == changed:
                continue  # the département has not moved: nor have its communes
            if await self._read(source) or not source.unpublished:
                self._idx_at[dept] = changed

    async def _read(self, source: HttpSource) -> bool:
        """Fetch one index file and lay it over the index; return True when it was new. A
        body that does not read keeps failing, unchanged (304), until a good one comes."""
        body = await source.fetch()
        if body is None:
            if source.origin in self._bad:
                raise self._bad[source.origin]
            return False
        try:
            newer = read_index(body, source.origin, self.round)
        except FeedError as exc:
            self._bad[source.origin] = FetchError(f"index not read: {exc}")
            raise self._bad[source.origin] from exc
        self._bad.pop(source.origin, None)
        self.current = self.current.merged(newer)
        return True


class IndexedSource:
    """One results file, fetched only when its last change in the index moved."""

    def __init__(self, inner: HttpSource, watch: IndexWatch) -> None:
        self.inner, self.watch = inner, watch
        self.place: Place | None = place_of(inner.url)
        # The index the last body was fetched by, which dates it; None: dated when received.
        self.index: Index | None = None
        self._fetched_at: datetime | None = None  # the change the last body was fetched at
        self._plain = False
        if self.place is not None and self.place.kind == "commune":
            name = inner.url.split("?", 1)[0].rsplit("/", 1)[-1]
            watch.follow_communes(self.place.dept, urljoin(inner.url, f"{name[:3]}IDX.xml"))

    @property
    def before_body(self) -> BeforeBody | None:
        """Return what the HTTP source awaits before reading a new body (the poller's turn)."""
        return self.inner.before_body

    @before_body.setter
    def before_body(self, value: BeforeBody | None) -> None:
        self.inner.before_body = value

    @property
    def origin(self) -> str:
        """Return the results file's URL (without a query string)."""
        return self.inner.origin

    @property
    def exhausted(self) -> bool:
        """Return False: the index may always move again."""
        return False

    async def fetch(self) -> bytes | None:
        """Return the file's bytes when its change in the index moved since the last fetch,
        None otherwise (no request made); raise FetchError while the index fails."""
        index = await self.watch.index()
        mark = index.mark(self.place) if self.place is not None else None
        if mark is None:
            self._note_plain()
            self.index = None
            return await self.inner.fetch()
        self._plain = False
        if mark.changed is None or mark.changed == self._fetched_at:
            return None  # not published yet, or not moved: nothing to ask
        body = await self.inner.fetch()
        if body is None and self.inner.unpublished:
            return None  # dated by the index but not served yet: ask again next time
        self._fetched_at, self.index = mark.changed, index
        return body

    def _note_plain(self) -> None:
        if not self._plain:
            self._plain = True
            log.info(
                "%s: not dated by the index %s (%s); polled every interval, its time is "
                "the time received",
                self.origin,
                self.watch.origin,
                "no such place in it" if self.place else "not a file name of its layout",
            )
