"""Test support: wait on conditions (never on fixed sleeps), write configs, run the app (in
process or as a child process) against the fakes, and speak Slack's signed HTTP.

Test modules share helpers through here (or tests/builders.py, tests/fakes/), never by
importing another test module: tests/test_layout.py holds that rule.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from bot.app import App, Options
from bot.config import load
from tests.builders import feed_doc
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import FakeTelegram
from tests.feedserver import FeedServer

ROOT = Path(__file__).resolve().parent.parent


async def wait_for(
    predicate: Callable[[], object], patience: float = 10.0, what: str = "", every: float = 0.01
) -> None:
    """Return once `predicate()` is truthy (awaiting it if needed), asking every `every` s;
    fail after `patience` s. The benchmarks wait with it too."""
    deadline = time.monotonic() + patience
    while True:
        result = predicate()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {patience} s waiting for {what or predicate}")
        await asyncio.sleep(every)


def write_config(
    tmp_path: Path,
    url: str,
    *,
    extra: str = "",
    locale: str = "en",
    charts: str = "send_with = []",
    top: str = "",
) -> Path:
    """Write a config polling `url` (or a file, given as "file:NAME") quickly; return its path.

    Alerts go without charts unless `charts` (the [charts] table's body) says otherwise: the
    chart tests turn them on. `top` adds top-level keys (e.g. live_interval)."""
    where = f'path = "{url[5:]}"' if url.startswith("file:") else f'url = "{url}"'
    path = tmp_path / "soiree.toml"
    path.write_text(
        f"""
locale = "{locale}"
db = "soiree.db"
main_races = ["national"]
dispatch_interval = 0.05
{top}

[rules]
turnout_voters = [1000]

[rules.previous_round_voters]
national = 1500

[[sources]]
id = "feed"
label = "Test authority"
{where}
interval = 0.05
timeout = 2
{extra}

[charts]
{charts}
""",
        encoding="utf-8",
    )
    return path


class Night:
    """A running app whose feed is a file the test rewrites; platforms come from `env`."""

    def __init__(
        self,
        tmp_path: Path,
        env: dict[str, str],
        extra: str = "",
        scale: float = 10,
        digest_max: int | None = None,
        charts: str = "send_with = []",
        top: str = "",
    ) -> None:
        self.feed = tmp_path / "feed.json"
        path = write_config(tmp_path, "file:feed.json", extra=extra, charts=charts, top=top)
        self.config = load(path)
        self.out = io.StringIO()
        self.app = App(
            self.config,
            Options(
                out=self.out, interactive=False, env=env, rate_scale=scale, digest_max=digest_max
            ),
        )

    def publish(self, minutes: int, votes: dict[str, int], **kw: object) -> None:
        """Write a new version of the feed."""
        self.feed.write_text(json.dumps(feed_doc(minutes, votes, **kw)), encoding="utf-8")  # type: ignore[arg-type]

    async def __aenter__(self) -> Night:
        await self.app.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.stop()


# --- Slack's signed HTTP requests --------------------------------------------------------------

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def slash(
    slack: FakeSlack, command: str, text: str = "", channel: str = "C09", user: str = "U1"
) -> dict[str, str]:
    """Return the form Slack posts for a slash command typed in `channel` by `user` (U1, the
    fake workspace's admin, unless told)."""
    name = str(slack.users.get(user, {}).get("name", "someone"))
    return {
        "token": "legacy", "team_id": "T1", "team_domain": "test", "channel_id": channel,
        "channel_name": "campagne", "user_id": user, "user_name": name, "command": command,
        "text": text, "api_app_id": "A1", "response_url": slack.response_url(channel),
        "trigger_id": f"{time.monotonic_ns()}.1.2",  # one per command, as Slack gives
    }  # fmt: skip


def signed(form: dict[str, str], *, secret: str = SECRET, age: int = 0) -> tuple[str, dict]:
    """Return the body and headers of `form` signed as Slack signs it, `age` seconds ago."""
    body = urlencode(form)
    ts = str(int(time.time()) - age)
    sig = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    headers = {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sig,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return body, headers


async def post(url: str, body: str, headers: dict) -> httpx.Response:
    """Post a signed body to the app's Slack endpoint."""
    async with httpx.AsyncClient(trust_env=False) as client:
        return await client.post(url, content=body, headers=headers)


# --- the app at the fakes ------------------------------------------------------------------


def chats(*ids: int, locale: str = "fr") -> str:
    """Return config tables subscribing Telegram chats `ids` to every race."""
    return "".join(
        f'\n[[chats]]\nplatform = "telegram"\nid = {i}\nlocale = "{locale}"\n' for i in ids
    )


class BothNight(Night):
    """The app with Telegram and Slack (HTTP mode) at the fakes, charts on by default."""

    def __init__(
        self, tmp_path: Path, tg: FakeTelegram, slack: FakeSlack, *, charts: str = "", extra="",
        top: str = "",
    ) -> None:  # fmt: skip
        env = {
            "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.base_url,
            "TELEGRAM_POLL_TIMEOUT": "1", "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_BASE_URL": slack.api_url,
            "SLACK_HTTP_HOST": "127.0.0.1", "PORT": "0",
        }  # fmt: skip
        super().__init__(tmp_path, env, extra, charts=charts, top=top)

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.app.adapters['slack'].port}/slack/events"  # type: ignore[attr-defined]


# --- the bot as a child process (the crash tests kill it) -------------------------------------


async def start_bot(
    config: Path, tg: FakeTelegram, log: Path, slack: FakeSlack | None = None,
    extra: dict[str, str] | None = None,
) -> asyncio.subprocess.Process:  # fmt: skip
    """Start `python -m bot run` on `config` with Telegram at the fake (and Slack in HTTP
    mode on an ephemeral port of 127.0.0.1, when given), `extra` added to its environment;
    stderr goes to `log`."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_API_BASE_URL": tg.base_url,
        "TELEGRAM_POLL_TIMEOUT": "1",
        "NO_PROXY": "127.0.0.1",
        "SOIREE_LOG_LEVEL": os.environ.get("SOIREE_LOG_LEVEL", "INFO"),
    }
    if slack is not None:
        env |= {"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_BASE_URL": slack.api_url, "SLACK_HTTP_HOST": "127.0.0.1",
                "PORT": "0"}  # fmt: skip
    env |= extra or {}
    with log.open("ab") as stderr:  # the child keeps its own copy of the descriptor
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config),
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip


async def slack_events_url(log: Path, patience: float = 30) -> str:
    """Return the Slack endpoint of a bot started with start_bot(slack=...), from its log."""
    await wait_for(lambda: _served_at(log), patience, "Slack served")
    return str(_served_at(log))


def _served_at(log: Path) -> str | None:
    marker = "slack: serving slash commands at "
    lines = log.read_text(encoding="utf-8").splitlines()
    return next(("http://" + ln.split(marker, 1)[1].strip() for ln in lines if marker in ln), None)


def tally(tg: FakeTelegram) -> Counter[tuple[int, str]]:
    """Count each alert headline (a bold line) per group; a digest holds several."""
    return Counter(
        (c.params["chat_id"], line)
        for c in tg.sent()
        for line in c.params["text"].split("\n")
        if line.startswith("<b>")
    )


async def processed(feed: FeedServer, body: bytes, patience: float = 120) -> None:
    """Serve a new version; return once the bot has processed it: its poller polls again
    only then, and the server answers that poll 304. (The test never waits on the bot's
    database meanwhile, which may be busy writing the version.)"""
    feed.publish(body)
    seen = len(feed.hits)
    await wait_for(
        lambda: any(h.if_none_match == feed.etag for h in feed.hits[seen:]),
        patience=patience,
        what="the version processed",
    )
