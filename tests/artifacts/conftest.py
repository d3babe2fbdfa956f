"""The template built as a CI image builds it: the SAM CLI from its own venv and a python3.13 with nothing installed."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.emulator import Emulator
from tools.build import SAM, host_architecture
from tools.functions import ROOT, template
from tools.template import REGION, Stack

# The interpreter the project's venv was made from: a venv of it holds pip and nothing else, as a CI image's Python.
BASE_PYTHON = Path(sys.base_prefix) / "bin" / "python3.13"
BARE = "bare-python"


def ci_build(work: Path) -> Path:
    """`sam build` of the template into `work`/build (returned), for this machine's architecture so that its handlers
    import here, on a PATH of a bare python3.13, the SAM CLI's venv and /usr/bin:/bin only, with a HOME of its own:
    no project venv, no user configuration."""
    bare = work / BARE
    subprocess.run([str(BASE_PYTHON), "-m", "venv", str(bare)], check=True, capture_output=True)  # noqa: S603
    architecture = host_architecture()
    template = work / "template.yaml"
    template.write_text((ROOT / "template.yaml").read_text(encoding="utf-8").replace("arm64", architecture))
    command = [str(SAM), "build", "--template", str(template), "--base-dir", str(ROOT), "--build-dir"]
    command += [str(work / "build"), "--language-extensions", "--no-cached", "--parallel"]
    environment = {
        "PATH": f"{bare / 'bin'}:{SAM.parent}:/usr/bin:/bin",
        "HOME": str(work),
        "LAYER_ARCHITECTURE": architecture,
    }
    built = subprocess.run(command, cwd=work, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
    assert built.returncode == 0, f"{built.stdout[-4000:]}\n{built.stderr[-4000:]}"
    return work / "build"


@pytest.fixture(scope="session")
def host_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template built as CI would (`ci_build`), once per test process: the build tests import what it made."""
    if not SAM.exists():
        pytest.skip("needs the SAM CLI: `make setup`")
    return ci_build(tmp_path_factory.mktemp("ci-build"))


@pytest.fixture
def aws_on_loopback() -> Iterator[str]:
    """A moto server on a free loopback port, with the template's tables and SES identity: its endpoint."""
    aws = Emulator(Stack(template(), REGION), port=0)
    aws.start()
    yield aws.endpoint
    # moto's state lives in this process: emptied for the next test that provisions the tables again.
    reset = urllib.request.Request(f"{aws.endpoint}/moto-api/reset", method="POST")  # noqa: S310 - loopback
    urllib.request.urlopen(reset, timeout=10).close()  # noqa: S310 - our own loopback server
    aws.stop()
