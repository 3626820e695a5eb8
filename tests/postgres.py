"""A PostgreSQL server for the tests: the one at $SOIREE_TEST_DATABASE_URL when it is set, or
else a throwaway one started from the binaries the `pgserver` package bundles.

The throwaway server listens on 127.0.0.1 (pytest-socket lets tests reach no Unix socket),
keeps its data in a temporary folder, and runs with fsync off: it is gone after the session.
PostgreSQL refuses to run as root, so under root it runs as the unprivileged `nobody` (its
folder handed over to it), which needs neither a new user nor any change of permissions.
Each test asks for a fresh database (`fresh_database`), dropped at the end of the session.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

ENV = "SOIREE_TEST_DATABASE_URL"
UNPRIVILEGED = "nobody"  # who runs the throwaway server when the tests run as root


@functools.cache
def _binaries() -> Path:
    """Return the folder of pgserver's PostgreSQL programs (found, not imported: importing
    pgserver sets up its own server machinery, which warns without $XDG_RUNTIME_DIR). Under
    root, when `nobody` cannot reach them (a checkout in a `mktemp -d` folder, mode 0700),
    they are run from a copy of the installation it can reach, removed at exit."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"pgserver is not installed (pip install -e '.[dev]'), nor {ENV} set")
    install = Path(spec.submodule_search_locations[0]) / "pginstall"
    if os.geteuid() != 0 or all(d.stat().st_mode & 0o001 for d in (install, *install.parents)):
        return install / "bin"
    copy = Path(tempfile.mkdtemp(prefix="soiree-pginstall-"))
    copy.chmod(0o755)  # mkdtemp's 0700 would shut `nobody` out again
    atexit.register(shutil.rmtree, copy, True)
    shutil.copytree(install, copy / "pgserver" / "pginstall", symlinks=True)
    libs = install.parent.parent / "pgserver.libs"  # the programs' rpath: $ORIGIN/../../..
    if libs.is_dir():
        shutil.copytree(libs, copy / libs.name, symlinks=True)
    return copy / "pgserver" / "pginstall" / "bin"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Throwaway:
    """A PostgreSQL server of our own, in a temporary folder, that can be stopped and started
    again on the same data (a test restarts it mid-night)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="soiree-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._process: subprocess.Popen[bytes] | None = None
        self._as: dict[str, Any] = {}
        if os.geteuid() == 0:
            who = pwd.getpwnam(UNPRIVILEGED)
            os.chown(self.folder, who.pw_uid, who.pw_gid)
            self._as = {"user": who.pw_uid, "group": who.pw_gid, "extra_groups": []}
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [str(_binaries() / program), *args],
            check=True, capture_output=True, cwd=self.folder, **self._as,
        )  # fmt: skip

    def start(self) -> None:
        """Start the server and wait until it takes connections."""
        log = open(self.folder / "server.log", "ab")  # noqa: SIM115 - the child keeps it
        self._process = subprocess.Popen(
            [
                str(_binaries() / "postgres"), "-D", str(self.data), "-h", "127.0.0.1",
                "-p", str(self.port), "-k", "", "-c", "fsync=off", "-c", "full_page_writes=off",
                "-c", "synchronous_commit=off", "-c", "max_connections=200",
            ],
            stdout=log, stderr=log, cwd=self.folder, **self._as,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + 30
        while not self._ready():
            if self._process.poll() is not None or time.monotonic() > deadline:
                text = (self.folder / "server.log").read_text(errors="replace")
                raise RuntimeError(f"the test PostgreSQL did not start:\n{text}")
            time.sleep(0.05)

    def _ready(self) -> bool:
        ready = subprocess.run(
            [str(_binaries() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
            check=False,
        )
        return ready.returncode == 0

    def stop(self) -> None:
        """Stop the server (a fast shutdown: connections are cut), keeping its data."""
        if self._process is not None and self._process.poll() is None:
            # SIGINT is PostgreSQL's "fast" shutdown (SIGTERM's "smart" one waits for
            # every client to leave).
            self._process.send_signal(signal.SIGINT)
            self._process.wait(30)
        self._process = None

    def remove(self) -> None:
        """Stop the server and delete its folder."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class Server:
    """Where the tests find PostgreSQL: an admin URL, and fresh databases on it."""

    def __init__(self, url: str, throwaway: Throwaway | None) -> None:
        self.url = url
        self.throwaway = throwaway
        self.made: list[str] = []

    def url_of(self, database: str) -> str:
        """Return the URL of a database of this server."""
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path=f"/{database}"))

    async def fresh_database(self) -> str:
        """Create an empty database; return its URL."""
        name = f"soiree_test_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.made.append(name)
        return self.url_of(name)

    async def drop_made(self) -> None:
        """Drop every database made by `fresh_database` (on a server the tests do not own)."""
        conn = await asyncpg.connect(self.url)
        try:
            for name in self.made:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        self.made.clear()


_server: Server | None = None


def server() -> Server:
    """Return the tests' PostgreSQL server, starting a throwaway one on first use."""
    global _server
    if _server is None:
        given = os.environ.get(ENV)
        if given:
            _server = Server(given, None)
        else:
            throwaway = Throwaway()
            throwaway.start()
            _server = Server(throwaway.url, throwaway)
        atexit.register(_finish, _server)
    return _server


def _finish(done: Server) -> None:
    if done.throwaway is not None:
        done.throwaway.remove()
    elif done.made:
        asyncio.run(done.drop_made())
