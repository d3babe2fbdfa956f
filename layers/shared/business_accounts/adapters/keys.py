"""Where each item lives: the keys of the accounts table's items, and the sparse index key of pending invitations."""

from __future__ import annotations

# Sparse index key of pending invitations: present while pending, removed by every other status.
PENDING_SHARD = "PENDING"


def account_key(account_id: str) -> dict[str, str]:
    return {"pk": f"ACCOUNT#{account_id}", "sk": "ACCOUNT"}


def administrator_key(account_id: str, email: str) -> dict[str, str]:
    return {"pk": f"ACCOUNT#{account_id}", "sk": f"ADMIN#{email}"}


def ownership_key(email: str) -> dict[str, str]:
    return {"pk": f"EMAIL#{email}", "sk": "OWNER"}


def mail_log_key(email: str) -> dict[str, str]:
    return {"pk": f"EMAIL#{email}", "sk": "MAIL_LOG"}


def external_reference_key(reference: str) -> dict[str, str]:
    return {"pk": f"EXTREF#{reference}", "sk": "EXTREF"}


def suppression_key(email: str) -> dict[str, str]:
    """In the email's partition, so the one query that reads its ownership and mail log finds it too."""
    return {"pk": f"EMAIL#{email}", "sk": "SUPPRESSION"}
