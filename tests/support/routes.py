"""Every API route with a call that succeeds, one it refuses, the DynamoDB call it makes first, whether it mails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from tests.support.api import Answer, Api
from tests.support.fakes import FakeClock
from tests.support.story import JANE, latest_token, provision

NEWCOMER = "newcomer@example.com"
REGISTRANT = "registrant@example.com"
COLLEAGUE = "colleague@example.com"
STRANGER = "stranger@example.com"
UNKNOWN_ACCOUNT = "acc_" + "0" * 26
UNKNOWN_INVITATION = "inv_" + "0" * 26
UNKNOWN_TOKEN = "u" * 43


@dataclass(frozen=True)
class Standing:
    """ACME Ltd, provisioned by sales for JANE, a minute ago: her pending invitation and its link."""

    account_id: str
    invitation_id: str
    token: str


def standing_a_minute_after_provisioning(api: Api, clock: FakeClock) -> Standing:
    """ACME Ltd provisioned for JANE, then the clock moved past the cooldown, so every sending route may send."""
    provisioned = provision(api)
    clock.advance(seconds=61)
    return Standing(provisioned["account_id"], provisioned["invitation"]["invitation_id"], latest_token())


def as_it_stands(_: Api, standing: Standing) -> Standing:
    """A route that needs nothing beyond the standing."""
    return standing


@dataclass(frozen=True)
class Route:
    """One route of the API, as the tests that go through every route need it."""

    success: int
    first_dynamodb_call: str
    sends_email: bool
    succeed: Callable[[Api, Standing], Answer]
    fail: Callable[[Api, Standing], Answer]  # answers a 4xx
    # What the route needs beyond the standing, made before a test breaks anything: the standing it acts on.
    given: Callable[[Api, Standing], Standing] = as_it_stands


def _registered(api: Api, standing: Standing) -> Standing:
    """The standing, acting on REGISTRANT's registration (waiting on its confirmation) instead of ACME's account."""
    answer = api.post("/v1/accounts", {"email": REGISTRANT, "company_name": "Registrant Ltd"})
    assert answer.status == 201, answer.body
    return replace(standing, account_id=answer.body["account_id"])


def _token_route(path: str, success: int, *, sends_email: bool) -> Route:
    """A route that acts on an invitation link: it succeeds with JANE's token, refuses one never issued."""
    return Route(
        success,
        "get_item",
        sends_email,
        lambda api, s: api.post(path, {"token": s.token}),
        lambda api, _: api.post(path, {"token": UNKNOWN_TOKEN}),
    )


def _account_read(path: str, *, given: Callable[[Api, Standing], Standing] = as_it_stands) -> Route:
    """A GET of something of an account (`path` with `{}` for its id): it answers for the standing's account (or
    the one `given` makes), and 404 for an account that does not exist."""
    return Route(
        200,
        "query",
        False,
        lambda api, s: api.get(path.format(s.account_id)),
        lambda api, _: api.get(path.format(UNKNOWN_ACCOUNT)),
        given,
    )


ROUTES: dict[str, Route] = {
    "POST /v1/accounts": Route(
        201,
        "query",
        True,  # the confirmation email
        lambda api, _: api.post("/v1/accounts", {"email": NEWCOMER, "company_name": "Newco"}),
        lambda api, _: api.post("/v1/accounts", {"email": "not-an-email", "company_name": "Newco"}),
    ),
    "GET /v1/accounts/{id}/registration": _account_read("/v1/accounts/{}/registration", given=_registered),
    "POST /v1/accounts/{id}/join": Route(
        202,
        "query",
        True,
        lambda api, s: api.post(f"/v1/accounts/{s.account_id}/join", {"email": JANE}),
        lambda api, s: api.post(f"/v1/accounts/{s.account_id}/join", {"email": STRANGER}),
    ),
    "POST /v1/invitations/resend": Route(
        202,
        "query",
        True,
        lambda api, _: api.post("/v1/invitations/resend", {"email": JANE}),
        lambda api, _: api.post("/v1/invitations/resend", {"email": "not-an-email"}),
    ),
    "POST /v1/invitations/preview": _token_route("/v1/invitations/preview", 200, sends_email=False),
    "POST /v1/invitations/accept": _token_route("/v1/invitations/accept", 200, sends_email=False),
    "POST /v1/invitations/renew": _token_route("/v1/invitations/renew", 202, sends_email=True),
    "POST /v1/internal/accounts": Route(
        201,
        "query",
        True,
        lambda api, _: api.post(
            "/v1/internal/accounts",
            {"company_name": "Newco", "administrator_email": NEWCOMER, "created_via": "reseller"},
        ),
        lambda api, _: api.post(
            "/v1/internal/accounts",
            {"company_name": "Newco", "administrator_email": JANE, "created_via": "reseller"},
        ),
    ),
    "GET /v1/internal/accounts/{id}": _account_read("/v1/internal/accounts/{}"),
    "POST /v1/internal/accounts/{id}/invitations": Route(
        201,
        "get_item",
        True,
        lambda api, s: api.post(f"/v1/internal/accounts/{s.account_id}/invitations", {"email": COLLEAGUE}),
        lambda api, _: api.post(f"/v1/internal/accounts/{UNKNOWN_ACCOUNT}/invitations", {"email": COLLEAGUE}),
    ),
    "GET /v1/internal/accounts/{id}/invitations": _account_read("/v1/internal/accounts/{}/invitations"),
    "GET /v1/internal/accounts/{id}/events": _account_read("/v1/internal/accounts/{}/events"),
    "DELETE /v1/internal/accounts/{id}/invitations/{id}": Route(
        204,
        "query",
        False,
        lambda api, s: api.delete(f"/v1/internal/accounts/{s.account_id}/invitations/{s.invitation_id}"),
        lambda api, s: api.delete(f"/v1/internal/accounts/{s.account_id}/invitations/{UNKNOWN_INVITATION}"),
    ),
}
ROUTES_WITH_A_SUCCESS_BODY = [name for name, route in ROUTES.items() if route.success != 204]
SENDING_ROUTES = [name for name, route in ROUTES.items() if route.sends_email]
