"""The outbox dispatcher: delivers queued messages through adapters, with retries."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from bot.adapters.base import Adapter, RateLimited, Rejected, TargetGone, TargetMoved
from bot.platforms import platform_named
from bot.render.message import Image, Message, digests, merge
from bot.store import Delivery, Store

log = logging.getLogger(__name__)

BASE_BACKOFF = 1.0
MAX_BACKOFF = 300.0
# A run waits at most this long for one chat's next slot, so that a group at its
# twenty-a-minute limit never holds up the other chats' alerts.
MAX_PACING_WAIT = 2.0
IMAGE_CACHE = 8  # charts kept in memory while they go out to every chat


class Dispatcher:
    """Sends due deliveries in order per chat; never drops what is due."""

    def __init__(
        self,
        store: Store,
        adapters: Mapping[str, Adapter],
        *,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
        digest_max: int = 10,
        time_scale: float = 1.0,
    ) -> None:
        self.digest_max, self.time_scale = digest_max, time_scale
        self.store, self.adapters, self.clock = store, adapters, clock
        self.rng = rng or random.Random()
        self.paused = False
        self._stopping = False
        self._missing_logged: set[str] = set()
        self._images: OrderedDict[str, bytes] = OrderedDict()

    def stop(self) -> None:
        """Start no new send: a run in progress ends once its sends under way are recorded
        (a run of up to 500 messages, at 30 a second, could keep a stopping bot up for 17 s)."""
        self._stopping = True

    async def run_once(self, limit: int = 500) -> int:
        """Deliver what is due now; return how many messages were sent."""
        if self.paused or self._stopping:
            return 0
        self._note_missing(await self.store.pending_platforms())
        due = await self.store.due(self.clock(), limit, platforms=tuple(self.adapters))
        chats: dict[tuple[str, str], list[Delivery]] = {}
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
            if self._stopping or adapter.pacer.delay(chat) > MAX_PACING_WAIT:
                break  # stopping, or the chat is busy for a while: a later run goes on
            await adapter.pacer.wait(chat)
            if self._stopping:
                break  # the rest stays queued for the next start
            if not await self._deliver(adapter, batch):
                break  # keep the chat's order: later messages wait for these
            sent += len(batch)
        return sent

    async def _deliver(self, adapter: Adapter, batch: list[Delivery]) -> bool:
        """Send one message (a digest when several were due at once); settle every row."""
        now, first = self.clock(), batch[0]
        ids = [row.id for row in batch]
        message = await self._with_image_data(merge([row.message for row in batch]))
        try:
            await adapter.send(first.chat_id, message)
        except RateLimited as exc:
            # Count the wait from the refusal, not from when the attempt began.
            when = self.clock() + timedelta(seconds=exc.retry_after)
            await self.store.retry_later(ids, when, str(exc), count=False)
            log.info("%s %s: %s", first.platform, first.chat_id, exc)
            return False
        except TargetGone as exc:
            await self.store.disable_chat(first.platform, first.chat_id, str(exc))
            log.warning("%s %s is gone (%s); subscription disabled", first.platform,
                        first.chat_id, exc)  # fmt: skip
            return False
        except Rejected as exc:
            await self.store.mark_failed(ids, str(exc))
            log.error("%s %s refused %s for good: %s", first.platform, first.chat_id,
                      [row.event_key for row in batch], exc)  # fmt: skip
            return True  # the next messages of this chat may still go
        except TargetMoved as exc:
            await self.store.move_chat(first.platform, first.chat_id, exc.new_id)
            log.info("%s %s moved to %s; queued messages follow", first.platform,
                     first.chat_id, exc.new_id)  # fmt: skip
            return False
        except Exception as exc:
            wait = self.backoff(max(row.attempts for row in batch) + 1)
            await self.store.retry_later(
                ids, now + timedelta(seconds=wait), f"{type(exc).__name__}: {exc}", count=True
            )
            log.warning("%s %s: delivery failed (%s); retry in %.1f s", first.platform,
                        first.chat_id, exc, wait)  # fmt: skip
            return False
        await self.store.mark_sent(ids, self.clock())
        return True

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
