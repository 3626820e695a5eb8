"""Work that would hold the event loop, run in a thread of its own: parsing a large version,
diffing it, encoding it for the store. Commands keep being answered meanwhile.

A thread, not a process: a parsed version must come back to the loop, and unpickling the
Snapshot of a 12,000-commune document there took 1.3 s, as long as parsing it. The thread
holds the GIL while it computes, but CPython hands it to the loop every 5 ms (the switch
interval), so a Slack request waits milliseconds, not the whole parse.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# How soon a worker gives the loop the GIL back, in seconds (CPython's default: 5 ms). A
# command's reply takes it back a dozen times (its request, each store read, its send).
SWITCH_INTERVAL = 0.001


async def off_loop(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Return `fn(*args, **kwargs)` computed in a daemon thread, awaiting it on the loop.

    Daemon: a bot told to stop at the end of the night never waits for a thread at exit.
    Cancelling the await leaves the thread to finish; its result is dropped."""
    future: concurrent.futures.Future[T] = concurrent.futures.Future()

    def work() -> None:
        if not future.set_running_or_notify_cancel():
            return  # cancelled before it started
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the awaiting task, whatever it is
            future.set_exception(exc)

    if sys.getswitchinterval() > SWITCH_INTERVAL:
        sys.setswitchinterval(SWITCH_INTERVAL)
    name = f"soiree-{getattr(fn, '__name__', 'work')}"
    threading.Thread(target=work, name=name, daemon=True).start()
    return await asyncio.wrap_future(future)
