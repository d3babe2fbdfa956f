"""`sam build` of the template for this machine's architecture, so tests and benchmarks can import what ships."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

from tools.template import ROOT, TEMPLATE

SAM = ROOT / ".venv-sam" / "bin" / "sam"
# Lambda's name for each machine this can run on.
_ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


def host_architecture() -> str:
    return _ARCHITECTURES[platform.machine().lower()]


def host_build(work: Path) -> Path:
    """The template, with arm64 replaced by this machine's architecture, built into `work`/build (returned)."""
    architecture = host_architecture()
    text = TEMPLATE.read_text(encoding="utf-8").replace("arm64", architecture)
    (work / "template.yaml").write_text(text, encoding="utf-8")
    command = [
        str(SAM),
        "build",
        "--template",
        str(work / "template.yaml"),
        "--base-dir",
        str(ROOT),
        "--language-extensions",
    ]
    command += ["--build-dir", str(work / "build"), "--no-cached"]
    bin_dir = str(Path(sys.executable).parent)  # sam build looks for python3.13 on PATH
    environment = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(work), "LAYER_ARCHITECTURE": architecture}
    subprocess.run(command, cwd=work, check=True, capture_output=True, env=environment)  # noqa: S603 - fixed arguments
    return work / "build"
