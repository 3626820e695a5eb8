"""The layout rules hold: the tests mirror the package, no test module imports another, and
every module of bot/ reads whole (at most 400 lines, no class over 30 methods)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT, TESTS = ROOT / "bot", ROOT / "tests"
MAX_LINES, MAX_METHODS = 400, 30

# Modules of bot/ that hold logic but have no test module of their own, and the test module
# that tests them (a path ending in "/" stands for every module of that package).
TESTED_ELSEWHERE: dict[str, str] = {
    # The CLI: its commands run as a child process, as a user runs them.
    "bot/__main__.py": "tests/test_cli.py",
    # One suite runs every backend through the Store interface (tests/store/backends.py).
    "bot/store/sqlite/": "tests/store/test_store.py",
    "bot/store/postgres/": "tests/store/test_store.py",  # and tests/store/test_postgres.py
    # The tables `store copy` moves: the copy's round trip reads every one of them.
    "bot/store/tables.py": "tests/store/test_copy.py",
}

# Test modules that mirror no single module: they run the whole process or several rooms
# together, or they test a module from a second angle (a property, a crash).
NOT_MIRRORS: dict[str, str] = {
    "tests/test_cli.py": "the CLI (bot/__main__.py), run as a child process",
    "tests/test_cli_console.py": "the CLI on the console: streams, log levels, Ctrl-C, errors",
    "tests/test_readme.py": "the README's command lines, through the installed CLI",
    "tests/test_e2e.py": "the demo night, end to end",
    "tests/test_restart.py": "stop mid-night and start again on the same store",
    "tests/test_places.py": "real Ministry files through the pipeline and the commands",
    "tests/test_diff_properties.py": "the diff → admit → advance loop, as a property",
    "tests/test_layout.py": "these rules",
    "tests/render/test_catalogs.py": "the fr and en catalogs agree; the renderer reaches each key",
    "tests/adapters/test_telegram_crash.py": "SIGKILL mid-fan-out to Telegram",
    "tests/app/test_lazy_imports.py": "the libraries a started bot imports, by its config",
    "tests/store/test_index.py": "the race index of every backend, across versions and processes",
    "tests/faults/": "faults of the feed and the platforms, crashes, load",
    "tests/bench/": "the benchmarks run small",
}


def _trivial(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Say whether a function's body is only a docstring, `...` or `pass` (a declaration)."""
    return all(
        isinstance(stmt, ast.Pass)
        or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))
        for stmt in fn.body
    )


def holds_logic(path: Path) -> bool:
    """Say whether a module defines a function or method with a body: re-exports, constants
    tables, records and interfaces (Protocols, ABCs) hold none."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not _trivial(node)
        for node in ast.walk(tree)
    )


def mirror_of(path: Path) -> Path:
    """Return where the test module of a bot/ module lives: bot/a/b.py → tests/a/test_b.py, and
    a package's own logic (bot/a/__init__.py) → tests/a/test_a.py."""
    rel = path.relative_to(BOT)
    if rel.name == "__init__.py":
        return TESTS.joinpath(*rel.parts[:-1], f"test_{rel.parent.name}.py")
    return TESTS.joinpath(*rel.parts[:-1], f"test_{rel.name}")


def _modules(root: Path) -> Iterator[Path]:
    yield from sorted(root.rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def _listed(path: Path, table: dict[str, str]) -> bool:
    rel = _rel(path)
    return any(rel == key or (key.endswith("/") and rel.startswith(key)) for key in table)


def test_every_module_with_logic_has_its_test_module() -> None:
    missing = [
        f"{_rel(m)} → {_rel(mirror_of(m))}"
        for m in _modules(BOT)
        if holds_logic(m) and not mirror_of(m).exists() and not _listed(m, TESTED_ELSEWHERE)
    ]
    assert not missing, "no test module:\n" + "\n".join(missing)


def test_the_modules_tested_elsewhere_still_hold_logic_and_say_a_real_test_module() -> None:
    for key, where in TESTED_ELSEWHERE.items():
        modules = [m for m in _modules(BOT) if _listed(m, {key: where})]
        assert modules, f"{key} is no module of bot/ any more"
        assert any(holds_logic(m) for m in modules), f"{key} holds no logic: drop it"
        assert all(not mirror_of(m).exists() for m in modules), f"{key} has its own tests"
        assert (ROOT / where).is_file(), where


def _mirrored(test: Path) -> bool:
    """Say whether a test module tests a module or package of bot/ of the same path."""
    rel = test.relative_to(TESTS)
    name = rel.name.removeprefix("test_").removesuffix(".py")
    folder = BOT.joinpath(*rel.parts[:-1])
    if (folder / f"{name}.py").is_file() or (folder / name / "__init__.py").is_file():
        return True
    return name == folder.name and (folder / "__init__.py").is_file()


def test_every_test_module_mirrors_a_module_or_says_why_not() -> None:
    strays = [
        _rel(t)
        for t in _modules(TESTS)
        if t.name.startswith("test_") and not _mirrored(t) and not _listed(t, NOT_MIRRORS)
    ]
    assert not strays, "mirror no module of bot/:\n" + "\n".join(strays)


def test_the_test_modules_said_to_mirror_none_are_still_there() -> None:
    assert [key for key in NOT_MIRRORS if not (ROOT / key).exists()] == []


def _imported(tree: ast.AST) -> Iterator[str]:
    """Yield the dotted name of everything a module imports (`from a import b` gives a.b)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            yield from (f"{base}.{alias.name}" for alias in node.names)


def test_no_test_module_imports_another() -> None:
    # Shared helpers live in tests/support.py, tests/builders.py, tests/fakes/ or a package's
    # support.py: importing a test module runs its tests' module code and ties two suites.
    offenders = [
        f"{_rel(path)} imports {name}"
        for path in _modules(TESTS)
        for name in _imported(ast.parse(path.read_text(encoding="utf-8")))
        if any(part.startswith("test_") for part in name.split("."))
    ]
    assert not offenders, "\n".join(offenders)


def too_long(paths: Iterator[Path]) -> dict[str, int]:
    """Return the modules over MAX_LINES lines, with their length."""
    return {
        _rel(p): n
        for p in paths
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }


def too_big(paths: Iterator[Path]) -> dict[str, int]:
    """Return the classes with over MAX_METHODS methods (each def or async def of the class's
    own body), with their count."""
    return {
        f"{_rel(p)}:{node.name}": n
        for p in paths
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
        and (n := sum(isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) for s in node.body))
        > MAX_METHODS
    }


def test_no_module_of_bot_is_over_400_lines() -> None:
    assert too_long(_modules(BOT)) == {}


def test_no_class_of_bot_has_over_30_methods() -> None:
    assert too_big(_modules(BOT)) == {}


def test_the_rules_catch_what_they_are_about(tmp_path: Path) -> None:
    """The checks above would see an offence: a stray import, a long module, a big class."""
    stray = ast.parse("from tests.adapters.test_slack import post\nfrom tests import test_x\n")
    assert [n for n in _imported(stray) if "test_" in n] == [
        "tests.adapters.test_slack.post",
        "tests.test_x",
    ]
    declared = tmp_path / "declared.py"
    declared.write_text('class P:\n    def f(self) -> int:\n        """Doc."""\n        ...\n')
    assert not holds_logic(declared)
    declared.write_text("def f() -> int:\n    return 1\n")
    assert holds_logic(declared)
    long = tmp_path / "long.py"
    long.write_text("x = 1\n" * (MAX_LINES + 1))
    assert too_long(iter([long, declared])) == {"long.py": MAX_LINES + 1}
    methods = "".join(f"    def m{i}(self) -> None: ...\n" for i in range(MAX_METHODS + 1))
    big = tmp_path / "big.py"
    big.write_text(f"class Big:\n{methods}\n    class Small:\n        def m(self) -> None: ...\n")
    assert too_big(iter([big, declared])) == {"big.py:Big": MAX_METHODS + 1}
    assert mirror_of(BOT / "render" / "text.py") == TESTS / "render" / "test_text.py"
    assert mirror_of(BOT / "store" / "__init__.py") == TESTS / "store" / "test_store.py"
