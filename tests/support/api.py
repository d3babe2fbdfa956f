"""The API called as API Gateway would call it; it lives in tools.api, shared with the benchmarks."""

from tools.api import Answer, Api, Route, _answer, routes

__all__ = ["Answer", "Api", "Route", "_answer", "routes"]
