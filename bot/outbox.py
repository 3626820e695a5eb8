"""The outbox dispatcher: delivers queued messages through adapters, with retries."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.adapters.base import Adapter, RateLimited, Rejected, TargetGone, TargetMoved
from bot.metrics import Metrics
from bot.platforms import platform_named
from bot.render.message import Image, Message, digests, merge
from bot.store import Delivery, Store, StoreUnavailable

log = logging.getLogger(__name__)

BASE_BACKOFF = 1.0
MAX_BACKOFF = 300.0
# While the store cannot write, what it refused is tried again at most this far apart: once
# the disk has room, the alerts held back go out within half a minute.
MAX_STORE_BACKOFF = 30.0
# A run waits at most this long for one chat's next slot, so that a group at its
# twenty-a-minute limit never holds up the other chats' alerts.
MAX_PACING_WAIT = 2.0
IMAGE_CACHE = 8  # charts kept in memory while they go out to every chat


Operation = Callable[[], Awaitable[object]]
Outage = Callable[[str | None], Awaitable[None]]  # told the store's error, then None once back


@dataclass(slots=True)
class Held:
    """What the store refused while it could not write, kept in memory to be done again in
    order: above all the receipts of messages a platform accepted, never to be sent twice."""

    operations: list[Operation] = field(default_factory=list)
    sent: set[int] = field(default_factory=set)  # delivered rows whose receipt is unwritten
    error: str | None = None  # the store's error, while it cannot write
    tries: int = 0
    retry_at: datetime | None = None


class Dispatcher:
    """Sends due deliveries in order per chat; never drops what is due, and never sends
    again what a platform accepted, even when the store cannot record it."""

    def __init__(
        self,
        store: Store,
        adapters: Mapping[str, Adapter],
        *,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
        digest_max: int = 10,
        time_scale: float = 1.0,
        on_outage: Outage | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics or Metrics()
        self.digest_max, self.time_scale = digest_max, time_scale
        self.store, self.adapters, self.clock = store, adapters, clock
        self.rng = rng or random.Random()
        self.on_outage = on_outage  # tells the admin chats (bot.outage), not through the store
        self.paused = False
        # Whether this instance leads (bot.app.leadership): a standby, or a leader whose
        # lease is ending by its own clock, starts no send.
        self.leading: Callable[[], bool] = lambda: True
        self.held = Held()
        self._stopping = False
        self._missing_logged: set[str] = set()
        self._images: OrderedDict[str, bytes] = OrderedDict()

    def stop(self) -> None:
        """Start no new send: a run in progress ends once its sends under way are recorded
        (a run of up to 500 messages, at 30 a second, could keep a stopping bot up for 17 s)."""
        self._stopping = True

    async def run_once(self, limit: int = 500) -> int:
        """Deliver what is due now; return how many messages were sent. While the store
        cannot write, only what it refused is tried again (with backoff): nothing is sent."""
        if self._stopping or not self.leading() or not await self._redo_held() or self.paused:
            return 0
        try:
            self._note_missing(await self.store.pending_platforms())
            due = await self.store.due(self.clock(), limit, platforms=tuple(self.adapters))
        except StoreUnavailable as exc:
            await self._refused(exc, self.store.pending_platforms)  # a read to try again
            return 0
        chats: dict[tuple[str, str], list[Delivery]] = {}
        due = [d for d in due if d.id not in self.held.sent]  # sent, receipt still held
        for d in due:
            chats.setdefault((d.platform, d.chat_id), []).append(d)
        by_platform: dict[str, list[list[Delivery]]] = {}
        for (platform, _), rows in chats.items():
            by_platform.setdefault(platform, []).append(rows)
        results = await asyncio.gather(
            *(self._platform(self.adapters[p], queues) for p, queues in by_platform.items()),
            return_exceptions=True,  # let every chat finish: none is left half-sent
        )
        for result in results:
            if isinstance(result, BaseException):
                log.error("dispatch failed: %s", result, exc_info=result)
        return sum(r for r in results if isinstance(r, int))

    def _note_missing(self, pending: set[str]) -> None:
        """Log once per platform whose messages wait because its adapter is not running."""
        waiting = pending - set(self.adapters) - self._missing_logged
        for platform in waiting:
            self._missing_logged.add(platform)
            log.warning("messages queued for %s wait: that adapter is not running", platform)

    async def _platform(self, adapter: Adapter, queues: list[list[Delivery]]) -> int:
        gate = asyncio.Semaphore(max(1, adapter.limits.concurrency))

        async def drain(rows: list[Delivery]) -> int:
            async with gate:
                return await self._chat(adapter, rows)

        results = await asyncio.gather(*(drain(rows) for rows in queues), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                log.error("dispatch to %s failed: %s", adapter.platform, result, exc_info=result)
        return sum(r for r in results if isinstance(r, int))

    async def _chat(self, adapter: Adapter, rows: list[Delivery]) -> int:
        sent = 0
        caption = platform_named(adapter.platform).caption_limit
        for size in digests([r.message for r in rows], self.digest_max, caption):
            batch, rows = rows[:size], rows[size:]
            chat = batch[0].chat_id
            if self._halted() or adapter.pacer.delay(chat) > MAX_PACING_WAIT:
                break  # stopping, or the chat is busy for a while: a later run goes on
            await adapter.pacer.wait(chat, bulk=True)  # a command's reply goes first
            if self._halted():
                break  # the rest stays queued for the next start, or for the store
            if not await self._deliver(adapter, batch):
                break  # keep the chat's order: later messages wait for these
            sent += len(batch)
        return sent

    def _halted(self) -> bool:
        """Say whether no new send may start: the bot is stopping, the store cannot write, or
        this instance does not lead."""
        return self._stopping or self.held.error is not None or not self.leading()

    async def _deliver(self, adapter: Adapter, batch: list[Delivery]) -> bool:
        """Send one message (a digest when several were due at once); settle every row."""
        now, first = self.clock(), batch[0]
        ids = [row.id for row in batch]
        message = await self._with_image_data(merge([row.message for row in batch]))
        try:
            await adapter.send(first.chat_id, message)
        except Exception as exc:
            self.metrics.refused(adapter.platform, *_counted(exc))
            settle, go_on = self._settlement(batch, exc, now)
            return await self._write(settle) and go_on
        self.held.sent.update(ids)  # from now on never sent again, whatever the store says
        accepted = self.clock()
        self.metrics.delivered(adapter.platform, batch, accepted)
        return await self._write(functools.partial(self._receipt, ids, accepted))

    async def _receipt(self, ids: list[int], when: datetime) -> None:
        """Record that rows reached their chat at `when`."""
        await self.store.mark_sent(ids, when)
        self.held.sent.difference_update(ids)

    def _settlement(
        self, batch: list[Delivery], exc: Exception, now: datetime
    ) -> tuple[Operation, bool]:
        """Log a send that failed; return the store write that settles its rows, and whether
        the chat's next messages may still go."""
        first, ids, store = batch[0], [row.id for row in batch], self.store
        if isinstance(exc, RateLimited):
            # Count the wait from the refusal, not from when the attempt began.
            when = self.clock() + timedelta(seconds=exc.retry_after)
            log.info("%s %s: %s", first.platform, first.chat_id, exc)
            return functools.partial(store.retry_later, ids, when, str(exc), count=False), False
        if isinstance(exc, TargetGone):
            log.warning("%s %s is gone (%s); subscription disabled", first.platform,
                        first.chat_id, exc)  # fmt: skip
            return functools.partial(store.disable_chat, first.platform, first.chat_id,
                                     str(exc)), False  # fmt: skip
        if isinstance(exc, Rejected):
            log.error("%s %s refused %s for good: %s", first.platform, first.chat_id,
                      [row.event_key for row in batch], exc)  # fmt: skip
            return functools.partial(store.mark_failed, ids, str(exc)), True  # next ones may go
        if isinstance(exc, TargetMoved):
            log.info("%s %s moved to %s; queued messages follow", first.platform,
                     first.chat_id, exc.new_id)  # fmt: skip
            return functools.partial(store.move_chat, first.platform, first.chat_id,
                                     exc.new_id), False  # fmt: skip
        wait = self.backoff(max(row.attempts for row in batch) + 1)
        log.warning("%s %s: delivery failed (%s); retry in %.1f s", first.platform,
                    first.chat_id, exc, wait)  # fmt: skip
        when, error = now + timedelta(seconds=wait), f"{type(exc).__name__}: {exc}"
        return functools.partial(store.retry_later, ids, when, error, count=True), False

    async def _write(self, operation: Operation) -> bool:
        """Run a store write; when the store refuses it, hold it to be done again and stop
        dispatching. Return True when it was written."""
        try:
            await operation()
        except StoreUnavailable as exc:
            await self._refused(exc, operation)
            return False
        return True

    async def _refused(self, exc: StoreUnavailable, operation: Operation) -> None:
        """Hold what the store refused; the first refusal pauses dispatching, says so once in
        the log and tells the admin chats."""
        held = self.held
        held.operations.append(operation)
        if held.error is not None:
            return
        held.error, held.tries = str(exc), 1
        held.retry_at = self.clock() + timedelta(seconds=self._store_backoff(1))
        log.error("the store cannot write (%s): dispatching paused; what was sent is kept in "
                  "memory and recorded once it can", exc)  # fmt: skip
        await self._tell(held.error)

    async def _redo_held(self) -> bool:
        """Once its wait is over, do again in order what the store refused; return True when
        nothing is held (the store takes writes again)."""
        held = self.held
        if held.error is None:
            return True
        if held.retry_at is not None and self.clock() < held.retry_at:
            return False
        try:
            while held.operations:
                await held.operations[0]()
                held.operations.pop(0)
        except StoreUnavailable:
            held.tries += 1
            held.retry_at = self.clock() + timedelta(seconds=self._store_backoff(held.tries))
            return False
        log.warning("the store takes writes again after %d tries: dispatching goes on",
                    held.tries)  # fmt: skip
        held.error, held.tries, held.retry_at = None, 0, None
        await self._tell(None)
        return True

    async def flush(self) -> int:
        """As the bot stops, try once more what the store refused; return how many operations
        are still held (their messages may go again after a restart: it is logged)."""
        self.held.retry_at = None
        if not await self._redo_held():
            log.error("%d receipt(s) or other outbox write(s) could not be stored (%s); the "
                      "messages they settle may be sent again after a restart",
                      len(self.held.operations), self.held.error)  # fmt: skip
        return len(self.held.operations)

    async def _tell(self, error: str | None) -> None:
        """Tell the admin chats that the store cannot write (`error`) or writes again (None)."""
        if self.on_outage is None:
            return
        try:
            await self.on_outage(error)
        except Exception:
            log.exception("the admin chats could not be told about the store")

    def _store_backoff(self, tries: int) -> float:
        return min(MAX_STORE_BACKOFF * self.time_scale, self.backoff(tries))

    async def _with_image_data(self, message: Message) -> Message:
        """Load a message's image from the store (once for all the chats it goes to)."""
        image = message.image
        if image is None or image.data is not None:
            return message
        data = self._images.get(image.key)
        if data is None:
            data = await self.store.image(image.key)
            if data is None:
                log.error("image %s is missing from the store; sending the text alone", image.key)
                return message.with_image(None)
            self._images[image.key] = data
            while len(self._images) > IMAGE_CACHE:
                self._images.popitem(last=False)
        return message.with_image(Image(key=image.key, alt=image.alt, data=data))

    def backoff(self, attempts: int) -> float:
        """Return the wait before retry number `attempts`, exponential with jitter."""
        base = min(MAX_BACKOFF, BASE_BACKOFF * 2.0 ** (attempts - 1))
        return base * self.time_scale * self.rng.uniform(0.5, 1.0)


def _counted(exc: Exception) -> tuple[str, float | None]:
    """Return how a send that failed counts (bot.metrics): its outcome, and a 429's wait."""
    if isinstance(exc, RateLimited):
        return "rate_limited", exc.retry_after
    kinds = ((TargetGone, "gone"), (TargetMoved, "moved"), (Rejected, "rejected"))
    return next((label for kind, label in kinds if isinstance(exc, kind)), "failed"), None
