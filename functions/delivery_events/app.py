"""The EventBridge rule's target: what SES reports about an invitation email, recorded on its invitation."""

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from business_accounts.adapters import snapshot
from business_accounts.adapters.wiring import services
from business_accounts.logic import feedback
from business_accounts.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return asdict(feedback.record(services(), event))


# SnapStart: what a first request would build is built before the snapshot (adapters/snapshot.py).
snapshot.prepare()
