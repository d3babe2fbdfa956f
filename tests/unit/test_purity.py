"""tests/unit stays pure: no moto, no AWS fixtures, directly or through the support modules it imports."""

from __future__ import annotations

import ast
from pathlib import Path

from tools.functions import ROOT

UNIT = Path(__file__).parent
# What only integration tests may use: AWS emulated in process, and the fixtures built on it.
IMPURE_MODULES = ("moto", "local.emulator", "tests.support.aws")
IMPURE_FIXTURES = frozenset({"aws", "runtime", "api", "calls"})


def _imports(path: Path, *, module_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body if module_level_only else ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _reached(path: Path, seen: set[Path], *, module_level_only: bool = False) -> set[str]:
    """Every module imported by `path` and, transitively, by the project's own test and local modules it imports."""
    found = _imports(path, module_level_only=module_level_only)
    for name in sorted(found):
        module = ROOT / (name.replace(".", "/") + ".py")
        if name.startswith(("tests.", "local.")) and module.exists() and module not in seen:
            seen.add(module)
            found |= _reached(module, seen, module_level_only=True)  # what importing it runs
    return found


def test_unit_tests_reach_no_moto_and_no_aws_emulation() -> None:
    # The shared conftest is loaded for unit tests too; its AWS fixtures import moto only when used.
    shared = _reached(ROOT / "tests" / "conftest.py", set(), module_level_only=True)
    for path in sorted(UNIT.glob("*.py")):
        reached = _reached(path, set()) | shared
        impure = sorted(name for name in reached if name.startswith(IMPURE_MODULES))
        assert not impure, f"{path.name} reaches {impure}"


def test_unit_tests_ask_for_no_aws_fixture() -> None:
    for path in sorted(UNIT.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                asked = {argument.arg for argument in node.args.args} & IMPURE_FIXTURES
                assert not asked, f"{path.name}::{node.name} asks for {sorted(asked)}"
