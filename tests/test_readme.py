"""The README's commands work as written (issue 17, item 5): the installed `soiree` runs from
a fresh shell, and every `soiree …` or `python -m bot …` line names a command and options
that the real CLI has (each command's --help, through `.venv/bin/soiree`)."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PROCFILE = ROOT / "Procfile"
SOIREE = Path(sys.executable).parent / "soiree"  # what `pip install` made of [project.scripts]
PROGRAM = re.compile(r"^(?:\.venv/bin/soiree|soiree|python -m bot)\s+(.*)$")
FLAG = re.compile(r"--[a-z][a-z-]*")


def _fresh(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed command as a new shell would: no virtual environment active."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT), "LANG": "C.UTF-8"}
    return subprocess.run(
        [str(SOIREE), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


def commands(text: str) -> list[str]:
    """Return the README's command lines: in ```sh blocks, and in `code` spans."""
    found: list[str] = []
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        spans = [line.strip()] if fenced else re.findall(r"`([^`]+)`", line)
        for span in spans:
            match = PROGRAM.match(span.split("  #")[0].strip())
            if match:
                found.append(match.group(1))
    return found


def _words(line: str) -> list[str]:
    return [w for w in re.split(r"[\s\[\]|]+", line) if w]


def command_of(line: str) -> tuple[str, ...]:
    """Return the command a line runs: `run`, or `store copy`."""
    words = _words(line)
    return (words[0], words[1]) if words[0] == "store" else (words[0],)


@functools.cache
def help_of(command: tuple[str, ...]) -> str:
    done = _fresh(*command, "--help")
    assert done.returncode == 0, f"soiree {' '.join(command)} --help: {done.stderr}"
    return done.stdout


def test_the_installed_command_runs_from_a_fresh_shell() -> None:
    assert SOIREE.is_file(), "pyproject.toml's [project.scripts] soiree is not installed"
    done = _fresh("check-config", "config/demo.toml")
    assert (done.returncode, done.stdout) == (0, "config/demo.toml: OK (1 source(s), 1 chat(s))\n")
    text = README.read_text(encoding="utf-8")
    assert ". .venv/bin/activate" in text
    assert "`.venv/bin/soiree …`" in text


def test_every_command_line_of_the_readme_has_its_command_and_options() -> None:
    lines = commands(README.read_text(encoding="utf-8"))
    assert len(lines) >= 15, lines
    wanted = {("run",), ("check-config",), ("replay",), ("export",), ("fetch",), ("chart",)}
    assert wanted | {("store", "copy")} <= {command_of(line) for line in lines}
    unknown = [
        f"{line}: {flag}"
        for line in lines
        for flag in FLAG.findall(line)
        if not re.search(rf"(^|[\s,]){flag}\b", help_of(command_of(line)), re.M)
    ]
    assert not unknown, "\n".join(unknown)


def test_the_readmes_extraction_finds_blocks_spans_and_comments() -> None:
    text = (
        "Type `soiree fetch FILE --all` or `.venv/bin/soiree chart F --out x.png`.\n"
        "```sh\n"
        "python -m bot run --config night.toml   # a comment --not-a-flag\n"
        "make run\n"
        "```\n"
    )
    assert commands(text) == ["fetch FILE --all", "chart F --out x.png", "run --config night.toml"]
    assert command_of("store copy --from A --to B") == ("store", "copy")


def test_the_procfile_runs_the_web_process_the_readme_describes() -> None:
    entries = dict(line.split(":", 1) for line in PROCFILE.read_text(encoding="utf-8").splitlines())
    assert list(entries) == ["web"]  # a platform gives $PORT and routes requests to web alone
    command = entries["web"].strip()
    assert f"`web: {command}`" in README.read_text(encoding="utf-8")
    match = PROGRAM.match(command)
    assert match is not None, command
    assert command_of(match.group(1)) == ("run",)
    assert all(flag in help_of(("run",)) for flag in FLAG.findall(command))
