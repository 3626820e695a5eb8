"""Content-Encoding undone one bounded chunk at a time, counting what it yields.

httpx decodes each chunk it reads whole: a few kilobytes of gzip-of-gzip became gigabytes
before any cap could look at them. The HTTP source reads the raw body instead and feeds it
here; every layer hands on at most CHUNK bytes at a time, and each layer's output counts
against the cap as it is produced (a compressed layer is no larger than what it encodes,
incompressible data aside), so a bomb stops at the cap with the memory of the cap.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Generator, Iterator

CHUNK = 65_536  # bytes a layer hands on at a time
MAX_CODINGS = 4  # "gzip, gzip, gzip, ..." beyond this is refused: each layer holds a window
SUPPORTED = ("gzip", "x-gzip", "deflate", "identity")
ACCEPT_ENCODING = "gzip, deflate"


class BodyTooLarge(Exception):
    """The body, or one of its decoded layers, went over the cap."""


class Undecodable(Exception):
    """The body's encoding is unsupported, or its compressed data is broken."""


def codings(header: str | None) -> list[str]:
    """Return a Content-Encoding header's codings in the order they must be undone."""
    names = [name.strip().lower() for name in (header or "").split(",")]
    names = [name for name in names if name and name != "identity"]
    for name in names:
        if name not in SUPPORTED:
            raise Undecodable(f"content encoding {name!r} is not supported")
    if len(names) > MAX_CODINGS:
        raise Undecodable(f"{len(names)} content encodings, more than {MAX_CODINGS}")
    return names[::-1]  # the last one listed was applied last


class _Layer:
    """One coding undone by zlib, its output handed on CHUNK bytes at a time."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._head = b""  # deflate: the first bytes, until they tell zlib from raw
        self._zlib: zlib._Decompress | None = None
        if name != "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)

    @property
    def done(self) -> bool:
        """Return True once the compressed stream has ended."""
        return self._zlib is not None and self._zlib.eof

    def decode(self, data: bytes) -> Iterator[bytes]:
        """Yield what `data` decodes to, in pieces of at most CHUNK bytes."""
        if self._zlib is None:
            data = self._sniff(data)
        while data and self._zlib is not None:
            data = yield from self._inflate(data)

    def _inflate(self, data: bytes) -> Generator[bytes, None, bytes]:
        assert self._zlib is not None
        while True:
            try:
                out = self._zlib.decompress(data, CHUNK)
            except zlib.error as exc:
                raise Undecodable(f"{self.name} data is broken: {exc}") from exc
            data = self._zlib.unconsumed_tail
            if out:
                yield out
            if self._zlib.eof:
                return self._next_member()
            if not data and len(out) < CHUNK:  # input used up and nothing left inside
                return b""

    def _next_member(self) -> bytes:
        """Return the bytes after a stream's end: gzip may hold several members in a row."""
        assert self._zlib is not None
        rest = self._zlib.unused_data
        if rest and self.name != "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
            return rest
        return b""  # trailing bytes after a deflate stream are ignored, as httpx does

    def _sniff(self, data: bytes) -> bytes:
        """Tell zlib-wrapped deflate (RFC 9110) from raw deflate (what some servers send)."""
        self._head += data
        if len(self._head) < 2:
            return b""
        first, second = self._head[0], self._head[1]
        wrapped = first & 0x0F == 8 and (first << 8 | second) % 31 == 0
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        data, self._head = self._head, b""
        return data


class BodyDecoder:
    """Undoes a body's Content-Encoding as its raw bytes arrive, within a cap."""

    def __init__(self, header: str | None, cap: int) -> None:
        self.cap = cap
        self.names = codings(header)
        self._layers = [_Layer(name) for name in self.names]
        self._seen = [0] * (len(self._layers) + 1)  # bytes in and out of each layer
        self._body = io.BytesIO()

    def feed(self, raw: bytes) -> None:
        """Decode the next raw bytes of the body; raise BodyTooLarge past the cap."""
        self._push(0, raw)

    def finish(self) -> bytes:
        """Return the decoded body; raise Undecodable if a compressed stream was cut short."""
        for layer in self._layers:
            if not layer.done:
                raise Undecodable(f"{layer.name} data ends before its stream does")
        return self._body.getvalue()  # BytesIO hands over its buffer without a copy

    def _push(self, level: int, data: bytes) -> None:
        self._seen[level] += len(data)
        if self._seen[level] > self.cap:
            how = f" once decoded ({', '.join(self.names[::-1])})" if level else ""
            raise BodyTooLarge(f"body over the {self.cap}-byte cap{how}")
        if level == len(self._layers):
            self._body.write(data)
            return
        for out in self._layers[level].decode(data):
            self._push(level + 1, out)
