"""The API called as API Gateway would call it (tools.api), every answer held to the OpenAPI document."""

from tests.support.openapi import check_answer
from tools.api import Answer, Route, answer_of, routed, routes
from tools.api import Api as _Api

__all__ = ["Answer", "Api", "Route", "answer_of", "routed", "routes"]


class Api(_Api):
    """The in-process API of the tests: an answer that the OpenAPI document does not describe fails the test."""

    def __init__(self) -> None:
        super().__init__(check=check_answer)
