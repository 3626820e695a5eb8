"""The store's own error: what a caller may meet whichever backend holds the data."""

from __future__ import annotations


class StoreUnavailable(Exception):
    """The store cannot take a write (a full disk, an I/O error, a read-only file) or cannot
    be opened at all. What was asked was not done; the same call may succeed later. The
    message names the cause, and the path when the store could not be opened."""


class Fenced(StoreUnavailable):
    """This instance no longer leads (its lease ended, another took it): the database refused
    the write (a version recorded, deliveries claimed) in the same transaction that checked
    the lease's epoch. Nothing was done; the instance stops leading."""
