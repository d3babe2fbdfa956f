"""The API called as API Gateway would call it (tools.api), every answer held to the OpenAPI document."""

from tests.support.openapi import check_answer
from tools.api import Answer, Route, _answer, routes
from tools.api import Api as _Api

__all__ = ["Answer", "Api", "Route", "_answer", "routes"]


class Api(_Api):
    def __init__(self) -> None:
        super().__init__(check=check_answer)
