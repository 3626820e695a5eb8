"""Who receives an event: subscription keys (a race, an area, everything), the chats they
select, and the admin chats."""

from __future__ import annotations

from collections.abc import Mapping

from bot.events import Event
from bot.models import Race
from bot.store import Subscription

EVERYTHING = "*"  # the subscription key of every race
AREA_PREFIX = "area:"
AREA_WORDS = {"area", "zone"}  # "/subscribe zone 2A": an area, not a race named "zone 2A"


def area_key(code: str) -> str:
    """Return the subscription key of an area: a race and every race whose code extends it."""
    return AREA_PREFIX + code


def covers(subscription_race: str, race: Race) -> bool:
    """Return True when a subscription's race key takes in this race."""
    if subscription_race in (EVERYTHING, race.id):
        return True
    if subscription_race.startswith(AREA_PREFIX):
        return (race.code or race.id).startswith(subscription_race[len(AREA_PREFIX) :])
    return False


class AdminChats:
    """The admin chats and each one's language, as the config names them (its [[chats]] with
    admin = true, and the console): being one never depends on a subscription, so that an
    /unsubscribe in an admin chat leaves it one."""

    def __init__(self, locales: Mapping[tuple[str, str], str] | None = None) -> None:
        self.locales = dict(locales or {})  # (platform, chat id) → locale

    def __contains__(self, chat: object) -> bool:
        """Say whether a (platform, chat id) is an admin chat."""
        return chat in self.locales

    def __len__(self) -> int:
        return len(self.locales)

    def fallbacks(self) -> list[Subscription]:
        """Return, per admin chat, a subscription to everything in its language: what its
        admin events go by when it follows nothing itself."""
        return [
            Subscription(platform=platform, chat_id=chat_id, race=EVERYTHING, locale=locale)
            for (platform, chat_id), locale in sorted(self.locales.items())
        ]


class Audience:
    """The subscriptions of one feed version, indexed by race once: a département file
    yields hundreds of commune events, and sorting every subscription again for each of
    them cost most of a version's processing with 10,000 chats."""

    def __init__(
        self, subs: list[Subscription], *, staging: bool, admins: AdminChats | None = None
    ) -> None:
        self.staging = staging
        self._by_race: dict[str, list[Subscription]] = {}
        self._areas: list[Subscription] = []
        self._everything: list[Subscription] = []
        for sub in subs:  # in the store's order, which breaks ties between equals
            if sub.race == EVERYTHING:
                self._everything.append(sub)
            elif sub.race.startswith(AREA_PREFIX):
                self._areas.append(sub)
            else:
                self._by_race.setdefault(sub.race, []).append(sub)
        admins = admins or AdminChats()
        # An admin chat's own subscriptions set its language; its config's, when it has none.
        self._admins = [s for s in subs if (s.platform, s.chat_id) in admins]
        self._admins += admins.fallbacks()

    def of(self, event: Event) -> list[Subscription]:
        """Return one subscription per chat that should receive the event (in staging mode,
        the admin chats only: a rehearsal reaches nobody else)."""
        race = event.race
        if event.audience == "admin" or self.staging:
            candidates = self._specific_first(self._admins, race.id)
        else:
            # The most specific subscription of a chat sets its language: the race, an
            # area, all.
            candidates = [
                *self._by_race.get(race.id, ()),
                *(s for s in self._areas if covers(s.race, race)),
                *self._everything,
            ]
        chosen: dict[tuple[str, str], Subscription] = {}
        for sub in candidates:
            chosen.setdefault((sub.platform, sub.chat_id), sub)
        return list(chosen.values())

    def admin_chats(self) -> list[Subscription]:
        """Return one subscription per admin chat, for a notice about no one race (a version
        set aside): a chat's subscription to everything sets its language, else its first."""
        chosen: dict[tuple[str, str], Subscription] = {}
        for sub in sorted(self._admins, key=lambda s: s.race != EVERYTHING):
            chosen.setdefault((sub.platform, sub.chat_id), sub)
        return list(chosen.values())

    @staticmethod
    def _specific_first(subs: list[Subscription], race_id: str) -> list[Subscription]:
        return sorted(subs, key=lambda s: (s.race == EVERYTHING, s.race != race_id))
