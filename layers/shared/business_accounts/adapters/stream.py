"""The events table's stream as Lambda delivers it: each record's event envelope, read back from its new image."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from business_accounts.models.events import Event

_DESERIALIZER = TypeDeserializer()


@dataclass(frozen=True)
class StreamedEvent:
    """One stream record: where it stands in its shard (what a partial batch failure names), and its event."""

    sequence_number: str
    event: Event


def streamed_events(stream_event: Mapping[str, Any]) -> list[StreamedEvent]:
    """The events of a DynamoDB stream batch, in the shard's order; records without an event (an account's head,
    a removal by TTL) are left out, as the event source mapping's filter leaves them out when deployed."""
    found = []
    for record in stream_event.get("Records", []):
        image = record.get("dynamodb", {}).get("NewImage")
        if record.get("eventName") != "INSERT" or not image or "type" not in image:
            continue
        item = {name: _DESERIALIZER.deserialize(value) for name, value in image.items()}
        found.append(StreamedEvent(record["dynamodb"]["SequenceNumber"], Event.model_validate(item)))
    return found
