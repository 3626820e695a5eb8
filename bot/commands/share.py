"""/share and /start: the bot's t.me link that subscribes to a race, and what opening it does."""

from __future__ import annotations

from bot.audience import AREA_PREFIX, EVERYTHING
from bot.commands.handlers import Handlers
from bot.commands.request import Request
from bot.deeplinks import subscribe_args
from bot.render.message import Message
from bot.render.qr import qr_image
from bot.render.text import Renderer


async def on_share(h: Handlers, req: Request, args: list[str], r: Renderer) -> Message:
    """Answer /share [race|zone place|all]: the link that subscribes a private chat to it,
    with the link drawn as a QR code to print or post."""
    if h.links is None or h.links.username is None:
        return Message(text=r.t("reply.share_unavailable"))
    if args:
        targets = await h._targets(list(args), r)
        if isinstance(targets, Message):
            return targets
        target = targets[0]
    else:
        target = ""  # the main races, as /subscribe without a race
    link = h.links.link(target)
    if link is None:
        return Message(text=r.t("reply.share_too_long"))
    shown = await _shown(h, target, r)
    text = r.t("reply.share", target=shown, link=link)
    return Message(text=text).with_image(qr_image(link, r.t("reply.share_alt", target=shown)))


async def _shown(h: Handlers, target: str, r: Renderer) -> str:
    """Return how a reply names a subscription target: a race by its name."""
    if not target:
        return r.t("reply.share_main")
    if target == EVERYTHING:
        return r.t("reply.share_all")
    if target.startswith(AREA_PREFIX):
        return "zone " + target[len(AREA_PREFIX) :]
    stored = await h.store.latest_race(target)
    return stored.race.name if stored is not None else target


async def on_start_payload(h: Handlers, req: Request, payload: str, r: Renderer) -> Message:
    """Answer "/start <payload>", what Telegram sends once a user presses Start on a deep
    link: subscribe the chat to the race or area the payload names."""
    words = subscribe_args(payload)
    if words is None:
        return Message(text=r.t("reply.start_unknown"))
    if not req.can_manage:  # a group member who followed a ?startgroup= link
        return await h.on_subscribe(req, words, r)
    targets = await h._targets(list(words), r)
    if isinstance(targets, Message):  # a race gone from the store since the link was made
        return targets
    reply = await h.on_subscribe(req, words, r)
    return Message(text="\n".join([reply.text, r.t("reply.start_hint")]))
