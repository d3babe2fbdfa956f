"""`Idempotency-Key` for POST routes: a retry with the same key and body returns the first answer, on Powertools."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from business_accounts.adapters.wiring import dynamodb_client
from business_accounts.models.errors import IdempotencyKeyReused, RequestInProgress, ServiceUnavailable


@cache
def _persistence(table_name: str) -> DynamoDBPersistenceLayer:
    """On the service's own DynamoDB client: a second client would cost a keyed registration's cold start again."""
    return DynamoDBPersistenceLayer(table_name=table_name, boto3_client=dynamodb_client())


def idempotently[Answer: BaseModel](
    operation: Callable[[], Answer],
    *,
    name: str,
    key: str | None,
    request: BaseModel,
    answer_type: type[Answer],
    table_name: str,
    expires_after_seconds: int,
    lambda_context: LambdaContext | None = None,
) -> Answer:
    """Run `operation` once per (name, key); the request body must match the first one under that key."""
    if key is None:
        return operation()
    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="request",
        expires_after_seconds=expires_after_seconds,
    )
    if lambda_context is not None:  # lets a request that dies mid-way free its key when the function times out
        config.register_lambda_context(lambda_context)

    @idempotent_function(  # type: ignore[untyped-decorator]
        data_keyword_argument="call",
        persistence_store=_persistence(table_name),
        config=config,
        output_serializer=PydanticSerializer(answer_type),
        key_prefix=name,
    )
    def run(call: dict[str, Any]) -> Answer:
        return operation()

    try:
        answer: Answer = run(call={"key": key, "request": request.model_dump(mode="json")})
    except IdempotencyValidationError as error:
        raise IdempotencyKeyReused() from error
    except IdempotencyAlreadyInProgressError as error:
        raise RequestInProgress(retry_after=1) from error
    except IdempotencyPersistenceLayerError as error:
        raise ServiceUnavailable(retry_after=1) from error
    return answer
