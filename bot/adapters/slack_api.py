"""Slack's Web API errors, as the adapter's: each error string Slack answers, mapped once."""

from __future__ import annotations

from collections.abc import Awaitable

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.adapters.base import RateLimited, Rejected, TargetGone, TransientError

GONE = {"channel_not_found", "is_archived", "not_in_channel", "account_inactive"}
EDIT_GONE = {"message_not_found", "cant_update_message", "edit_window_closed"}
REFUSED = {
    "invalid_blocks", "msg_too_long", "msg_blocks_too_long", "no_text", "invalid_arguments",
    # a chart's upload refused: the alert then goes as a message
    "missing_scope", "not_allowed_token_type", "file_uploads_disabled",
    "file_uploads_except_images_disabled",
}  # fmt: skip


class UploadFailed(TransientError):
    """The file step of an upload failed (files.slack.com refused the bytes)."""


class FileNotReady(TransientError):
    """An image block's `slack_file` was refused: a file uploaded a moment ago may not be
    processed yet (invalid_blocks naming the block's slack_file), so it is tried again."""


async def api(call: Awaitable[AsyncSlackResponse]) -> AsyncSlackResponse:
    """Await a Web API call, mapping Slack's errors to ours."""
    try:
        return await call
    except SlackApiError as exc:
        raise mapped(exc) from exc
    except SlackRequestError as exc:
        raise UploadFailed(str(exc)) from exc
    except (ClientError, TimeoutError) as exc:
        raise TransientError(f"{type(exc).__name__}: {exc}") from exc


def mapped(exc: SlackApiError) -> Exception:
    """Return our error for Slack's answer: rate limited, gone, refused or transient."""
    response = exc.response
    error = str(response.get("error", "")) if response is not None else ""
    status = getattr(response, "status_code", 0)
    if status == 429 or error in {"ratelimited", "rate_limited"}:
        headers = {k.lower(): v for k, v in (getattr(response, "headers", None) or {}).items()}
        value = headers.get("retry-after", "1")
        return RateLimited(float(value[0] if isinstance(value, list) else value))
    if error in GONE:
        return TargetGone(error)
    details = response.get("errors") if response is not None else None
    if error == "invalid_blocks" and any("slack_file" in str(d) for d in details or ()):
        return FileNotReady(f"{error}: {'; '.join(map(str, details or ()))}")
    if error in REFUSED:
        return Rejected(error)
    return TransientError(error or f"HTTP {status}")
