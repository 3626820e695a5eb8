"""Content-Encoding decoders: byte-identical bodies, stacked codings, the cap counted as
bytes are decoded (a bomb stops at the cap, in bounded memory), clear refusals."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import Iterator

import pytest

from bot.sources.decoding import CHUNK, BodyDecoder, BodyTooLarge, Undecodable, codings
from tests.builders import feed_bytes

FEED = feed_bytes(10, {"hamon": 600, "valls": 400}, counted=50) * 50


def deflate(data: bytes, wbits: int = zlib.MAX_WBITS) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


def decode(header: str | None, body: bytes, cap: int = 10_000_000, piece: int = 4096) -> bytes:
    decoder = BodyDecoder(header, cap)
    for start in range(0, len(body), piece):
        decoder.feed(body[start : start + piece])
    return decoder.finish()


def zeros_gzipped(size: int, level: int = 1) -> Iterator[bytes]:
    """Yield the gzip of `size` zero bytes, built a megabyte at a time."""
    packer = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    for _ in range(size >> 20):
        yield packer.compress(block)
    yield packer.flush()


def gzip_stream(parts: Iterator[bytes]) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return b"".join(packer.compress(p) for p in parts) + packer.flush()


@pytest.mark.parametrize("piece", [1, 7, 4096, 1 << 20])
def test_a_gzip_feed_decodes_byte_identical_however_it_arrives(piece: int) -> None:
    assert decode("gzip", gzip.compress(FEED), piece=piece) == FEED
    assert decode("x-gzip", gzip.compress(FEED), piece=piece) == FEED


@pytest.mark.parametrize("piece", [1, 3, 4096])
def test_deflate_is_read_zlib_wrapped_or_raw(piece: int) -> None:
    assert decode("deflate", deflate(FEED), piece=piece) == FEED
    assert decode("deflate", deflate(FEED, -zlib.MAX_WBITS), piece=piece) == FEED


def test_stacked_codings_are_undone_last_first() -> None:
    body = deflate(gzip.compress(FEED))  # gzip applied first, then deflate
    assert decode("gzip, deflate", body) == FEED
    assert decode("GZIP ,gzip", gzip.compress(gzip.compress(FEED))) == FEED
    assert codings("gzip, identity, deflate") == ["deflate", "gzip"]


def test_no_coding_or_identity_passes_the_body_through() -> None:
    assert decode(None, FEED) == FEED
    assert decode("identity", FEED) == FEED


def test_gzip_members_in_a_row_are_one_body() -> None:
    assert decode("gzip", gzip.compress(FEED[:1000]) + gzip.compress(FEED[1000:])) == FEED


def test_a_body_over_the_cap_is_refused() -> None:
    with pytest.raises(BodyTooLarge, match=r"body over the 1000-byte cap$"):
        decode(None, FEED, cap=1000)
    assert decode(None, FEED, cap=len(FEED)) == FEED  # the cap itself is allowed


def test_a_bomb_stops_at_the_cap_in_bounded_memory() -> None:
    bomb = gzip_stream(zeros_gzipped(256 << 20))  # 256 MB of zeros, gzipped twice
    assert len(bomb) < 10_000
    decoder = BodyDecoder("gzip, gzip", 1_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(BodyTooLarge, match=r"1000000-byte cap once decoded \(gzip, gzip\)"):
            decoder.feed(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000 + 16 * CHUNK  # the cap plus a few chunks, never the bomb


def test_a_compressed_layer_counts_against_the_cap_too() -> None:
    # gzip of gzip of nothing but empty members: tiny output, a huge middle layer.
    middle = gzip.compress(b"") * 100_000
    with pytest.raises(BodyTooLarge, match="once decoded"):
        decode("gzip, gzip", gzip.compress(middle), cap=100_000)


@pytest.mark.parametrize("header", ["br", "gzip, zstd", "compress"])
def test_an_unsupported_coding_is_named(header: str) -> None:
    with pytest.raises(
        Undecodable, match=r"content encoding '(br|zstd|compress)' is not supported"
    ):
        BodyDecoder(header, 1000)


def test_too_many_codings_are_refused() -> None:
    with pytest.raises(Undecodable, match="more than 4"):
        BodyDecoder(", ".join(["gzip"] * 5), 1000)


def test_broken_or_cut_compressed_data_is_undecodable() -> None:
    with pytest.raises(Undecodable, match="gzip data is broken"):
        decode("gzip", b"not gzip at all")
    with pytest.raises(Undecodable, match="gzip data ends before its stream does"):
        decode("gzip", gzip.compress(FEED)[:-20])
