"""Artefact sizes of the build that ships (`.aws-sam/build`, arm64): unzipped, and zipped as `sam deploy` uploads."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tools.functions import ROOT, functions

BUILD = ROOT / ".aws-sam" / "build"
LAYER = "SharedLayer"


@dataclass(frozen=True)
class Size:
    name: str
    unzipped: int
    zipped: int
    files: int


def _size(name: str, folder: Path) -> Size:
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:  # as SAM zips a code folder
        for path in files:
            archive.write(path, path.relative_to(folder))
    return Size(name, sum(path.stat().st_size for path in files), len(buffer.getvalue()), len(files))


def measure(build: Path = BUILD) -> list[Size]:
    """The layer, then each function; an empty list when there is no build."""
    if not build.exists():
        return []
    return [_size(LAYER, build / LAYER), *(_size(name, build / name) for name in functions())]
