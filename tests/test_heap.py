"""Giving memory back: collecting cycles now, and moving the objects alive at start out of the
collector's sight."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot import heap


class Node:
    """One half of a reference cycle, as a drawn figure is a web of them."""

    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def no_automatic_collection() -> Iterator[None]:
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.enable()


def test_freeze_moves_what_is_alive_out_of_the_collectors_sight(
    no_automatic_collection: None,
) -> None:
    kept = Node()
    heap.freeze()
    assert gc.get_freeze_count() > 0
    assert not any(o is kept for o in gc.get_objects())


def test_trim_asks_malloc_to_give_back_every_arenas_free_pages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pads: list[int] = []
    monkeypatch.setattr(heap, "_TRIM", lambda pad: pads.append(pad) or 1)  # libc's, not ours
    heap.trim()
    assert pads == [0]  # no pad kept at the top of the heap
    monkeypatch.setattr(heap, "_TRIM", None)  # no glibc: nothing to do, and no error
    heap.trim()


def test_malloc_arenas_are_capped_unless_the_environment_caps_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert heap.limit_arenas() is False  # the operator's choice stands
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    assert heap.limit_arenas() is True  # glibc's mallopt took it (this machine's libc)
