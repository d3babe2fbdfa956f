"""The sample events, API Gateway events and Lambda context the tests use; they live in tools.events."""

from tools.events import EVENTS, LambdaContext, api_event, load_event

__all__ = ["EVENTS", "LambdaContext", "api_event", "load_event"]
