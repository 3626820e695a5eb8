"""The SQLite schema as versioned scripts: script n takes a database from version n-1 to n.

A database records its version in `PRAGMA user_version`; a script, once released, never
changes (a new one is appended), so every database on disk can be brought up to date.
"""

from __future__ import annotations

SQLITE_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY, source TEXT NOT NULL, updated_at TEXT NOT NULL,
        fetched_at TEXT NOT NULL, sha256 TEXT NOT NULL, raw BLOB NOT NULL, data TEXT NOT NULL
    );
    CREATE INDEX snapshots_source ON snapshots(source, updated_at);
    CREATE TABLE baselines (source TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE races (
        id TEXT PRIMARY KEY, source TEXT NOT NULL, name TEXT NOT NULL, level TEXT NOT NULL,
        code TEXT, updated_at TEXT NOT NULL, flagged INTEGER NOT NULL, data TEXT NOT NULL
    );
    CREATE TABLE ledger (
        key TEXT PRIMARY KEY, kind TEXT NOT NULL, race TEXT NOT NULL,
        data_time TEXT NOT NULL, recorded_at TEXT NOT NULL, covered_by TEXT
    );
    CREATE TABLE subscriptions (
        platform TEXT NOT NULL, chat_id TEXT NOT NULL, race TEXT NOT NULL,
        locale TEXT NOT NULL, admin INTEGER NOT NULL DEFAULT 0,
        active INTEGER NOT NULL DEFAULT 1, disabled_reason TEXT,
        PRIMARY KEY (platform, chat_id, race)
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY, event_key TEXT NOT NULL, platform TEXT NOT NULL,
        chat_id TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0, not_before TEXT NOT NULL, created_at TEXT NOT NULL,
        sent_at TEXT, last_error TEXT, UNIQUE (event_key, platform, chat_id)
    );
    CREATE INDEX outbox_due ON outbox(status, not_before);
    CREATE INDEX outbox_chat ON outbox(platform, chat_id, status);
    """,
    """
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    """
    CREATE TABLE images (key TEXT PRIMARY KEY, data BLOB NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE live_boards (
        platform TEXT NOT NULL, chat_id TEXT NOT NULL, race TEXT NOT NULL,
        locale TEXT NOT NULL, message_id TEXT, shown TEXT, next_edit TEXT NOT NULL,
        PRIMARY KEY (platform, chat_id)
    );
    """,
    """
    CREATE TABLE rejected_versions (
        id INTEGER PRIMARY KEY, source TEXT NOT NULL, sha256 TEXT NOT NULL,
        origin TEXT NOT NULL, error TEXT NOT NULL, attempts INTEGER NOT NULL,
        rejected_at TEXT NOT NULL, raw BLOB NOT NULL, UNIQUE (source, sha256)
    );
    """,
    """
    CREATE INDEX snapshots_sha ON snapshots(source, sha256);
    """,
)
