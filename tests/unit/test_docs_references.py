"""The docs name only tests that exist: every `tests/...` file they cite is there, and so is every `::test_name`."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from tools.functions import ROOT

DOCUMENTS = sorted([*(ROOT / "docs").glob("*.md"), ROOT / "README.md"])
# A test file, optionally followed by what it defines: `tests/x/test_y.py`, `tests/x/test_y.py::test_z`,
# `tests/x/test_y.py::TestClass::test_z` (parametrised tests are named without their parameters).
REFERENCE = re.compile(r"(?<![\w/.-])(tests/[\w/.-]*?\w\.py)((?:::\w+)*)")


def references(document: Path) -> list[tuple[int, str, str, list[str]]]:
    """Each test file `document` names, with its line, the whole reference, the file and the names after it."""
    found = []
    for number, line in enumerate(document.read_text(encoding="utf-8").splitlines(), start=1):
        for match in REFERENCE.finditer(line):
            names = [name for name in match.group(2).split("::") if name]
            found.append((number, match.group(0), match.group(1), names))
    return found


@cache
def definitions(path: Path) -> dict[str, frozenset[str]]:
    """What the module at `path` defines: its functions and classes (key ""), and each class's methods."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    defined = {"": frozenset(node.name for node in tree.body if isinstance(node, kinds))}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            defined[node.name] = frozenset(item.name for item in node.body if isinstance(item, kinds))
    return defined


def stale(file: str, names: list[str]) -> str | None:
    """Why the reference to `file` and `names` names nothing that exists, or None when it does."""
    path = ROOT / file
    if not path.is_file():
        return "no such file"
    scope = ""
    for name in names:
        if name not in definitions(path).get(scope, frozenset()):
            return f"the file defines no {'::'.join([scope, name] if scope else [name])}"
        scope = name
    return None


def test_the_pattern_finds_files_tests_and_methods_but_not_what_merely_resembles_them() -> None:
    line = (
        "`tests/unit/test_a.py::test_b`; tests/e2e/test_c.py, and tests/d/test_e.py::TestF::test_g. "
        "Not mytests/test_h.py nor tests/unit."
    )

    found = [(match.group(1), match.group(2)) for match in REFERENCE.finditer(line)]

    assert found == [
        ("tests/unit/test_a.py", "::test_b"),
        ("tests/e2e/test_c.py", ""),
        ("tests/d/test_e.py", "::TestF::test_g"),
    ]


def test_a_missing_file_or_test_is_told_apart_from_one_that_exists() -> None:
    this = str(Path(__file__).relative_to(ROOT))

    assert stale(this, ["test_a_missing_file_or_test_is_told_apart_from_one_that_exists"]) is None
    assert stale(this, []) is None
    assert stale(this, ["test_that_was_renamed"]) == "the file defines no test_that_was_renamed"
    assert stale(this, ["references", "test_x"]) == "the file defines no references::test_x"
    assert stale("tests/unit/test_gone.py", ["test_x"]) == "no such file"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_test_a_document_names_exists(document: Path) -> None:
    problems = [
        f"{document.relative_to(ROOT)}:{number}: {reference}: {why}"
        for number, reference, file, names in references(document)
        if (why := stale(file, names)) is not None
    ]

    assert problems == [], "\n".join(problems)
