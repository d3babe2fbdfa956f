"""Reduce an installed layer to what this service imports and loads at run time (run by this folder's Makefile).

botocore keeps the models of the services the code calls and the files it loads itself; the endpoint table keeps
those services only. Packages and files that nothing here ever imports or reads go: unused Powertools utilities,
the Swagger UI bundle, pydantic's v1 API, dnspython, X-Ray patchers for other libraries, type stubs, console
scripts and caches compiled by other interpreters.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from pathlib import Path

# The services the code calls (DynamoDB, SES v2); the X-Ray SDK and Powertools call none of their own.
SERVICES = ("dynamodb", "sesv2")
# What botocore itself loads to build any client: endpoints, partitions, defaults and retry rules.
BOTOCORE_FILES = ("endpoints.json", "partitions.json", "sdk-default-configuration.json", "_retry.json")
# boto3's resource models: only DynamoDB's, for its type (de)serialiser and resource layer.
BOTO3_RESOURCES = ("dynamodb",)
NEVER_IMPORTED = (
    "bin",
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
    "aws_lambda_powertools/event_handler/openapi/swagger_ui/swagger-ui-bundle.min.js",
    "aws_lambda_powertools/event_handler/openapi/swagger_ui/swagger-ui.min.css",
    "boto3/examples",
    "dateutil/zoneinfo/dateutil-zoneinfo.tar.gz",
    # dnspython: email-validator imports it only to check deliverability, which mailbox.py never asks for.
    "dns",
    "pydantic/v1",
    "pydantic/mypy.py",
    "wrapt/_wrappers.c",
)
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
    prefixes = {_endpoint_prefix(data / service) for service in SERVICES}
    endpoints = json.loads((data / "endpoints.json").read_text(encoding="utf-8"))
    for partition in endpoints["partitions"]:
        partition["services"] = {name: spec for name, spec in partition["services"].items() if name in prefixes}
    (data / "endpoints.json").write_text(json.dumps(endpoints, separators=(",", ":")), encoding="utf-8")


def slim(target: Path) -> None:
    slim_botocore_data(target / "botocore" / "data")
    for entry in (target / "boto3" / "data").iterdir():
        if entry.name not in BOTO3_RESOURCES:
            _remove(entry)
    for entry in (target / "aws_xray_sdk" / "ext").iterdir():
        if entry.name not in XRAY_EXTENSIONS_KEPT:
            _remove(entry)
    for relative in NEVER_IMPORTED:
        _remove(target / relative)
    for stubs in [*target.glob("*-stubs"), *target.rglob("__pycache__")]:
        _remove(stubs)
    for stub in target.rglob("*.pyi"):
        stub.unlink()


if __name__ == "__main__":
    slim(Path(sys.argv[1]))
