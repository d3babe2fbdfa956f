"""Just enough CloudFormation to run the template locally: parameters, conditions and intrinsic functions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ACCOUNT_ID = "123456789012"  # the local stack's account and region, named once
REGION = "eu-west-1"
STACK_NAME = "business-accounts-local"
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass
class Stack:
    """The template's values as the local stack deploys them: parameters, physical names and the region."""

    template: dict[str, Any]
    region: str
    parameter_overrides: dict[str, str] = field(default_factory=dict)

    @property
    def parameters(self) -> dict[str, str]:
        declared = self.template.get("Parameters", {})
        values = {name: str(spec.get("Default", "")) for name, spec in declared.items()}
        return values | {name: value for name, value in self.parameter_overrides.items() if name in declared}

    def logical_ids(self, resource_type: str) -> list[str]:
        """The template's resources of one type, in template order."""
        return [name for name, resource in self.template["Resources"].items() if resource["Type"] == resource_type]

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
