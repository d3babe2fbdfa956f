"""What `sam build` produces is enough to run: every handler imports from the built folders alone."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

from tools.functions import ROOT, functions

BUILD = ROOT / ".aws-sam" / "build"
SAM = ROOT / ".venv-sam" / "bin" / "sam"
_ELF_MACHINE = {b"\xb7\x00": "aarch64", b"\x3e\x00": "x86_64"}
_IMPORT_ALONE = """
import sys
sys.path[:0] = [{function!r}, {layer!r}]
import app
assert callable(app.lambda_handler)
"""

# A page function puts its page together from its own folder and the layer's page_assets/.
_RENDER_ALONE = """
import os
import sys
sys.path[:0] = [{function!r}, {layer!r}]
os.environ.update(ACCOUNTS_TABLE="a", INVITATIONS_TABLE="i", IDEMPOTENCY_TABLE="d",
                  SENDER_EMAIL="no-reply@example.com", ACCEPT_PAGE_URL="https://example.com/invitations/accept")
import app
assert app.page().html.startswith("<!DOCTYPE html>")
"""
PAGE_FUNCTIONS = ["AcceptPageFunction", "RegisterPageFunction"]


def _machine(library: Path) -> str:
    header = library.read_bytes()[:20]
    return _ELF_MACHINE.get(header[18:20], "unknown")


@pytest.mark.skipif(not BUILD.exists(), reason="needs `make build` first (make test runs it)")
def test_built_layer_compiled_extensions_are_all_for_arm64() -> None:
    libraries = list((BUILD / "SharedLayer" / "python").rglob("*.so"))

    assert libraries, "pydantic-core at least is compiled"
    assert {_machine(library) for library in libraries} == {"aarch64"}
    assert (BUILD / "SharedLayer" / "python" / "business_accounts" / "store.py").exists()


@pytest.fixture(scope="module")
def host_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same template built for this machine's architecture, so the handlers can be imported here."""
    if not SAM.exists():
        pytest.skip("needs the SAM CLI: `make setup`")
    architecture = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
    work = tmp_path_factory.mktemp("host-build")
    text = (ROOT / "template.yaml").read_text().replace("arm64", architecture)
    (work / "template.yaml").write_text(text)
    command = [str(SAM), "build", "--template", str(work / "template.yaml"), "--base-dir", str(ROOT)]
    command += ["--build-dir", str(work / "build"), "--no-cached"]
    bin_dir = str(Path(sys.executable).parent)  # sam build looks for python3.13 on PATH
    subprocess.run(  # noqa: S603 - fixed arguments
        command, cwd=work, check=True, capture_output=True, env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(work)}
    )
    return work / "build"


@pytest.mark.parametrize("function", sorted(functions()))
def test_built_function_imports_with_only_its_folder_and_the_layer(host_build: Path, function: str) -> None:
    code = _IMPORT_ALONE.format(function=str(host_build / function), layer=str(host_build / "SharedLayer" / "python"))

    result = subprocess.run(  # noqa: S603 - a fresh interpreter: no site-packages (-S), isolated (-I), no environment
        [sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, env={}, check=False
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("function", PAGE_FUNCTIONS)
def test_built_page_function_renders_its_page_with_only_its_folder_and_the_layer(
    host_build: Path, function: str
) -> None:
    code = _RENDER_ALONE.format(function=str(host_build / function), layer=str(host_build / "SharedLayer" / "python"))

    result = subprocess.run(  # noqa: S603 - as above
        [sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, env={}, check=False
    )

    assert result.returncode == 0, result.stderr
