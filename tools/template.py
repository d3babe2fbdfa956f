"""template.yaml read once, as deployed: its resources after AWS::LanguageExtensions, and its values in one stack."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
ACCOUNT_ID = "123456789012"  # the account, region and stack name that local runs and tests deploy into, named once
REGION = "eu-west-1"
STACK_NAME = "business-accounts-local"
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


def written_template() -> dict[str, Any]:
    """template.yaml as written, loops and all, its short tags (!Ref, !Sub...) read by cfn-lint as {'Fn::...': ...}."""
    decoded, problems = decode(str(TEMPLATE))
    if decoded is None:
        raise ValueError(f"{TEMPLATE.name} cannot be read: {'; '.join(str(problem) for problem in problems)}")
    written: dict[str, Any] = json.loads(json.dumps(decoded))  # plain values: cfn-lint's nodes do not pickle
    return written


@cache  # read once; callers read the answer, never change it
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


# SAM merges these Globals by replacing the function's value; other lists are concatenated, maps merged.
_REPLACED_BY_THE_FUNCTION = {"Architectures"}


def merge_globals(globals_: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """A resource's properties with the template's Globals merged in, as SAM does: the resource's own value wins,
    maps are merged key by key, lists are the Globals' items then the resource's (Architectures: the resource's)."""
    merged = dict(globals_)
    for name, value in own.items():
        merged[name] = value if name in _REPLACED_BY_THE_FUNCTION else _merged(globals_.get(name), value)
    return merged


def _merged(global_value: Any, own: Any) -> Any:
    if isinstance(global_value, dict) and isinstance(own, dict) and not _is_intrinsic(own):
        return {**global_value, **{key: _merged(global_value.get(key), value) for key, value in own.items()}}
    if isinstance(global_value, list) and isinstance(own, list):
        return global_value + own
    return own


def _is_intrinsic(value: dict[str, Any]) -> bool:
    """`{"Ref": ...}`, `{"Fn::If": ...}`: a value to resolve, replaced as a whole, never merged into."""
    (name,) = value if len(value) == 1 else ("",)
    return name in ("Ref", "Condition") or name.startswith("Fn::")


def with_globals(logical_id: str) -> dict[str, Any]:
    """A SAM resource's properties as written, with the template's Globals for its type merged in."""
    resource = template()["Resources"][logical_id]
    section = resource["Type"].removeprefix("AWS::Serverless::")
    return merge_globals(template().get("Globals", {}).get(section, {}), resource.get("Properties", {}))


@dataclass
class Stack:
    """The template deployed once: its parameter values, physical names, and every intrinsic function resolved."""

    template: dict[str, Any] = field(default_factory=template)
    region: str = REGION
    parameter_overrides: dict[str, str] = field(default_factory=dict)

    @property
    def parameters(self) -> dict[str, str]:
        declared = self.template.get("Parameters", {})
        values = {name: str(spec.get("Default", "")) for name, spec in declared.items()}
        return values | {name: value for name, value in self.parameter_overrides.items() if name in declared}

    def logical_ids(self, resource_type: str) -> list[str]:
        """The template's resources of one type, in template order."""
        return [name for name, resource in self.template["Resources"].items() if resource["Type"] == resource_type]

    def properties(self, logical_id: str) -> dict[str, Any]:
        """A resource's properties as deployed: every intrinsic function resolved."""
        resolved: dict[str, Any] = self.resolve(self.template["Resources"][logical_id].get("Properties", {}))
        return resolved

    def physical_name(self, logical_id: str) -> str:
        """Tables, queues and functions are named after their logical IDs locally; an event bus by its Name."""
        resource = self.template["Resources"].get(logical_id, {})
        if resource.get("Type") == "AWS::Events::EventBus":
            return str(self.resolve(resource["Properties"]["Name"]))
        return logical_id

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": STACK_NAME,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.template.get("Resources", {}):
            return self.physical_name(name)
        raise KeyError(f"!Ref {name}: no such parameter or resource")

    def get_att(self, logical_id: str, attribute: str) -> str:
        if attribute == "Arn":
            resource_type = self.template["Resources"][logical_id]["Type"]
            if resource_type == "AWS::KMS::Key":  # a key is found by an alias named after it (emulator.create_keys)
                return f"arn:aws:kms:{self.region}:{ACCOUNT_ID}:alias/{logical_id}"
            if resource_type == "AWS::Events::EventBus":
                return f"arn:aws:events:{self.region}:{ACCOUNT_ID}:event-bus/{self.physical_name(logical_id)}"
            service = resource_type.split("::")[1].lower()
            return f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{logical_id}"
        return f"{logical_id}.{attribute}"

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template.get("Conditions", {})[name]))

    def resolve(self, value: Any) -> Any:  # noqa: PLR0911, PLR0912 - one case per intrinsic function
        """The value with every intrinsic function evaluated."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {key: self.resolve(item) for key, item in value.items()}
        ((function, argument),) = value.items()
        match function:
            case "Ref":
                return self.ref(argument)
            case "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.get_att(logical_id, attribute)
            case "Fn::Sub":
                return self._sub(argument)
            case "Fn::If":
                condition, when_true, when_false = argument
                return self.resolve(when_true if self.condition(condition) else when_false)
            case "Fn::Equals":
                left, right = self.resolve(argument)
                return str(left) == str(right)
            case "Fn::Not":
                return not self.resolve(argument[0])
            case "Fn::And":
                return all(self.resolve(item) for item in argument)
            case "Fn::Or":
                return any(self.resolve(item) for item in argument)
            case "Condition":
                return self.condition(argument)
            case "Fn::Join":
                separator, items = argument
                return separator.join(str(item) for item in self.resolve(items))
            case "Fn::FindInMap":
                mapping, key, attribute = self.resolve(argument)
                return self.template["Mappings"][mapping][key][attribute]
        return {key: self.resolve(item) for key, item in value.items()}

    def _sub(self, argument: str | list[Any]) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], self.resolve(argument[1]))

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return self.get_att(logical_id, attribute)
            return self.ref(name)

        return _SUB_VARIABLE.sub(substitute, text)
