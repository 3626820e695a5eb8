"""Who may manage a Slack channel's settings and run the admin commands: the workspace's
admins and owners (users.info), and the users and user groups that the config names as
managers (usergroups.users.list). Each answer is kept a minute."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("bot.adapters.slack")

RIGHTS_KEPT = 60.0  # seconds an answer is kept: a demoted admin loses the rights within it
T = TypeVar("T")


class SlackRights:
    """Answers "may this user manage this channel", asking Slack at most once a minute per
    user and per user group. A failed question is a no, logged once per kind of failure."""

    def __init__(
        self,
        client: AsyncWebClient,
        managers: Collection[str] = (),
        *,
        kept: float = RIGHTS_KEPT,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client, self.kept, self.monotonic = client, kept, monotonic
        self.users = frozenset(m for m in managers if not m.startswith("S"))
        self.groups = tuple(m for m in managers if m.startswith("S"))
        self._admins: dict[str, tuple[float, bool]] = {}
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._said: set[tuple[str, str]] = set()  # (method, error) already logged

    async def may_manage(self, user_id: str, channel_id: str) -> bool:
        """Return True when the user may change the channel's settings."""
        if channel_id.startswith("D"):  # a direct message with the app: its user's own
            return True
        if not user_id:
            return False
        if user_id in self.users or await self._workspace_admin(user_id):
            return True
        for group in self.groups:
            if user_id in await self._group(group):
                return True
        return False

    async def _workspace_admin(self, user_id: str) -> bool:
        kept = self._fresh(self._admins, user_id)
        if kept is not None:
            return kept
        user = await self._ask("users.info", user=user_id)
        if user is None:
            return False
        profile = user.get("user") or {}
        admin = any(profile.get(k) for k in ("is_admin", "is_owner", "is_primary_owner"))
        self._admins[user_id] = (self.monotonic(), admin)
        return admin

    async def _group(self, group: str) -> frozenset[str]:
        kept = self._fresh(self._members, group)
        if kept is not None:
            return kept
        answer = await self._ask("usergroups.users.list", usergroup=group)
        if answer is None:
            return frozenset()
        members = frozenset(str(u) for u in answer.get("users") or ())
        self._members[group] = (self.monotonic(), members)
        return members

    def _fresh(self, kept: dict[str, tuple[float, T]], key: str) -> T | None:
        found = kept.get(key)
        if found is None or self.monotonic() - found[0] > self.kept:
            return None
        return found[1]

    async def _ask(self, method: str, **params: str) -> dict[str, Any] | None:
        """Call a read method; None when Slack or the network fails (not kept: asked again)."""
        try:
            response = await self.client.api_call(method, http_verb="GET", params=params)
        except SlackApiError as exc:
            body = exc.response.data if isinstance(exc.response.data, dict) else {}
            self._say_once(method, str(body.get("error") or "error"), body.get("needed"))
            return None
        except (ClientError, TimeoutError) as exc:
            self._say_once(method, type(exc).__name__, None)
            return None
        return response.data if isinstance(response.data, dict) else None

    def _say_once(self, method: str, error: str, needed: object) -> None:
        if (method, error) in self._said:
            return
        self._said.add((method, error))
        scope = f", needs the {needed} scope" if needed else ""
        log.warning(
            "slack: %s failed (%s%s): taken as no right to manage a channel (said once)",
            method, error, scope,
        )  # fmt: skip
