"""Where each item lives: the keys of the accounts and events tables' items, and the pending index's shards."""

from __future__ import annotations

from business_accounts.models.types import Budget

# Sparse index key of pending invitations: present while pending, removed by every other status. Spread over
# SHARDS values by the token hash, so issuing invitations writes to as many index partitions (docs/deploy.md).
SHARDS = 16
LEGACY_SHARD = "PENDING"  # the one shard of invitations stored before there were several: still read


def pending_shard(token_hash: str) -> str:
    """The shard of a pending invitation: its token hash (hex, uniform) decides, so shards fill alike."""
    return f"PENDING#{int(token_hash[:8], 16) % SHARDS}"


def every_pending_shard() -> list[str]:
    return [f"PENDING#{shard}" for shard in range(SHARDS)] + [LEGACY_SHARD]


def account_key(account_id: str) -> dict[str, str]:
    return {"pk": f"ACCOUNT#{account_id}", "sk": "ACCOUNT"}


def administrator_key(account_id: str, email: str) -> dict[str, str]:
    return {"pk": f"ACCOUNT#{account_id}", "sk": f"ADMIN#{email}"}


def ownership_key(email: str) -> dict[str, str]:
    return {"pk": f"EMAIL#{email}", "sk": "OWNER"}


def mail_log_key(email: str, budget: Budget) -> dict[str, str]:
    """One log per budget, each in the email's partition: the one query that reads its ownership finds them all."""
    return {"pk": f"EMAIL#{email}", "sk": f"MAIL_LOG#{budget.value}"}


def external_reference_key(reference: str) -> dict[str, str]:
    return {"pk": f"EXTREF#{reference}", "sk": "EXTREF"}


def suppression_key(email: str) -> dict[str, str]:
    """In the email's partition, so the one query that reads its ownership and mail logs finds it too."""
    return {"pk": f"EMAIL#{email}", "sk": "SUPPRESSION"}


# --- Events table: account_id / sequence ---

HEAD = 0  # the sequence of each account's head item, which holds the last sequence given out


def event_key(account_id: str, sequence: int) -> dict[str, str | int]:
    return {"account_id": account_id, "sequence": sequence}
