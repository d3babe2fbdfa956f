"""The events table's stream to the stack's EventBridge bus: every event, at least once, in each account's order."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from business_accounts.adapters.bus import Bus
from business_accounts.adapters.environment import load_settings
from business_accounts.adapters.stream import streamed_events
from business_accounts.adapters.wiring import events_client
from business_accounts.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Published in the shard's order; at the first event the bus refuses, that record is reported as failed, so
    the stream delivers it and every later one again (ReportBatchItemFailures retries from the first reported)."""
    events = streamed_events(event)
    bus_name = load_settings().event_bus_name
    assert bus_name, "EVENT_BUS_NAME is not set"
    taken = Bus(events_client, bus_name=bus_name).publish(events)
    if taken < len(events):
        refused = events[taken]
        logger.warning("bus refused an event; the stream delivers it again", extra={"event_id": refused.event.event_id})
        return {"batchItemFailures": [{"itemIdentifier": refused.sequence_number}], "published": taken}
    return {"batchItemFailures": [], "published": taken}
