"""File and replay sources: a feed read from disk, or a night replayed file by file."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from bot.sources.base import BeforeBody
from bot.sources.errors import FetchError
from bot.store import SettingStore, StoreUnavailable

log = logging.getLogger(__name__)


def read_file(path: Path, max_bytes: int) -> bytes:
    """Read a regular file of at most `max_bytes`, or raise FetchError naming it.

    The size is checked once the file is open, and the read stops one byte past the cap, so
    a file that grows meanwhile is refused too; a FIFO or a device (/dev/zero has no size,
    a FIFO blocks until written) is not a feed file.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO would block a plain open
        with os.fdopen(fd, "rb") as file:
            st = os.fstat(file.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise FetchError(f"{path}: not a regular file")
            if st.st_size > max_bytes:
                raise FetchError(f"{path}: {st.st_size} bytes, over the {max_bytes}-byte cap")
            data = file.read(max_bytes + 1)
    except OSError as exc:
        raise FetchError(f"{path}: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise FetchError(f"{path}: over the {max_bytes}-byte cap")
    return data


class FileSource:
    """Reads a file; unchanged modification time and size mean "not modified"."""

    def __init__(self, path: Path, max_bytes: int = 20_000_000) -> None:
        self.path, self.max_bytes = path, max_bytes
        self._stamp: tuple[int, int] | None = None
        self._waiting = False
        self.before_body: BeforeBody | None = None  # never called: a file is read in one step

    @property
    def exhausted(self) -> bool:
        """Return False: the file may always change again."""
        return False

    @property
    def origin(self) -> str:
        """Return the file's path."""
        return str(self.path)

    async def fetch(self) -> bytes | None:
        """Return the file's bytes when it changed since the last read."""
        try:
            st = await asyncio.to_thread(self.path.stat)
        except FileNotFoundError:
            if not self._waiting:
                self._waiting = True
                log.info("%s does not exist yet; waiting for it", self.path)
            return None
        except OSError as exc:
            raise FetchError(f"{self.path}: {exc.strerror or exc}") from exc
        self._waiting = False
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp == self._stamp:
            return None
        data = await asyncio.to_thread(read_file, self.path, self.max_bytes)
        self._stamp = stamp
        return data


class ReplaySource:
    """Returns the given files one per fetch, as successive versions, then None. With
    `keep`, its position is kept in the store's settings under `key`, so that another
    instance taking over goes on where this one stopped (several instances, one store)."""

    def __init__(
        self, paths: Sequence[Path], max_bytes: int = 20_000_000,
        keep: SettingStore | None = None, key: str = "",
    ) -> None:  # fmt: skip
        self.paths, self.max_bytes = list(paths), max_bytes
        self.position = 0
        self.before_body: BeforeBody | None = None  # never called: a file is read in one step
        self.keep, self.key = keep, key

    @property
    def origin(self) -> str:
        """Return the file read last (or the first one, before any read)."""
        return str(self.paths[max(self.position - 1, 0)])

    @property
    def exhausted(self) -> bool:
        """Return True when every file has been read."""
        return self.position >= len(self.paths)

    async def fetch(self) -> bytes | None:
        """Return the next file's bytes, or None once all were read."""
        await self._kept()
        if self.exhausted:
            return None
        path = self.paths[self.position]
        self.position += 1
        return await asyncio.to_thread(read_file, path, self.max_bytes)

    async def _kept(self) -> None:
        """Go on from the position kept in the store, if further; keep ours. A fetch comes
        once the last file was processed, so the files before it are recorded (or set
        aside): a new leader reads again at most the one its predecessor was processing."""
        if self.keep is None:
            return
        try:
            kept = await self.keep.setting(self.key)
            if kept is not None and kept.isdigit():
                self.position = max(self.position, int(kept))
            if str(self.position) != kept:
                await self.keep.set_setting(self.key, str(self.position))
        except StoreUnavailable as exc:  # a convenience: the replay goes on from memory
            log.debug("replay position not kept (%s)", exc)
