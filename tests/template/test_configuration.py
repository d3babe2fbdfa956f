"""SPEC's configuration: every variable declared for the functions in template.yaml, fed by parameters."""

from __future__ import annotations

from tools.functions import functions, template

SPEC_VARIABLES = {
    "ACCOUNTS_TABLE",
    "INVITATIONS_TABLE",
    "IDEMPOTENCY_TABLE",
    "SENDER_EMAIL",
    "SES_CONFIGURATION_SET",
    "ACCEPT_PAGE_URL",
    "INVITATION_TTL_SECONDS",
    "INVITE_COOLDOWN_SECONDS",
    "INVITE_DAILY_LIMIT",
}
TUNABLES = {  # variable -> (parameter, SPEC default)
    "INVITATION_TTL_SECONDS": ("InvitationTtlSeconds", 604_800),
    "INVITATION_RETENTION_SECONDS": ("InvitationRetentionSeconds", 30 * 86_400),
    "INVITE_COOLDOWN_SECONDS": ("InviteCooldownSeconds", 60),
    "INVITE_DAILY_LIMIT": ("InviteDailyLimit", 10),
}


def _variables(logical_id: str) -> dict[str, object]:
    globals_ = template()["Globals"]["Function"].get("Environment", {}).get("Variables", {})
    own = functions()[logical_id].properties.get("Environment", {}).get("Variables", {})
    return {**globals_, **own}


def test_every_function_gets_the_spec_variables_and_powertools_names() -> None:
    for logical_id in functions():
        declared = set(_variables(logical_id))

        assert declared >= SPEC_VARIABLES | {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"}, logical_id


def test_tunables_come_from_parameters_whose_defaults_are_the_spec_defaults() -> None:
    parameters = template()["Parameters"]
    variables = _variables("JoinFunction")

    for variable, (parameter, default) in TUNABLES.items():
        assert variables[variable] == {"Ref": parameter}
        assert int(parameters[parameter]["Default"]) == default


def test_tables_and_sender_are_wired_to_the_template_resources() -> None:
    variables = _variables("JoinFunction")

    assert variables["ACCOUNTS_TABLE"] == {"Ref": "AccountsTable"}
    assert variables["INVITATIONS_TABLE"] == {"Ref": "InvitationsTable"}
    assert variables["IDEMPOTENCY_TABLE"] == {"Ref": "IdempotencyTable"}
    assert variables["SENDER_EMAIL"] == {"Ref": "SenderEmail"}
    # The parameter, when it names a set, wins over the set the stack creates (which then does not exist).
    assert variables["SES_CONFIGURATION_SET"] == {
        "Fn::If": ["HasConfigurationSet", {"Ref": "SesConfigurationSet"}, {"Ref": "InvitationConfigurationSet"}]
    }
    assert variables["ACCEPT_PAGE_URL"] == {"Ref": "AcceptPageUrl"}
