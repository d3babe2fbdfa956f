"""Writes docs/events/<type>.json, the JSON Schema of each event type's envelope and data (`make openapi`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from business_accounts.models.event_data import data_schema
from business_accounts.models.events import SOURCE, Actor, Event, EventType

FOLDER = Path(__file__).resolve().parents[1] / "docs" / "events"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema(event_type: EventType) -> dict[str, Any]:
    """One type's event, as the timeline answers it and the bus carries it in `detail`."""
    envelope = Event.model_json_schema()
    envelope.pop("$defs", None)
    properties = envelope["properties"]
    properties["type"] = {"const": event_type.value}
    properties["actor"] = {"description": "Who caused it", "type": "string", "enum": [actor.value for actor in Actor]}
    properties["account_id"] |= {"pattern": "^acc_[0-9A-HJKMNP-TV-Z]{26}$"}
    properties["event_id"] |= {"pattern": "^evt_[0-9A-HJKMNP-TV-Z]{26}$"}
    properties["data"] = data_schema(event_type)
    return {
        "$schema": DIALECT,
        "$id": f"{event_type.value}.json",
        "title": event_type.value,
        "description": f"The `{event_type.value}` event: `detail` of the bus's events (`source` {SOURCE}, "
        f"`detail-type` {event_type.value}), and an item of the account's timeline.",
        **{key: value for key, value in envelope.items() if key not in ("title", "description")},
        "additionalProperties": False,
    }


def documents() -> dict[str, str]:
    """Every file of docs/events/ the types make: its name and its text."""
    return {f"{t.value}.json": json.dumps(schema(t), indent=2, ensure_ascii=False) + "\n" for t in EventType}


def write(folder: Path = FOLDER) -> None:
    folder.mkdir(exist_ok=True)
    for name, text in documents().items():
        (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER)
