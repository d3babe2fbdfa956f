"""The stack's EventBridge bus: every event of the stream published in order, `source` business-accounts and
`detail-type` its type, `detail` its envelope (docs/events/)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from business_accounts.adapters.stream import StreamedEvent
from business_accounts.models.events import SOURCE

if TYPE_CHECKING:
    from mypy_boto3_events.client import EventBridgeClient

_ENTRIES_PER_CALL = 10  # PutEvents takes at most ten entries


class Bus:
    """Publishes in the stream's order and stops at the first event the bus did not take, so that the stream
    delivers that one and those after it again, in order (at least once; consumers deduplicate by `event_id`)."""

    def __init__(self, client: Callable[[], EventBridgeClient], *, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name

    def publish(self, events: Sequence[StreamedEvent]) -> int:
        """Publish `events`; how many of them, in order, were taken before the first the bus refused (all of them:
        `len(events)`). A call carries at most one event of each account, so no event the bus refuses has a later
        event of its account published before it."""
        taken = 0
        for chunk in _chunks(events):
            answer = self._client().put_events(Entries=[self._entry(streamed) for streamed in chunk])
            if answer.get("FailedEntryCount", 0):
                return taken + next(index for index, entry in enumerate(answer["Entries"]) if entry.get("ErrorCode"))
            taken += len(chunk)
        return taken

    def _entry(self, streamed: StreamedEvent) -> Any:
        event = streamed.event
        return {
            "Source": SOURCE,
            "DetailType": event.type.value,
            "Detail": json.dumps(event.model_dump(mode="json"), separators=(",", ":")),
            "EventBusName": self._bus,
            "Time": event.occurred_at,
            "Resources": [],
        }


def _chunks(events: Sequence[StreamedEvent]) -> list[list[StreamedEvent]]:
    """Consecutive runs of at most ten events, each of a different account."""
    chunks: list[list[StreamedEvent]] = []
    accounts: set[str] = set()
    for streamed in events:
        if not chunks or len(chunks[-1]) == _ENTRIES_PER_CALL or streamed.event.account_id in accounts:
            chunks.append([])
            accounts = set()
        chunks[-1].append(streamed)
        accounts.add(streamed.event.account_id)
    return chunks
