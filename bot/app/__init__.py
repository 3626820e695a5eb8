"""The bot's wiring: `builder` makes every component from the config (no I/O), `lifecycle`'s
`App` opens and closes them, `jobs` runs them on the scheduler, `options` says how to run."""

from bot.app.builder import VERSIONS_AT_ONCE, Parts, build, display_of
from bot.app.jobs import Jobs
from bot.app.lifecycle import App, run
from bot.app.options import Clock, Options, utcnow

__all__ = [
    "VERSIONS_AT_ONCE",
    "App",
    "Clock",
    "Jobs",
    "Options",
    "Parts",
    "build",
    "display_of",
    "run",
    "utcnow",
]
