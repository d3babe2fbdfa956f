"""The layer's rooms hold: models and logic reach no AWS SDK, no HTTP framework and no adapter; modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tools.functions import ROOT

PACKAGE = ROOT / "layers" / "shared" / "business_accounts"
# What each room may not import, directly or through the project's own modules it imports.
FORBIDDEN = {
    "models": (
        "boto3",
        "botocore",
        "aws_lambda_powertools.event_handler",
        "business_accounts.logic",
        "business_accounts.adapters",
        "business_accounts.web",
    ),
    "logic": (
        "boto3",
        "botocore",
        "aws_lambda_powertools.event_handler",
        "business_accounts.adapters",
        "business_accounts.web",
    ),
    "adapters": ("aws_lambda_powertools.event_handler", "business_accounts.web"),
}
MAX_LINES = 400


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _module_file(name: str) -> Path | None:
    if not name.startswith("business_accounts."):
        return None
    relative = Path(*name.split(".")[1:])
    for candidate in (PACKAGE / relative.with_suffix(".py"), PACKAGE / relative / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _reached(path: Path) -> set[str]:
    """Every module `path` imports and, transitively, every project module those import."""
    seen: set[Path] = set()
    found: set[str] = set()
    waiting = [path]
    while waiting:
        current = waiting.pop()
        if current in seen:
            continue
        seen.add(current)
        for name in _imports(current):
            found.add(name)
            if (module := _module_file(name)) is not None:
                waiting.append(module)
    return found


def _modules(room: str) -> list[Path]:
    return sorted((PACKAGE / room).rglob("*.py"))


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_layout_room_reaches_nothing_it_may_not(room: str) -> None:
    for path in _modules(room):
        reached = _reached(path)
        wrong = sorted(name for name in reached if name.startswith(FORBIDDEN[room]) and name != "business_accounts")
        assert not wrong, f"{path.relative_to(PACKAGE)} reaches {wrong}"


def test_layout_every_layer_module_is_small_and_says_what_it_is_for() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert len(source.splitlines()) <= MAX_LINES, f"{path.relative_to(PACKAGE)} is over {MAX_LINES} lines"
        assert ast.get_docstring(ast.parse(source)), f"{path.relative_to(PACKAGE)} does not say what it is for"


def test_layout_holds_the_four_rooms_and_nothing_flat_but_observability() -> None:
    rooms = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    flat = {path.name for path in PACKAGE.glob("*.py")}

    assert rooms == {"models", "logic", "adapters", "web"}
    assert flat == {"__init__.py", "observability.py"}
