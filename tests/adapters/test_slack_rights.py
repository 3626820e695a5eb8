"""Who may manage a Slack channel, asked of the fake Slack Web API with the real slack-sdk
client: workspace admins and owners, the config's users and user groups, each answer kept a
minute, and a failed question a no, said once."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_rights import SlackRights
from tests.fakes.slack import SCOPES, FakeSlack

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    fake.users |= {"U3": {"name": "léa"}, "U4": {"name": "hugo"}, "W5": {"is_owner": True}}
    fake.usergroups["S1"] = ["U4"]
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def rights(slack: FakeSlack, clock: Clock, managers: tuple[str, ...] = ()) -> SlackRights:
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    return SlackRights(client, managers, monotonic=clock)


def asked(slack: FakeSlack, method: str) -> int:
    return sum(c.method == method for c in slack.calls)


async def test_workspace_admins_and_owners_may_members_may_not(slack, clock) -> None:
    r = rights(slack, clock)
    assert await r.may_manage("U1", "C1")  # admin and owner
    assert await r.may_manage("W5", "C1")  # an owner (an Enterprise Grid id)
    assert not await r.may_manage("U2", "C1")
    assert not await r.may_manage("", "C1")
    assert not await r.may_manage("U404", "C1")  # user_not_found: no


async def test_the_configs_users_and_user_groups_may(slack, clock) -> None:
    r = rights(slack, clock, ("U3", "S1"))
    assert await r.may_manage("U3", "C1")
    assert asked(slack, "users.info") == 0  # named: nothing to ask
    assert await r.may_manage("U4", "C1")  # a member of S1
    assert not await r.may_manage("U2", "C1")


async def test_a_direct_message_is_its_users_own(slack, clock) -> None:
    assert await rights(slack, clock).may_manage("U2", "D0123")
    assert slack.calls == []


async def test_answers_are_kept_a_minute(slack, clock) -> None:
    r = rights(slack, clock, ("S1",))
    for _ in range(3):
        assert not await r.may_manage("U2", "C1")
    assert (asked(slack, "users.info"), asked(slack, "usergroups.users.list")) == (1, 1)
    slack.users["U2"]["is_admin"] = True  # promoted
    slack.usergroups["S1"].append("U3")
    clock.now += 61
    assert await r.may_manage("U2", "C1")
    assert await r.may_manage("U3", "C1")
    assert (asked(slack, "users.info"), asked(slack, "usergroups.users.list")) == (3, 2)


async def test_a_missing_scope_is_a_no_said_once(slack, clock, caplog) -> None:
    caplog.set_level(logging.WARNING, "bot.adapters.slack")
    slack.scopes -= {"users:read", "usergroups:read"}
    r = rights(slack, clock, ("U3", "S1"))
    for _ in range(3):
        assert not await r.may_manage("U1", "C1")
    assert await r.may_manage("U3", "C1")  # the config's users still may
    lines = [rec.getMessage() for rec in caplog.records]
    assert lines == [
        "slack: users.info failed (missing_scope, needs the users:read scope): taken as no "
        "right to manage a channel (said once)",
        "slack: usergroups.users.list failed (missing_scope, needs the usergroups:read "
        "scope): taken as no right to manage a channel (said once)",
    ]
    assert asked(slack, "users.info") == 3  # a failure is not kept: asked again


async def test_a_workspace_without_user_groups_is_a_no(slack, clock) -> None:
    slack.fail_next("usergroups.users.list", error="plan_upgrade_required")
    assert not await rights(slack, clock, ("S1",)).may_manage("U4", "C1")


def test_the_manifest_asks_for_the_scopes_the_fake_grants() -> None:
    manifest = (ROOT / "slack-manifest.yml").read_text(encoding="utf-8")
    bot_scopes = manifest.split("bot:\n", 1)[1].split("\nsettings:", 1)[0]
    assert set(re.findall(r"^\s+- ([a-z:]+)", bot_scopes, re.M)) == set(SCOPES)
