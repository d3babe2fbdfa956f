"""One OpenAPI document for the whole API: generated from the routes, served, and in step with template.yaml."""

from __future__ import annotations

import json

from tests.support.api import Api, routes
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
