"""The one reading of template.yaml (tools/template.py, tools/functions.py): Globals merged as SAM merges them, and
the direction of the imports between tools/ and local/."""

from __future__ import annotations

import ast
import copy
import subprocess
import sys

import pytest
from samtranslator.plugins.globals.globals import Globals

from tools.functions import functions
from tools.template import ROOT, merge_globals, template


@pytest.mark.parametrize("logical_id", list(functions()))
def test_template_model_merges_globals_into_each_function_as_sam_does(logical_id: str) -> None:
    own = functions()[logical_id].properties

    sam_merged = Globals(copy.deepcopy(template())).merge("AWS::Serverless::Function", copy.deepcopy(own))

    assert functions()[logical_id].settings == sam_merged


def test_template_model_merge_concatenates_lists_merges_maps_and_replaces_architectures() -> None:
    globals_ = {"Layers": ["a"], "Environment": {"Variables": {"A": "1", "B": "1"}}, "Architectures": ["arm64"]}
    own = {"Layers": ["b"], "Environment": {"Variables": {"B": "2"}}, "Architectures": ["x86_64"], "Timeout": 3}

    merged = merge_globals(globals_, own)

    assert merged["Layers"] == ["a", "b"]
    assert merged["Environment"] == {"Variables": {"A": "1", "B": "2"}}
    assert merged["Architectures"] == ["x86_64"]
    assert merged["Timeout"] == 3


def _imported_packages(path: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", sorted(str(path.relative_to(ROOT)) for path in (ROOT / "tools").glob("*.py")))
def test_template_model_tools_never_import_the_local_stack(path: str) -> None:
    assert "local" not in _imported_packages(path)


def test_template_model_function_instances_start_without_the_template_reader() -> None:
    # Instances are forked from a server that preloads local.worker: what it imports, every instance carries.
    probe = "import sys, local.worker; print(sorted({'cfnlint', 'yaml', 'boto3', 'moto'} & set(sys.modules)))"

    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)  # noqa: S603

    assert loaded.stdout.strip() == "[]"
