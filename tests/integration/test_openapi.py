"""One OpenAPI document for the whole API: generated from the routes, served, in step with template.yaml, and kept
by every route: a body is JSON and says so, in success and in refusal; a 204 has none."""

from __future__ import annotations

import json

import pytest

from tests.support.answers import assert_declares_json
from tests.support.api import Api, routes
from tests.support.routes import ROUTES, ROUTES_WITH_A_SUCCESS_BODY, Standing
from tools import openapi
from tools.functions import ROOT

COMMITTED = ROOT / "functions" / "openapi" / "openapi.json"


def test_openapi_document_committed_matches_the_routes() -> None:
    assert json.loads(COMMITTED.read_text()) == json.loads(openapi.document()), "run `make openapi`"


def test_openapi_document_describes_exactly_the_template_routes() -> None:
    document = json.loads(COMMITTED.read_text())

    described = {(method.upper(), path) for path, operations in document["paths"].items() for method in operations}
    # The API is everything under /v1/; the accept page beside it is a browser client of the API, not part of it.
    declared = {(route.method, route.resource) for route in routes() if route.resource.startswith("/v1/")}

    assert described == declared


def test_openapi_route_serves_the_document(api: Api) -> None:
    answer = api.get("/v1/openapi.json")

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.body["openapi"].startswith("3.")
    assert "/v1/accounts" in answer.body["paths"]


def test_openapi_every_error_answer_documents_its_codes_each_with_code_and_message() -> None:
    document = json.loads(COMMITTED.read_text())
    components = document["components"]["schemas"]

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    continue
                schema = components[response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
                variants = [components[item["$ref"].rsplit("/", 1)[1]] for item in schema.get("oneOf", [])] or [schema]
                codes = [variant["properties"]["code"]["const"] for variant in variants]
                assert response["description"] == ", ".join(codes), (method, path, status)
                for variant in variants:
                    assert {"code", "message"} <= set(variant["required"]), (method, path, status)


@pytest.mark.parametrize("route", ROUTES_WITH_A_SUCCESS_BODY)
def test_openapi_success_of_any_route_answers_a_body_declared_as_application_json(
    api: Api, standing: Standing, route: str
) -> None:
    # Given an account with a pending invitation (and what else the route needs)
    standing = ROUTES[route].given(api, standing)
    # When the route succeeds
    answer = ROUTES[route].succeed(api, standing)

    # Then its 2xx says that its body is JSON
    assert answer.status == ROUTES[route].success, answer.body
    assert_declares_json(answer)


def test_openapi_revoke_success_answers_204_with_no_body(api: Api, standing: Standing) -> None:
    # Given an account with a pending invitation
    # When the invitation is revoked
    answer = ROUTES["DELETE /v1/internal/accounts/{id}/invitations/{id}"].succeed(api, standing)

    # Then the answer is a 204 with no body at all
    assert answer.status == 204
    assert answer.body is None


@pytest.mark.parametrize("route", ROUTES)
def test_openapi_client_error_of_any_route_answers_a_json_error_declared_as_application_json(
    api: Api, standing: Standing, route: str
) -> None:
    # Given an account with a pending invitation
    # When the route is asked for something it must refuse
    answer = ROUTES[route].fail(api, standing)

    # Then its 4xx is a JSON error body, and says so
    assert 400 <= answer.status < 500, answer.body
    assert_declares_json(answer)
    assert isinstance(answer.code, str), answer.body
    assert isinstance(answer.body["message"], str)
