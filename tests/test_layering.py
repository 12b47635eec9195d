"""The pure core (scenario model, loader, simulator, coder, coach, practice session) stays pure.

It imports nothing from Telegram, SQLite or asyncio and has no `async def`; `state_machines`
does not import the application at all. Adapters depend on the core, never the reverse.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE_FILES = sorted(
    [
        *(ROOT / "state_machines").rglob("*.py"),
        *(ROOT / "bot" / "coder").rglob("*.py"),
        ROOT / "bot" / "coach.py",
        ROOT / "bot" / "coded_reply.py",
        ROOT / "bot" / "i18n.py",
        ROOT / "bot" / "practice.py",
    ]
)
FORBIDDEN = ("telegram", "aiosqlite", "sqlite3", "asyncio", "httpx", "bot.storage", "bot.telegram",
             "bot.console", "bot.cli", "bot.config")


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_files_exist() -> None:
    # Guard against the parametrised test below passing vacuously on an empty list.
    assert len(CORE_FILES) >= 8
    assert all(path.exists() for path in CORE_FILES)


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_is_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = sorted(
        name for name in _imports(tree) for banned in FORBIDDEN if name == banned or name.startswith(banned + ".")
    )
    assert not bad, f"{path.name} imports adapter/I-O modules: {bad}"
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef)], f"{path.name} has async def"
    if path.is_relative_to(ROOT / "state_machines"):
        assert not [n for n in _imports(tree) if n == "bot" or n.startswith("bot.")], (
            f"{path.name}: state_machines must not depend on the application"
        )
