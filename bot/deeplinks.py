"""Deep links: a t.me link whose start payload names a race or an area to subscribe to. Pure.

Telegram hands a bot the payload of `https://t.me/<bot>?start=<payload>` as "/start
<payload>" once the user presses Start, and only a payload of 1 to 64 characters from
A-Z, a-z, 0-9, _ and - (anything else and the user's /start comes alone). A race id made of
those characters is its own payload (`?start=national`, `?start=075`); an area is
`zone-<code>`; any other id travels base64url-encoded, after `b64-`.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from bot.audience import AREA_PREFIX

MAX_PAYLOAD = 64  # InlineQueryResultsButtonLimit.MAX_START_PARAMETER_LENGTH, t.me's too
PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
ENCODED = "b64-"
AREA = "zone-"
MAIN = "main"  # the main races, as /subscribe with no race gives them


def payload_for(target: str) -> str | None:
    """Return the start payload of a subscription target (a race id, "area:<code>", or
    "" for the main races), or None when even its encoded form is over 64 characters."""
    if not target:
        return MAIN
    area = target.startswith(AREA_PREFIX)
    plain = AREA + target[len(AREA_PREFIX) :] if area else target
    # A race id that reads as one of the other forms travels encoded, as odd ids do.
    reserved = plain == MAIN or plain.startswith(ENCODED) or (not area and plain.startswith(AREA))
    if PAYLOAD.fullmatch(plain) and not reserved:
        return plain
    encoded = ENCODED + base64.urlsafe_b64encode(target.encode()).decode().rstrip("=")
    return encoded if len(encoded) <= MAX_PAYLOAD else None


def subscribe_args(payload: str) -> list[str] | None:
    """Return the words of /subscribe that a start payload stands for ([] for the main
    races), or None when it is no payload we made (not valid base64, not UTF-8)."""
    if payload == MAIN:
        return []
    if payload.startswith(ENCODED):
        body = payload[len(ENCODED) :]
        try:
            target = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        if target.startswith(AREA_PREFIX):
            return ["zone", target[len(AREA_PREFIX) :]]
        return [target] if target.strip() else None
    if payload.startswith(AREA) and len(payload) > len(AREA):
        return ["zone", payload[len(AREA) :]]
    return [payload]


@dataclass(kw_only=True, slots=True)
class BotLinks:
    """The bot's t.me links. Telegram's adapter sets `username` once getMe has told it (or
    the config names it), so that /share answers on every platform."""

    username: str | None = None

    def link(self, target: str) -> str | None:
        """Return the link that subscribes to a target, or None (no username known yet; a
        target too long for a payload)."""
        payload = payload_for(target)
        if self.username is None or payload is None:
            return None
        return f"https://t.me/{self.username}?start={payload}"
