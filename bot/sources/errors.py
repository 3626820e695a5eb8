"""The error a source raises when a feed cannot be fetched."""

from __future__ import annotations


class FetchError(Exception):
    """A source could not be fetched (network error, bad status, body too large)."""
