"""The stack's EventBridge bus: every event of the stream published in order, `source` business-accounts and
`detail-type` its type, `detail` its envelope (docs/events/)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from business_accounts.adapters.stream import StreamedEvent
from business_accounts.models.events import SOURCE
from business_accounts.observability import logger

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
        """Publish `events`; the position of the first one the bus did not take (all taken: `len(events)`).

        Calls are packed (`_calls`) so that an account's events go in its order, one call after another; every
        event before the returned position was taken, so the stream's retry from there loses nothing (events after
        it that were taken already are published again: at least once)."""
        taken: set[int] = set()
        for call in _calls(events):
            try:
                answer = self._client().put_events(Entries=[self._entry(events[position]) for position in call])
            except (ClientError, BotoCoreError) as error:  # out of reach, throttled as a whole: none of it taken
                logger.warning("the bus took none of a call", extra={"error": str(error), "entries": len(call)})
                break
            entries = answer.get("Entries", [])
            refused = {call[index] for index, entry in enumerate(entries) if entry.get("ErrorCode")}
            taken.update(position for position in call if position not in refused)
            if refused or answer.get("FailedEntryCount", 0):
                break  # no later event of a refused one's account may go before it
        return next((position for position in range(len(events)) if position not in taken), len(events))

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


def _calls(events: Sequence[StreamedEvent]) -> list[list[int]]:
    """The events' positions packed into calls of at most ten: each event goes into the first call after its
    account's previous event, so that each call holds at most one event of an account and an account's events go
    in order; a batch of many accounts with two or three events each then takes three calls, not one per account."""
    calls: list[list[int]] = []
    after: dict[str, int] = {}  # account -> the call of its latest event
    for position, streamed in enumerate(events):
        account = streamed.event.account_id
        index = after.get(account, -1) + 1
        while index < len(calls) and len(calls[index]) == _ENTRIES_PER_CALL:
            index += 1
        if index == len(calls):
            calls.append([])
        calls[index].append(position)
        after[account] = index
    return calls
