"""The function environment every test runs in (as template.yaml sets it), and the names of its AWS resources."""

from __future__ import annotations

REGION = "eu-west-1"
SENDER = "no-reply@example.com"  # the template's SenderEmail default
# Tables are named after their logical IDs, as in the local stack.
TABLE_NAMES = {
    "AccountsTable": "AccountsTable",
    "InvitationsTable": "InvitationsTable",
    "IdempotencyTable": "IdempotencyTable",
    "EventsTable": "EventsTable",
}
# KMS keys are found by an alias named after their logical IDs, as in the local stack.
TOKEN_KEY = "alias/InvitationTokenKey"
EVENT_BUS = "business-accounts-local-events"
ACCEPT_PAGE_URL = "https://account.example.com/invitations/accept"
ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "ACCOUNTS_TABLE": TABLE_NAMES["AccountsTable"],
    "INVITATIONS_TABLE": TABLE_NAMES["InvitationsTable"],
    "IDEMPOTENCY_TABLE": TABLE_NAMES["IdempotencyTable"],
    "EVENTS_TABLE": TABLE_NAMES["EventsTable"],
    "TOKEN_KEY_ID": TOKEN_KEY,
    "EVENT_BUS_NAME": EVENT_BUS,
    "SENDER_EMAIL": SENDER,
    "SES_CONFIGURATION_SET": "",
    "ACCEPT_PAGE_URL": ACCEPT_PAGE_URL,
    "PORTAL_ORIGIN": "https://account.example.com",
    "INVITATION_TTL_SECONDS": "604800",
    "INVITE_COOLDOWN_SECONDS": "60",
    "INVITE_DAILY_LIMIT": "10",
    "POWERTOOLS_SERVICE_NAME": "business-accounts",
    "POWERTOOLS_METRICS_NAMESPACE": "BusinessAccounts",
    "POWERTOOLS_TRACE_DISABLED": "true",
}
