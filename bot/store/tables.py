"""Every table of the store, with its columns and what each holds: how `store copy` moves a
store's data between backends (bot/store/copy.py), whatever each backend's own types are."""

from __future__ import annotations

from dataclasses import dataclass

# What a column holds, as the copy carries it: text, int, bool, bytes, or time (an aware
# datetime: SQLite keeps its text form, PostgreSQL a timestamptz).
Kind = str


@dataclass(frozen=True, kw_only=True, slots=True)
class Table:
    """A table to copy: its name, its columns (name, kind), and what orders its rows on
    PostgreSQL (SQLite orders by rowid)."""

    name: str
    columns: tuple[tuple[str, Kind], ...]
    order: str
    batch: int = 1000  # rows read and written at a time

    @property
    def names(self) -> tuple[str, ...]:
        """Return the names of the columns, in order."""
        return tuple(name for name, _ in self.columns)


TABLES: tuple[Table, ...] = (
    Table(
        name="snapshots", order="id", batch=20,  # a version's raw bytes can be megabytes
        columns=(("source", "text"), ("updated_at", "time"), ("fetched_at", "time"),
                 ("sha256", "text"), ("raw", "bytes"), ("data", "text")),
    ),
    Table(
        name="baselines", order="source", batch=5, columns=(("source", "text"), ("data", "text"))
    ),
    Table(
        name="races", order="id",
        columns=(("id", "text"), ("source", "text"), ("name", "text"), ("level", "text"),
                 ("code", "text"), ("updated_at", "time"), ("flagged", "bool"), ("data", "text")),
    ),
    Table(
        name="ledger", order="seq",
        columns=(("key", "text"), ("kind", "text"), ("race", "text"), ("data_time", "time"),
                 ("recorded_at", "time"), ("covered_by", "text")),
    ),
    Table(
        name="subscriptions", order="seq",
        columns=(("platform", "text"), ("chat_id", "text"), ("race", "text"),
                 ("locale", "text"), ("active", "bool"), ("disabled_reason", "text")),
    ),
    Table(
        name="outbox", order="id",
        columns=(("event_key", "text"), ("platform", "text"), ("chat_id", "text"),
                 ("payload", "text"), ("status", "text"), ("attempts", "int"),
                 ("not_before", "time"), ("created_at", "time"), ("sent_at", "time"),
                 ("last_error", "text")),
    ),
    Table(name="settings", order="key", columns=(("key", "text"), ("value", "text"))),
    Table(
        name="images", order="key", batch=50,
        columns=(("key", "text"), ("data", "bytes"), ("created_at", "time")),
    ),
    Table(
        name="live_boards", order="seq",
        columns=(("platform", "text"), ("chat_id", "text"), ("race", "text"),
                 ("locale", "text"), ("message_id", "text"), ("shown", "text"),
                 ("next_edit", "time")),
    ),
    Table(
        name="rejected_versions", order="id", batch=20,
        columns=(("source", "text"), ("sha256", "text"), ("origin", "text"), ("error", "text"),
                 ("attempts", "int"), ("rejected_at", "time"), ("raw", "bytes")),
    ),
)  # fmt: skip
