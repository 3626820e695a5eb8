"""The adapter interface: a chat platform's lifecycle, its limits, and the errors it maps to."""

from __future__ import annotations

import asyncio
import bisect
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.render.message import Message


class DeliveryError(Exception):
    """A message could not be delivered now."""


class RateLimited(DeliveryError):
    """The platform asked us to wait `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited; retry after {retry_after:g} s")
        self.retry_after = retry_after


class TargetGone(DeliveryError):
    """The chat is gone for good (bot blocked or kicked, channel archived)."""


class TargetMoved(DeliveryError):
    """The chat has a new id (a Telegram group upgraded to a supergroup)."""

    def __init__(self, new_id: str) -> None:
        super().__init__(f"chat moved to {new_id}")
        self.new_id = new_id


class Rejected(DeliveryError):
    """The platform refused this message for good (e.g. malformed); retrying cannot help."""


class TransientError(DeliveryError):
    """A server error or a timeout: try again later."""


class MessageGone(DeliveryError):
    """The message to edit is no longer there (deleted by someone): post a new one."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Limits:
    """How fast a platform lets us send."""

    per_chat_interval: float = 0.0
    concurrency: int = 8


class Pacer:
    """Spaces sends to each chat: `interval` between two, and at most `burst` per `window`
    seconds in chats that `grouped(chat_id)` says are groups. Slots are reserved, so
    concurrent callers (alerts and command replies) share one schedule."""

    def __init__(
        self,
        interval: float,
        *,
        burst: int = 0,
        window: float = 0.0,
        grouped: Callable[[str], bool] = lambda _: False,
        overall: tuple[int, float] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval, self.burst, self.window, self.grouped = interval, burst, window, grouped
        self.monotonic, self.sleep = monotonic, sleep
        self._next: dict[str, float] = {}
        self._recent: dict[str, deque[float]] = {}
        self.overall = overall
        self._all: list[float] = []  # every booked slot, sorted, for the overall window
        self._next_turn = 0.0  # when the next bulk send's turn comes

    def delay(self, chat_id: str) -> float:
        """Return how long the chat's next slot is from now, without booking it."""
        now = self.monotonic()
        slot = max(now, self._next.get(chat_id, now))
        recent = self._recent.get(chat_id)
        if self.burst and recent and self.grouped(chat_id):
            live = [t for t in recent if t > slot - self.window]
            if len(live) >= self.burst:
                slot = max(slot, live[-self.burst] + self.window)
        return slot - now

    def _overall_delay(self, chat_id: str) -> float:
        """Return how long the chat's next slot is from now, the overall window included,
        without booking it."""
        now = self.monotonic()
        return self._fit_overall(now + self.delay(chat_id), now, book=False) - now

    def reserve(self, chat_id: str, *, opened: float | None = None) -> float:
        """Book the chat's next free slot and return how long to wait for it (negative: it
        has passed). A slot that `opened` in the last window is booked from then."""
        now = self.monotonic()
        window = self.overall[1] if self.overall else 0.0
        start = now if opened is None else min(now, max(opened, now - window))
        slot = max(start, self._next.get(chat_id, start))
        if self.burst and self.grouped(chat_id):
            recent = self._recent.setdefault(chat_id, deque())
            while recent and recent[0] <= slot - self.window:
                recent.popleft()
            if len(recent) >= self.burst:
                slot = max(slot, recent[-self.burst] + self.window)
            recent.append(slot)
        if self.overall:
            slot = self._fit_overall(slot, now)
        self._next[chat_id] = slot + self.interval
        return slot - now

    def _fit_overall(self, slot: float, now: float, *, book: bool = True) -> float:
        """Move a slot later until no `window` seconds hold more than `burst` sends in all:
        every run of burst + 1 consecutive sends must span at least `window`; book it
        unless told not to."""
        burst, window = self.overall or (0, 0.0)
        booked = self._all
        while booked and booked[0] <= now - window:
            booked.pop(0)
        while True:
            i = bisect.bisect_right(booked, slot)
            moved = slot
            for j in range(max(0, i - burst), min(i, len(booked) - burst) + 1):
                # The run of burst + 1 starting at j, with `slot` at position i inside it.
                first = booked[j] if j < i else slot
                last = booked[j + burst - 1] if j + burst > i else slot
                if last - first < window:
                    moved = first + window if last == slot else last + 1e-6
                    break
            if moved == slot:
                if book:
                    bisect.insort(booked, slot)
                return slot
            slot = moved

    async def wait(self, chat_id: str, *, bulk: bool = False) -> None:
        """Reserve the chat's next slot and sleep until it comes.

        A `bulk` send (an alert of a fan-out) books its slot in the overall window only once
        that slot has come, so that a command's reply, which books at once, goes ahead of
        the alerts still waiting: with 10,000 chats to alert, a reply had waited behind
        every alert already booked (bench.commands, P6). It books the slot from when it
        opened, not from when the alert woke: a busy loop wakes it late, and a late booking
        put every later slot back as much (bench.fanout, P3: 76 % of the ceiling, 89 %).
        Bulk sends are spread evenly over the window, each taking the next turn of one per
        window / burst, rather than a window's worth let go at once: in bursts, a reply
        that came just after one waited for the next window, up to a second (P6)."""
        if self.interval <= 0 and not self.burst:
            return
        opened = None
        if bulk and self.overall:
            opened = self._turn()
            if (ahead := opened - self.monotonic()) > 0:
                await self.sleep(ahead)
        while bulk and self.overall and (ahead := self._overall_delay(chat_id)) > 0:
            opened = self.monotonic() + ahead
            await self.sleep(ahead)
        delay = self.reserve(chat_id, opened=opened)
        if delay > 0:
            await self.sleep(delay)

    def _turn(self) -> float:
        """Return when the next bulk send's turn comes, and take it: turns are one window /
        burst apart, taken in order, so that senders waiting together do not all wake for
        each slot."""
        burst, window = self.overall or (1, 0.0)
        turn = max(self.monotonic(), self._next_turn)
        self._next_turn = turn + window / burst
        return turn


class InFlight:
    """The handlers of incoming requests under way, so that `stop()` lets them finish before
    the store closes under them (slack-bolt runs each listener in a task of its own, after the
    ack, which its server's shutdown does not wait for)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[object]] = set()
        self.draining = False

    def enter(self) -> None:
        """Count the current task as a handler under way until `leave()`."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)

    def leave(self) -> None:
        """The current task's handler is done."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.discard(task)

    def __len__(self) -> int:
        return len(self._tasks)

    async def drain(self, within: float) -> int:
        """Wait up to `within` seconds for the handlers under way, then cancel the rest;
        return how many were cancelled."""
        self.draining = True
        pending = set(self._tasks)
        if not pending:
            return 0
        _, late = await asyncio.wait(pending, timeout=within)
        for task in late:
            task.cancel()
        return len(late)


class Adapter(Protocol):
    """A chat platform: started and stopped with the app, sends messages to chats."""

    platform: str
    limits: Limits
    pacer: Pacer

    async def start(self) -> None:
        """Connect and begin receiving commands."""
        ...

    async def stop(self) -> None:
        """Stop receiving and release connections."""
        ...

    async def send(self, chat_id: str, message: Message) -> None:
        """Deliver a message, or raise a DeliveryError subclass."""
        ...

    async def post(self, chat_id: str, message: Message) -> str:
        """Deliver a message that will be edited later; return its id."""
        ...

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        """Replace a message's content (unchanged content is a success), or raise
        MessageGone when it was deleted."""
        ...

    async def pin(self, chat_id: str, message_id: str) -> bool:
        """Pin a message if the bot may; return whether it did."""
        ...

    async def unpin(self, chat_id: str, message_id: str) -> None:
        """Unpin a message, quietly if it cannot."""
        ...
