"""The outbox's sender: each `invitation.sent` event on the events table's stream becomes its invitation email."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from business_accounts.adapters.stream import streamed_events
from business_accounts.adapters.wiring import services
from business_accounts.logic import outbox
from business_accounts.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Each email apart: one that fails is reported (ReportBatchItemFailures) and the stream delivers it again;
    the others are done. A failure is unknown or passing (SES slow, busy or out of reach): refusals are recorded."""
    failures, done = [], {}
    for streamed in streamed_events(event):
        try:
            done[streamed.event.event_id] = outbox.send(services(), streamed.event).value
        except Exception:
            logger.exception("outbox: will try again", extra={"event_id": streamed.event.event_id})
            failures.append({"itemIdentifier": streamed.sequence_number})
    return {"batchItemFailures": failures, "sent": done}
