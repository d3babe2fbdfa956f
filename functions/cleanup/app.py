"""The hourly schedule's target: pending invitations whose expiry has passed become expired; a backlog bigger than
one run is handed on to runs of its own, one per part of the pending invitations, until it is gone."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from business_accounts.adapters import snapshot
from business_accounts.adapters.handover import Handover
from business_accounts.adapters.wiring import lambda_client, services
from business_accounts.logic import cleanup
from business_accounts.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int | bool]:
    asked = cleanup.Continuation.model_validate(event)  # the schedule's own event: every part, round 0
    run = cleanup.expire_overdue(
        services(), seconds_left=lambda: context.get_remaining_time_in_millis() / 1000, parts=asked.parts
    )
    hand = Handover(lambda_client, function=context.invoked_function_arn)
    for continuation in cleanup.hand_over(services(), run, asked):
        hand(continuation)
    return {"expired": run.expired, "remaining": run.remaining}


# SnapStart: what a first request would build is built before the snapshot (adapters/snapshot.py).
snapshot.prepare()
