"""`sam build` needs nothing but the SAM CLI and a python3.13: built as a CI image would (conftest.py), every function
and the layer come out whole, and the layer imports with nothing but itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import slim

from tests.artifacts.conftest import BARE
from tools.functions import functions

LAYER = "SharedLayer"
_DISTRIBUTIONS = "import importlib.metadata as m, json; print(json.dumps([d.name for d in m.distributions()]))"
# Every module of the package, and the libraries it runs on, imported from the layer alone.
_IMPORT_EVERY_MODULE = """
import importlib, json, pkgutil, sys
sys.path[:0] = [{layer!r}]
import business_accounts
names = [info.name for info in pkgutil.walk_packages(business_accounts.__path__, "business_accounts.")]
for name in names:
    importlib.import_module(name)
for library in ("snapshot_restore_py", "boto3", "pydantic", "aws_lambda_powertools", "babel.dates", "email_validator"):
    importlib.import_module(library)
print(json.dumps(sorted(module.__file__ for module in map(sys.modules.get, names) if module.__file__)))
"""


def test_the_build_python_is_bare_so_the_build_needed_nothing_installed(host_build: Path) -> None:
    bare = host_build.parent / BARE / "bin" / "python3.13"

    found = subprocess.run(  # noqa: S603 - the bare interpreter the build ran with
        [str(bare), "-c", _DISTRIBUTIONS],
        capture_output=True,
        text=True,
        check=True,
    )

    assert json.loads(found.stdout) == ["pip"]


def test_ci_build_builds_every_function_and_the_layer(host_build: Path) -> None:
    built = sorted(path.name for path in host_build.iterdir() if path.is_dir())

    assert built == sorted([*functions(), LAYER])
    for function in functions():
        assert (host_build / function / "app.py").exists(), function
        assert list((host_build / function).rglob("*.pyc")), function


def test_ci_build_compiles_the_catalogs_and_slims_babel_as_the_project_venv_would(host_build: Path) -> None:
    layer = host_build / LAYER / "python"
    catalogs = sorted(path.stem for path in (layer / "business_accounts" / "locales").glob("*.mo"))

    kept = {path.name for path in (layer / "babel" / "locale-data").iterdir()}

    assert catalogs, "every language's catalog is compiled"
    assert kept == slim.cldr_files(["en", *slim.DATE_LOCALES, *catalogs]) | slim.DATE_PARENTS
    assert not list((layer / "business_accounts" / "locales").glob("*.po"))


def test_ci_built_layer_imports_every_module_with_nothing_but_itself(host_build: Path) -> None:
    layer = host_build / LAYER / "python"

    result = subprocess.run(  # noqa: S603 - a fresh interpreter: no site-packages (-S), isolated (-I)
        [sys.executable, "-I", "-S", "-B", "-c", _IMPORT_EVERY_MODULE.format(layer=str(layer))],
        capture_output=True,
        text=True,
        env={},
        check=False,
    )

    assert result.returncode == 0, result.stderr
    imported = json.loads(result.stdout)
    assert imported
    assert all(path.startswith(str(layer)) for path in imported)
