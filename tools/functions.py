"""The template's functions with its Globals merged once, their events and environment, and their handlers loaded
by path as Lambda would."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from tools.handlers import load_module
from tools.template import ROOT, Stack, template, with_globals


@dataclass(frozen=True)
class Function:
    """An AWS::Serverless::Function: its own properties as written, and its settings with the Globals merged."""

    logical_id: str
    properties: dict[str, Any]
    settings: dict[str, Any]
    layer_dirs: tuple[Path, ...]  # the folders of the template's layers it uses, in order

    @property
    def code_dir(self) -> Path:
        return ROOT / self.settings["CodeUri"]

    @property
    def handler(self) -> str:
        return str(self.settings.get("Handler", "app.lambda_handler"))

    @property
    def timeout_seconds(self) -> int:
        return int(self.settings.get("Timeout", 3))  # Lambda's default

    @property
    def memory_mb(self) -> int:
        return int(self.settings.get("MemorySize", 128))

    @property
    def runtime(self) -> str:
        return str(self.settings["Runtime"])

    @property
    def architectures(self) -> list[str]:
        return list(self.settings.get("Architectures", ["x86_64"]))

    @property
    def tracing(self) -> str:
        return "Active" if self.settings.get("Tracing") == "Active" else "PassThrough"

    @property
    def variables(self) -> dict[str, Any]:
        """Its environment as the template declares it (Globals, then its own), unresolved."""
        variables: dict[str, Any] = self.settings.get("Environment", {}).get("Variables", {})
        return variables

    def environment(self, stack: Stack, overrides: dict[str, dict[str, str]] | None = None) -> dict[str, str]:
        """Its variables resolved in `stack`, then the `sam local --env-vars` overrides of those it declares."""
        variables = {name: str(stack.resolve(value)) for name, value in self.variables.items()}
        for scope in ("Parameters", self.logical_id):  # as sam local: only variables the template declares
            variables |= {name: value for name, value in (overrides or {}).get(scope, {}).items() if name in variables}
        return variables

    def lambda_environment(
        self, stack: Stack, aws_endpoint: str, overrides: dict[str, dict[str, str]] | None = None
    ) -> dict[str, str]:
        """What it runs with: what Lambda itself sets (AWS being at `aws_endpoint`), then its own environment."""
        lambda_sets = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "AWS_REGION": stack.region,
            "AWS_DEFAULT_REGION": stack.region,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_ENDPOINT_URL": aws_endpoint,
            "AWS_LAMBDA_FUNCTION_NAME": self.logical_id,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon on a laptop
        }
        return lambda_sets | self.environment(stack, overrides)  # the template's win where both set one

    @property
    def module_path(self) -> Path:
        """The file of the handler's module: `app.lambda_handler` -> CodeUri/app.py."""
        return self.code_dir / (self.handler.rpartition(".")[0].replace(".", "/") + ".py")

    def load(self) -> ModuleType:
        """Import the handler's module from its own folder under a unique name, as each Lambda has its own."""
        unique = f"function_{self.logical_id}"
        return sys.modules.get(unique) or load_module(unique, self.module_path)

    def entry_point(self) -> Callable[[dict[str, Any], Any], Any]:
        handler: Callable[[dict[str, Any], Any], Any] = getattr(self.load(), self.handler.rpartition(".")[2])
        return handler


@cache  # template.yaml is read once; callers read the answer, never change it
def functions() -> dict[str, Function]:
    resources = template()["Resources"]
    layers = {
        logical_id: ROOT / resource["Properties"]["ContentUri"]
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::LayerVersion"
    }
    found = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        settings = with_globals(logical_id)
        references = [layer.get("Ref") for layer in settings.get("Layers", []) if isinstance(layer, dict)]
        found[logical_id] = Function(
            logical_id, resource["Properties"], settings, tuple(layers[ref] for ref in references if ref in layers)
        )
    return found


@dataclass(frozen=True)
class FunctionEvent:
    """One entry of a function's `Events`: its type (Api, ScheduleV2, EventBridgeRule...) and its properties."""

    function: Function
    name: str
    type: str
    properties: dict[str, Any]

    @property
    def full_name(self) -> str:
        return f"{self.function.logical_id}.{self.name}"


def events(*types: str) -> list[FunctionEvent]:
    """Every function's events of the given types, in template order."""
    return [
        FunctionEvent(function, name, event["Type"], event.get("Properties", {}))
        for function in functions().values()
        for name, event in function.properties.get("Events", {}).items()
        if event["Type"] in types
    ]


@dataclass(frozen=True)
class ApiRoute:
    """One `Api` event of the template: method, resource path (with `{name}` parameters) and its function."""

    method: str
    resource: str
    pattern: re.Pattern[str]
    function: Function


def _path_pattern(resource: str) -> re.Pattern[str]:
    """`/v1/accounts/{account_id}/join` -> a regex with named groups; `{proxy+}` takes the rest of the path."""
    parts = re.split(r"(\{\w+\+?\})", resource)
    regex = "".join(
        (f"(?P<{part[1:-2]}>.+)" if part.endswith("+}") else f"(?P<{part[1:-1]}>[^/]+)")
        if part.startswith("{")
        else re.escape(part)
        for part in parts
    )
    return re.compile(f"^{regex}$")


@cache
def api_routes() -> list[ApiRoute]:
    """Every API route of the template, literal paths before parameterised ones, as API Gateway prefers."""
    found = []
    for event in events("Api"):
        path = event.properties["Path"]
        found.append(ApiRoute(event.properties["Method"].upper(), path, _path_pattern(path), event.function))
    return sorted(found, key=lambda route: route.resource.count("{"))
