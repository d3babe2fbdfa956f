"""Reduce an installed layer to what this service imports and loads at run time (run by this folder's Makefile).

botocore keeps the models of the services the code calls and the files it loads itself; the endpoint table keeps
those services only. Babel keeps the CLDR data of the languages the service speaks (those with a compiled catalog,
and English), and its catalog tools stay behind once the catalogs are compiled (the .po sources with them).
Packages and files that nothing here ever imports or reads go: unused Powertools utilities, the Swagger UI bundle,
pydantic's v1 API, X-Ray patchers for other libraries, MarkupSafe's compiled speedups, type stubs, console scripts,
caches compiled by other interpreters, and each distribution's description (its README) from its metadata.

It needs nothing but the standard library of the Python 3.13 that runs it: Babel's pickled CLDR data name Babel's
own classes, so they are read with the installed target first on the path (the pinned Babel, whatever the
interpreter has or lacks; `sam build` from a CI image or a bare python3.13 has no Babel of its own).
"""

from __future__ import annotations

import gzip
import json
import pickle
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The services the code calls (DynamoDB, EventBridge, KMS, Lambda, SES v2); X-Ray and Powertools call none.
SERVICES = ("dynamodb", "events", "kms", "lambda", "sesv2")
# What botocore itself loads to build any client: endpoints, partitions, defaults and retry rules.
BOTOCORE_FILES = ("endpoints.json", "partitions.json", "sdk-default-configuration.json", "_retry.json")
NEVER_IMPORTED = (
    "bin",
    "dns",  # dnspython: email-validator imports it only to check deliverability, which mailbox.py turns off
    "email_validator/deliverability.py",
    "aws_lambda_powertools/utilities/auth_alpha",
    "aws_lambda_powertools/utilities/batch",
    "aws_lambda_powertools/utilities/circuit_breaker",
    "aws_lambda_powertools/utilities/data_masking",
    "aws_lambda_powertools/utilities/feature_flags",
    "aws_lambda_powertools/utilities/kafka",
    "aws_lambda_powertools/utilities/parameters",
    "aws_lambda_powertools/utilities/parser",
    "aws_lambda_powertools/utilities/streaming",
    "aws_lambda_powertools/utilities/validation",
    "aws_lambda_powertools/metrics/provider/datadog",  # metrics go to CloudWatch as EMF; nothing imports Datadog's
    "aws_lambda_powertools/event_handler/openapi/swagger_ui/swagger-ui-bundle.min.js",
    "aws_lambda_powertools/event_handler/openapi/swagger_ui/swagger-ui.min.css",
    "boto3/data",  # resource models: the store uses a plain client and boto3.dynamodb.types' (de)serialiser
    "boto3/examples",
    "dateutil/zoneinfo/dateutil-zoneinfo.tar.gz",
    "dateutil/rrule.py",  # botocore reads dates with dateutil.parser and dateutil.tz, never recurrence rules
    "dateutil/easter.py",
    "dateutil/tz/win.py",
    "pydantic/experimental",  # imported by nothing here (pydantic itself never imports it)
    "pydantic/v1",
    "pydantic/mypy.py",
    "wrapt/_wrappers.c",
    "urllib3/contrib/emscripten",  # imported only when Python runs in a browser (Pyodide)
)
# MarkupSafe escapes the few values of an email or a page, once a page is cached: its pure-Python escaping (which it
# falls back to by itself) does that in microseconds, so its compiled speedups (230 KB) stay behind.
MARKUPSAFE_SPEEDUPS = "markupsafe/_speedups*"
# What Babel reads to write a date and a time with its zone (languages.written_instant), each language's and global;
# tests/artifacts checks that the built layer writes them exactly as the whole of Babel does.
CLDR_DATES = ("date_formats", "datetime_formats", "day_periods", "months", "time_formats", "time_zones")
CLDR_ZONES = ("Etc/UTC",)
CLDR_GLOBALS = ("likely_subtags", "parent_exceptions", "zone_aliases")
# English writes its dates as en-GB does (translation.DATES_WRITTEN_AS), whose CLDR parent is en_001, the
# English of the world (CLDR's parent_exceptions), not en.
DATE_LOCALES = ("en-GB",)
DATE_PARENTS = {"en_001.dat"}
# Babel's modules for numbers, units, lists, language names and its gettext wrappers: the service uses none.
BABEL_NEVER_IMPORTED = ("numbers.py", "units.py", "lists.py", "languages.py", "support.py", "messages")
# The X-Ray SDK patches botocore only (see observability.py); its other patchers are never imported.
XRAY_EXTENSIONS_KEPT = ("__init__.py", "util.py", "boto_utils.py", "botocore", "resources")


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _endpoint_prefix(service: Path) -> str:
    """The service's endpoint prefix (`sesv2` -> `email`), from its newest model."""
    model = sorted(service.glob("*/service-2.json*"))[-1]
    data = gzip.decompress(model.read_bytes()) if model.suffix == ".gz" else model.read_bytes()
    return str(json.loads(data)["metadata"]["endpointPrefix"])


def slim_botocore_data(data: Path) -> None:
    for entry in data.iterdir():
        if entry.name not in SERVICES and entry.name not in BOTOCORE_FILES:
            _remove(entry)
    for examples in data.rglob("examples-1.json"):
        examples.unlink()
    for waiters in data.rglob("waiters-2.json"):  # loaded by get_waiter only, which the code never calls
        waiters.unlink()
    for service in SERVICES:  # a client without api_version loads the newest; the older ones are never read
        for older in sorted(path for path in (data / service).iterdir() if path.is_dir())[:-1]:
            shutil.rmtree(older)
    prefixes = {_endpoint_prefix(data / service) for service in SERVICES}
    endpoints = json.loads((data / "endpoints.json").read_text(encoding="utf-8"))
    for partition in endpoints["partitions"]:
        partition["services"] = {name: spec for name, spec in partition["services"].items() if name in prefixes}
    (data / "endpoints.json").write_text(json.dumps(endpoints, separators=(",", ":")), encoding="utf-8")


def cldr_files(locales: list[str]) -> set[str]:
    """The locale data files Babel reads for `locales` (`pt-BR`): each one, its parents (`pt`) and the root."""
    kept = {"root"}
    for locale in locales:
        parts = locale.replace("-", "_").split("_")
        kept |= {"_".join(parts[:length]) for length in range(1, len(parts) + 1)}
    return {f"{name}.dat" for name in kept}


def _repickle(path: Path, keep: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    with path.open("rb") as data:
        kept = keep(pickle.load(data))  # noqa: S301 - Babel's own data files, from the pinned wheel
    with path.open("wb") as data:
        pickle.dump(kept, data, protocol=pickle.HIGHEST_PROTOCOL)


def _dates_only(data: dict[str, Any]) -> dict[str, Any]:
    kept = {key: value for key, value in data.items() if key in CLDR_DATES}
    if "time_zones" in kept:
        kept["time_zones"] = {zone: names for zone, names in kept["time_zones"].items() if zone in CLDR_ZONES}
    return kept


def _likely_subtags_of(languages: set[str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def keep(data: dict[str, Any]) -> dict[str, Any]:
        kept = {key: value for key, value in data.items() if key in CLDR_GLOBALS}
        subtags = kept.get("likely_subtags", {})
        kept["likely_subtags"] = {tag: value for tag, value in subtags.items() if tag.split("_")[0] in languages}
        return kept

    return keep


def slim_babel(target: Path) -> None:
    """Babel as the service uses it: CLDR's dates of the supported languages (languages.written_instant)."""
    catalogs = target / "business_accounts" / "locales"
    locales = ["en", *DATE_LOCALES, *(compiled.stem for compiled in catalogs.glob("*.mo"))]
    kept = cldr_files(locales) | DATE_PARENTS
    for data in (target / "babel" / "locale-data").iterdir():
        if data.name not in kept:
            data.unlink()
        else:
            _repickle(data, _dates_only)
    _repickle(target / "babel" / "global.dat", _likely_subtags_of({"und", *(name.split("-")[0] for name in locales)}))
    for source in [*catalogs.glob("*.po"), *catalogs.glob("*.pot")]:
        source.unlink()
    for module in BABEL_NEVER_IMPORTED:
        _remove(target / "babel" / module)


def keep_headers(metadata: Path) -> None:
    """A distribution's METADATA without its description (the package's README, after the first blank line): the
    headers stay, the name, version, licence and requirements that `importlib.metadata` and scanners read."""
    headers, _, _description = metadata.read_text(encoding="utf-8").partition("\n\n")
    metadata.write_text(headers + "\n", encoding="utf-8")


def slim(target: Path) -> None:
    sys.path.insert(0, str(target))  # for unpickling: Babel's classes from the pinned wheel, pure Python
    slim_babel(target)
    slim_botocore_data(target / "botocore" / "data")
    for entry in (target / "aws_xray_sdk" / "ext").iterdir():
        if entry.name not in XRAY_EXTENSIONS_KEPT:
            _remove(entry)
    for relative in NEVER_IMPORTED:
        _remove(target / relative)
    for speedups in target.glob(MARKUPSAFE_SPEEDUPS):
        _remove(speedups)
    for record in target.glob("*.dist-info/RECORD"):  # pip's list of files to uninstall; nothing reads it at run time
        record.unlink()
    for metadata in target.glob("*.dist-info/METADATA"):
        keep_headers(metadata)
    for stubs in [*target.glob("*-stubs"), *target.rglob("__pycache__")]:
        _remove(stubs)
    for stub in target.rglob("*.pyi"):
        stub.unlink()


if __name__ == "__main__":
    slim(Path(sys.argv[1]))
