"""The functions that template.yaml declares, and their handler modules loaded by path as Lambda would."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation's short tags (!Ref, !Sub, !GetAtt...) as plain {'Fn::...': value} maps."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"  # !Condition is {"Condition": ...}
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def written_template() -> dict[str, Any]:
    """template.yaml as written, loops and all."""
    with TEMPLATE.open(encoding="utf-8") as stream:
        written: dict[str, Any] = yaml.load(stream, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    return written


@cache
def template() -> dict[str, Any]:
    """template.yaml as CloudFormation sees it after AWS::LanguageExtensions: every Fn::ForEach expanded."""
    written = written_template()
    for section in ("Conditions", "Resources", "Outputs"):
        if section in written:
            written[section] = _expand_for_each(written[section])
    return written


def _expand_for_each(section: dict[str, Any]) -> dict[str, Any]:
    """`Fn::ForEach::Name: [Identifier, [values], {fragment}]` -> the fragment once per value, loops nested."""
    expanded: dict[str, Any] = {}
    for key, value in section.items():
        if not key.startswith("Fn::ForEach::"):
            expanded[key] = value
            continue
        identifier, collection, fragment = value
        for item in collection:
            expanded |= _expand_for_each(_replace(fragment, identifier, item))
    return expanded


def _replace(node: Any, identifier: str, item: str) -> Any:
    """`${Identifier}` and `&{Identifier}` in every key and string, and `Ref: Identifier`, become the item."""
    if isinstance(node, str):
        alphanumeric = re.sub(r"[^A-Za-z0-9]", "", item)
        return node.replace(f"${{{identifier}}}", item).replace(f"&{{{identifier}}}", alphanumeric)
    if isinstance(node, list):
        return [_replace(element, identifier, item) for element in node]
    if isinstance(node, dict):
        if node == {"Ref": identifier}:
            return item
        return {_replace(key, identifier, item): _replace(value, identifier, item) for key, value in node.items()}
    return node


def load_module(name: str, path: Path) -> ModuleType:
    """Import the file at `path` as module `name`, as Lambda imports a handler from its code folder."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_dir: Path
    handler: str
    properties: dict[str, Any]

    @property
    def module_path(self) -> Path:
        """The file of the handler's module: `app.lambda_handler` -> CodeUri/app.py."""
        return self.code_dir / (self.handler.rpartition(".")[0].replace(".", "/") + ".py")

    def load(self) -> ModuleType:
        """Import the handler's module from its own folder under a unique name, as each Lambda has its own."""
        unique = f"function_{self.logical_id}"
        return sys.modules.get(unique) or load_module(unique, self.module_path)

    @property
    def timeout_seconds(self) -> int:
        """The function's Timeout, its own or the template's Globals (Lambda's default is 3 s)."""
        globals_ = template().get("Globals", {}).get("Function", {})
        return int(self.properties.get("Timeout", globals_.get("Timeout", 3)))

    def entry_point(self) -> Callable[[dict[str, Any], Any], Any]:
        handler: Callable[[dict[str, Any], Any], Any] = getattr(self.load(), self.handler.rpartition(".")[2])
        return handler


@cache  # template.yaml is read once; callers read the answer, never change it
def functions() -> dict[str, Function]:
    resources = template()["Resources"]
    globals_ = template().get("Globals", {}).get("Function", {})
    found = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        properties = resource["Properties"]
        found[logical_id] = Function(
            logical_id=logical_id,
            code_dir=ROOT / properties["CodeUri"],
            handler=properties.get("Handler", globals_.get("Handler", "app.lambda_handler")),
            properties=properties,
        )
    return found


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
    found = [
        ApiRoute(
            event["Properties"]["Method"].upper(),
            event["Properties"]["Path"],
            _path_pattern(event["Properties"]["Path"]),
            function,
        )
        for function in functions().values()
        for event in function.properties.get("Events", {}).values()
        if event["Type"] == "Api"
    ]
    return sorted(found, key=lambda route: route.resource.count("{"))
