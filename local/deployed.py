"""The template as the local stack deploys it: its parameters here, and what an env-vars file says to no function."""

from __future__ import annotations

from tools.functions import functions
from tools.template import Stack


def local_stack(api_port: int) -> Stack:
    """The template as the local stack deploys it: email links point at the local accept page."""
    return Stack(parameter_overrides={"AcceptPageUrl": f"http://127.0.0.1:{api_port}/invitations/accept"})


def ignored_overrides(overrides: dict[str, dict[str, str]]) -> list[str]:
    """What in an env-vars file reaches no function, so that a typo does not pass in silence."""
    declared = {logical_id: set(function.variables) for logical_id, function in functions().items()}
    notes = []
    for scope, variables in overrides.items():
        if scope != "Parameters" and scope not in declared:
            notes.append(f"{scope}: no such function")
            continue
        known = set().union(*declared.values()) if scope == "Parameters" else declared[scope]
        notes += [f"{scope}.{name}: not declared in the template, ignored" for name in variables if name not in known]
    return notes
