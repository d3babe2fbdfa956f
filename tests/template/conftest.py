"""The template as CloudFormation will see it: transformed by the SAM translator, offline."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from tools.functions import template


class _NoManagedPolicyLookups:
    """The translator asks IAM for AWS managed policy names only when a template uses them by name; ours does not."""

    def load(self) -> dict[str, str]:
        return {}


def translate(parameters: dict[str, str] | None = None, uploaded: dict[str, str] | None = None) -> dict[str, Any]:
    """The template with `parameters`, as CloudFormation gets it once `sam deploy` has uploaded each artefact (to
    s3://artifacts/ its folder, or where `uploaded` says for a logical id)."""
    source = copy.deepcopy(template())
    for logical_id, resource in source["Resources"].items():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):  # what `sam deploy` puts there after uploading
            if isinstance(properties.get(key), str):
                properties[key] = (uploaded or {}).get(logical_id, f"s3://artifacts/{properties[key].strip('/')}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        result: dict[str, Any] = transform(source, parameters or {}, _NoManagedPolicyLookups())
    return result


@pytest.fixture(scope="session")
def transformed() -> dict[str, Any]:
    return translate()
