"""Peak memory of each function in its own fresh process: import plus one real invocation, on moto over loopback.

A story runs one function per process (provision, register, join, resend, accept, cleanup, an SES report, the OpenAPI
document, both pages), each against a moto server in this process, and reports the child's peak resident set size.
After each, the events table's stream is drained as Lambda's event source mappings would: the outbox mails and the
publisher puts on the bus, each batch in a process of its own too (a function's figure is its highest).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.emulator import Emulator
from local.inbox import latest_token
from tools.events import api_event, load_event
from tools.functions import functions
from tools.instances import Handler, lambda_environment, run
from tools.streams import StreamPump
from tools.template import REGION, Stack

EMAIL = "memory@example.com"


@dataclass(frozen=True)
class Peak:
    name: str
    answer: str
    peak_mb: float
    memory_size_mb: int


def measure(build: Path) -> list[Peak]:
    aws = Emulator(Stack(), port=0)  # moto as `make run` serves it, on a free port
    aws.start()
    endpoint = aws.endpoint
    try:
        peaks: dict[str, Peak] = {}
        stream = StreamPump(aws.client("dynamodb"), aws.client("dynamodbstreams"), aws.stack.physical_name)

        def run_once(logical_id: str, event: dict[str, Any]) -> dict[str, Any]:
            environment = lambda_environment(logical_id, aws_endpoint=endpoint, INVITE_COOLDOWN_SECONDS="0")
            handler = Handler(logical_id, build / logical_id, build / "SharedLayer" / "python", environment, event)
            figures = run(handler, "invoke")
            peak = Peak(logical_id, figures["end"], figures["peak_rss_kb"] / 1024, functions()[logical_id].memory_mb)
            if logical_id not in peaks or peak.peak_mb > peaks[logical_id].peak_mb:
                peaks[logical_id] = peak
            return figures

        def invoke(logical_id: str, event: dict[str, Any]) -> dict[str, Any]:
            figures = run_once(logical_id, event)
            stream.drain(run_once)  # what the change wrote: its email sent, its events on the bus
            return figures

        provision = {"company_name": "Memory Ltd", "administrator_email": EMAIL, "created_via": "sales"}
        invoke("InternalFunction", api_event("POST", "/v1/internal/accounts", body=provision))
        account_id = _account_id(aws)
        invoke("RegisterFunction", load_event("register"))
        parameters = {"account_id": account_id}
        invoke(
            "JoinFunction",
            api_event("POST", "/v1/accounts/{account_id}/join", body={"email": EMAIL}, path_parameters=parameters),
        )
        invoke("ResendFunction", api_event("POST", "/v1/invitations/resend", body={"email": EMAIL}))
        invoke(
            "InvitationTokenFunction",
            api_event("POST", "/v1/invitations/accept", body={"token": latest_token(REGION, EMAIL)}),
        )
        invoke("CleanupFunction", load_event("cleanup_schedule"))
        invoke("DeliveryEventsFunction", load_event("ses_delivery"))  # its one query and the updates it decides on
        invoke("OpenApiFunction", load_event("openapi"))
        invoke("AcceptPageFunction", load_event("accept_page"))
        invoke("RegisterPageFunction", load_event("register_page"))
        return list(peaks.values())
    finally:
        aws.stop()


def _account_id(aws: Emulator) -> str:
    (item,) = aws.client("dynamodb").scan(TableName=aws.stack.physical_name("InvitationsTable"))["Items"]
    return str(item["account_id"]["S"])
