"""What `sam build` produces runs on its own, from bytecode: each handler alone, and every AWS call on moto.

The handlers come from the template built as CI builds it (conftest.py, `host_build`), for this machine.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.bus_view import bus_events
from local.inbox import latest_token
from tests.support.ses import COMPLAINED, report
from tools.events import api_event, load_event
from tools.functions import ROOT, functions
from tools.instances import INSTANCE, lambda_environment
from tools.streams import StreamPump
from tools.template import REGION, Stack

BUILD = ROOT / ".aws-sam" / "build"
LAYER = "SharedLayer"
CALLING_NO_AWS = ("OpenApiFunction", "AcceptPageFunction", "RegisterPageFunction")
# What the X-Ray SDK imports to patch botocore, and nothing for any other library.
TRACING_BOTOCORE = {
    "aws_xray_sdk.ext.util",
    "aws_xray_sdk.ext.boto_utils",
    "aws_xray_sdk.ext.botocore",
    "aws_xray_sdk.ext.botocore.patch",
}
_ELF_MACHINE = {b"\xb7\x00": "aarch64", b"\x3e\x00": "x86_64"}
# Imports the handler as Lambda does, noting every module that had to be compiled from source on the way.
_IMPORT_ALONE = """
import importlib.machinery, json, sys
compiled = []
to_code = importlib.machinery.SourceFileLoader.source_to_code
def compiling(loader, data, path, *args, **kwargs):
    compiled.append(path)
    return to_code(loader, data, path, *args, **kwargs)
importlib.machinery.SourceFileLoader.source_to_code = compiling
sys.path[:0] = [{function!r}, {layer!r}]
import app
assert callable(app.lambda_handler)
import pydantic
def models(base):
    for model in base.__subclasses__():
        yield model
        yield from models(model)
built = sorted({{f"{{model.__module__}}.{{model.__qualname__}}" for model in models(pydantic.BaseModel)
                 if model.__module__.startswith("business_accounts.") and model.__pydantic_complete__}})
postponed = sorted({{f"{{model.__module__}}.{{model.__qualname__}}" for model in models(pydantic.BaseModel)
                     if model.__module__.startswith("business_accounts.")
                     and any(isinstance(hint, str) for hint in vars(model).get("__annotations__", {{}}).values())}})
print(json.dumps({{"compiled": compiled, "modules": sorted(sys.modules), "built": built, "postponed": postponed}}))
"""
ANY_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}  # moto takes any
needs_build = pytest.mark.skipif(not BUILD.exists(), reason="needs `make build` first (make test runs it)")

# A page function puts its page together from its own folder and the layer's page_assets/.
_RENDER_ALONE = """
import os
import sys
sys.path[:0] = [{function!r}, {layer!r}]
os.environ.update(ACCOUNTS_TABLE="a", INVITATIONS_TABLE="i", IDEMPOTENCY_TABLE="d", EVENTS_TABLE="e", TOKEN_KEY_ID="k",
                  SENDER_EMAIL="no-reply@example.com", ACCEPT_PAGE_URL="https://example.com/invitations/accept")
import app
assert all(app.page(locale).html.startswith("<!DOCTYPE html>") for locale in ("en", "ja"))
"""
PAGE_FUNCTIONS = ["AcceptPageFunction", "RegisterPageFunction"]


def _machine(library: Path) -> str:
    header = library.read_bytes()[:20]
    return _ELF_MACHINE.get(header[18:20], "unknown")


@needs_build
def test_built_layer_compiled_extensions_are_all_for_arm64() -> None:
    libraries = list((BUILD / LAYER / "python").rglob("*.so"))

    assert libraries, "pydantic-core at least is compiled"
    assert {_machine(library) for library in libraries} == {"aarch64"}
    assert (BUILD / LAYER / "python" / "business_accounts" / "logic" / "store.py").exists()


@needs_build
@pytest.mark.parametrize("artefact", [LAYER, *sorted(functions())])
def test_built_artefact_has_unchecked_bytecode_of_this_python_for_every_module(artefact: str) -> None:
    sources = list((BUILD / artefact).rglob("*.py"))

    headers = {source: Path(importlib.util.cache_from_source(str(source))).read_bytes()[:8] for source in sources}

    assert sources
    assert {header[:4] for header in headers.values()} == {importlib.util.MAGIC_NUMBER}
    assert {int.from_bytes(header[4:8], "little") for header in headers.values()} == {0b01}  # hash, never checked


@needs_build
def test_built_layer_keeps_botocore_models_of_the_called_services_only() -> None:
    data = BUILD / LAYER / "python" / "botocore" / "data"
    endpoints = json.loads((data / "endpoints.json").read_text(encoding="utf-8"))

    assert sorted(path.name for path in data.iterdir() if path.is_dir()) == [
        "dynamodb",
        "events",
        "kms",
        "lambda",
        "sesv2",
    ]
    services = {name for partition in endpoints["partitions"] for name in partition["services"]}
    assert services <= {"dynamodb", "email", "events", "kms", "lambda"}


@needs_build
def test_built_arm64_layer_ships_the_snapstart_hooks_library_compiled() -> None:
    layer = BUILD / LAYER / "python"

    assert (layer / "snapshot_restore_py.py").exists()
    assert (layer / "business_accounts" / "adapters" / "snapshot.py").exists()
    assert list(layer.glob("snapshot_restore_py-*.dist-info"))


@needs_build
def test_built_artefacts_are_within_their_size_targets() -> None:
    def size(folder: Path) -> int:
        return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())

    assert size(BUILD / LAYER) <= 20_000_000
    assert max(size(BUILD / function) for function in functions()) < 100_000


def _import_alone(build: Path, function: str) -> dict[str, Any]:
    code = _IMPORT_ALONE.format(function=str(build / function), layer=str(build / LAYER / "python"))
    result = subprocess.run(  # noqa: S603 - a fresh interpreter: no site-packages (-S), isolated (-I), no bytecode written
        [sys.executable, "-I", "-S", "-B", "-c", code],
        capture_output=True,
        text=True,
        env=lambda_environment(function),  # tracing on, as deployed
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return report


@pytest.mark.parametrize("function", sorted(functions()))
def test_built_function_imports_with_only_its_folder_and_the_layer_and_compiles_nothing(
    host_build: Path, function: str
) -> None:
    report = _import_alone(host_build, function)

    assert report["compiled"] == []
    patched = {module for module in report["modules"] if module.startswith("aws_xray_sdk.ext.")}
    assert patched == (set() if function in CALLING_NO_AWS else TRACING_BOTOCORE)


@pytest.mark.parametrize("function", sorted(functions()))
def test_built_function_builds_no_model_when_it_starts_but_its_settings(host_build: Path, function: str) -> None:
    # Bodies, stored items, error documentation and SES records are built on first use (docs/deploy.md, "What a
    # cold start does"): a function that starts builds only its settings, which every request reads.
    assert _import_alone(host_build, function)["built"] == ["business_accounts.models.settings.Settings"]


@pytest.mark.parametrize("function", sorted(functions()))
def test_built_function_defines_no_model_whose_annotations_are_strings_to_parse(
    host_build: Path, function: str
) -> None:
    # A postponed annotation is a string that pydantic parses and evaluates as the class is defined: a model module
    # without `from __future__ import annotations` imports a third faster (docs/deploy.md, "What a cold start does").
    assert _import_alone(host_build, function)["postponed"] == []


@pytest.mark.parametrize("function", PAGE_FUNCTIONS)
def test_built_page_function_renders_its_page_with_only_its_folder_and_the_layer(
    host_build: Path, function: str
) -> None:
    code = _RENDER_ALONE.format(function=str(host_build / function), layer=str(host_build / LAYER / "python"))

    result = subprocess.run(  # noqa: S603 - as above
        [sys.executable, "-I", "-S", "-B", "-c", code], capture_output=True, text=True, env={}, check=False
    )

    assert result.returncode == 0, result.stderr


# The email's words and dates from the built layer alone: compiled catalogs, and Babel's trimmed CLDR data.
_SPEAK_ALONE = """
import json, sys
from datetime import datetime, UTC
sys.path[:0] = [{layer!r}]
from business_accounts.models.languages import SUPPORTED
from business_accounts.logic.translation import translations, written_instant
from business_accounts.logic.invitation_email import SUBJECT
instants = [datetime(2026, 12, 3, 9, 5, tzinfo=UTC), datetime(2027, 7, 31, 23, 59, tzinfo=UTC)]
print(json.dumps({{locale: [translations(locale).gettext(SUBJECT), *(written_instant(at, locale) for at in instants)]
                  for locale in SUPPORTED}}))
"""


def test_built_layer_speaks_every_language_as_the_source_tree_does_from_compiled_catalogs_only(
    host_build: Path,
) -> None:
    layer = host_build / LAYER / "python"
    source = ROOT / "layers" / "shared"
    run = [sys.executable, "-I", "-S", "-B", "-c"]

    built = subprocess.run(  # noqa: S603 - as above
        [*run, _SPEAK_ALONE.format(layer=str(layer))], capture_output=True, text=True, env={}, check=True
    )
    whole = subprocess.run(  # noqa: S603 - the source tree with the whole of Babel (this venv's)
        [sys.executable, "-c", _SPEAK_ALONE.format(layer=str(source))], capture_output=True, text=True, check=True
    )

    assert json.loads(built.stdout) == json.loads(whole.stdout)
    catalogs = layer / "business_accounts" / "locales"
    assert sorted(path.name for path in catalogs.iterdir()) == sorted(
        f"{path.stem}.mo" for path in (source / "business_accounts" / "locales").glob("*.po")
    )


# Every distribution of the layer as importlib.metadata reads it (pydantic looks for plugins this way).
_DISTRIBUTIONS_ALONE = """
import importlib.metadata, json, sys
sys.path[:0] = [{layer!r}]
print(json.dumps([[dist.name, dist.version, dist.metadata["Metadata-Version"]]
                  for dist in importlib.metadata.distributions()]))
"""


def test_built_layer_keeps_each_distributions_name_and_version_without_its_description(host_build: Path) -> None:
    layer = host_build / LAYER / "python"
    code = _DISTRIBUTIONS_ALONE.format(layer=str(layer))

    result = subprocess.run(  # noqa: S603 - as above
        [sys.executable, "-I", "-S", "-B", "-c", code], capture_output=True, text=True, env={}, check=True
    )

    distributions = json.loads(result.stdout)
    assert len(distributions) == len(list(layer.glob("*.dist-info")))
    assert all(name and version and metadata_version for name, version, metadata_version in distributions)
    names = {name.lower().replace("_", "-") for name, _, _ in distributions}
    assert names >= {"pydantic", "boto3", "botocore", "aws-lambda-powertools"}
    assert all("\n\n" not in path.read_text(encoding="utf-8") for path in layer.glob("*.dist-info/METADATA"))


@pytest.mark.parametrize("function", CALLING_NO_AWS)
def test_built_function_that_calls_no_aws_imports_neither_the_sdk_clients_nor_the_tracer(
    host_build: Path, function: str
) -> None:
    modules = set(_import_alone(host_build, function)["modules"])

    # Powertools' user-agent hook imports the botocore package itself; nothing may go further.
    assert not {module for module in modules if module.split(".")[0] in {"boto3", "s3transfer", "aws_xray_sdk"}}
    assert not modules & {"botocore.client", "botocore.session", "botocore.httpsession"}


class BuiltFunctions:
    """Every function of the build in one fresh interpreter (tools/lambda_instance.py serve), tracing on."""

    def __init__(self, build: Path, endpoint: str, log: Path) -> None:
        self.build = build
        self._log = log.open("w", encoding="utf-8")
        bus = lambda_environment("EventsPublisherFunction", aws_endpoint=endpoint)["EVENT_BUS_NAME"]
        environment = lambda_environment(
            "RegisterFunction", aws_endpoint=endpoint, INVITE_COOLDOWN_SECONDS="0", EVENT_BUS_NAME=bus
        )
        self._stream = StreamPump(
            boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION, **ANY_CREDENTIALS),
            boto3.client("dynamodbstreams", endpoint_url=endpoint, region_name=REGION, **ANY_CREDENTIALS),
            Stack().physical_name,
        )
        self._process = subprocess.Popen(  # noqa: S603 - our own instance runner on build output
            [sys.executable, "-I", "-S", "-B", str(INSTANCE), "serve", str(build / LAYER / "python")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=environment,
        )

    def invoke(self, function: str, event: dict[str, Any]) -> tuple[int, Any]:
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write(json.dumps({"code_dir": str(self.build / function), "event": event}) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        assert line, "the instance died: see its log"
        answer = json.loads(line)
        if "statusCode" not in answer:
            return 200, answer
        body = answer.get("body") or "null"
        return answer["statusCode"], json.loads(body) if body.startswith(("{", "[", "null")) else body

    def drain(self) -> None:
        """The stream's consumers (the outbox, the bus) run from the build on what the requests wrote."""
        self._stream.drain(lambda function, event: self.invoke(function, event)[1])

    def close(self) -> None:
        self._process.communicate(timeout=10)
        self._log.close()


def _post(path: str, body: Any, **options: Any) -> dict[str, Any]:
    return api_event("POST", path, body=body, **options)


def test_every_aws_call_works_from_the_built_layer(host_build: Path, aws_on_loopback: str, tmp_path: Path) -> None:
    built = BuiltFunctions(host_build, aws_on_loopback, tmp_path / "instance.log")
    jane, colleague = "jane@example.com", "colleague@example.com"
    try:
        provision = {"company_name": "ACME Ltd", "administrator_email": jane, "created_via": "sales"}
        status, account = built.invoke("InternalFunction", _post("/v1/internal/accounts", provision))
        assert status == 201, account
        account_id = {"account_id": account["account_id"]}
        new = {"email": "new@example.com", "company_name": "New"}
        register = _post("/v1/accounts", new, headers={"Idempotency-Key": "first-try"})
        assert built.invoke("RegisterFunction", register)[0] == 201
        assert built.invoke("RegisterFunction", register)[0] == 201  # the idempotency store's answer
        pending = _post("/v1/accounts", {"email": jane, "company_name": "ACME"})
        assert built.invoke("RegisterFunction", pending)[1]["code"] == "PENDING_INVITATION"
        join = _post("/v1/accounts/{account_id}/join", {"email": jane}, path_parameters=account_id)
        assert built.invoke("JoinFunction", join)[0] == 202
        assert built.invoke("ResendFunction", _post("/v1/invitations/resend", {"email": jane}))[0] == 202
        built.drain()
        token = {"token": latest_token(REGION, jane)}
        assert built.invoke("InvitationTokenFunction", _post("/v1/invitations/preview", token))[0] == 200
        assert built.invoke("InvitationTokenFunction", _post("/v1/invitations/renew", token))[0] == 202
        built.drain()
        token = {"token": latest_token(REGION, jane)}
        assert built.invoke("InvitationTokenFunction", _post("/v1/invitations/accept", token))[0] == 200
        invitations = "/v1/internal/accounts/{account_id}/invitations"
        invite = _post(invitations, {"email": colleague, "invited_by": jane}, path_parameters=account_id)
        assert built.invoke("InternalFunction", invite)[0] == 201
        built.drain()
        listing = api_event("GET", invitations, path_parameters=account_id, query={"status": "pending"})
        status, page = built.invoke("InternalFunction", listing)
        assert [item["email"] for item in page["items"]] == [colleague]
        account_event = api_event("GET", "/v1/internal/accounts/{account_id}", path_parameters=account_id)
        details = built.invoke("InternalFunction", account_event)
        administrators = {
            (administrator["email"], administrator["state"]) for administrator in details[1]["administrators"]
        }
        assert administrators == {(jane, "active"), (colleague, "invited")}
        complaint = report(
            COMPLAINED,
            invitation_id=page["items"][0]["invitation_id"],
            account_id=account["account_id"],
            email=colleague,
            at=datetime.now(UTC),
        )
        recorded = {"delivery": "complained", "recorded": True, "suppressed": True}
        assert built.invoke("DeliveryEventsFunction", complaint) == (200, recorded)
        lift = api_event("DELETE", "/v1/internal/suppressions/{email}", path_parameters={"email": colleague})
        assert built.invoke("InternalFunction", lift)[0] == 204
        revoke = api_event(
            "DELETE",
            invitations + "/{invitation_id}",
            path_parameters=account_id | {"invitation_id": page["items"][0]["invitation_id"]},
        )
        assert built.invoke("InternalFunction", revoke)[0] == 204
        assert built.invoke("CleanupFunction", load_event("cleanup_schedule")) == (
            200,
            {"expired": 0, "remaining": False},
        )
        assert built.invoke("OpenApiFunction", load_event("openapi"))[0] == 200
        assert built.invoke("AcceptPageFunction", load_event("accept_page"))[0] == 200
        timeline = api_event("GET", "/v1/internal/accounts/{account_id}/events", path_parameters=account_id)
        events = built.invoke("InternalFunction", timeline)[1]["items"]
        built.drain()
        assert {event["detail"]["event_id"] for event in bus_events(REGION)} >= {item["event_id"] for item in events}
    finally:
        built.close()
