"""Typed settings of the service, read once from the function environment."""

from collections.abc import Mapping
from typing import Annotated, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _blank_to_none(value: object) -> object:
    return None if value == "" else value


class Settings(BaseModel):
    """Everything a function needs to know about its deployment; field names are the lower-cased variables."""

    model_config = ConfigDict(frozen=True)

    accounts_table: Annotated[str, Field(min_length=1)]
    invitations_table: Annotated[str, Field(min_length=1)]
    idempotency_table: Annotated[str, Field(min_length=1)]
    events_table: Annotated[str, Field(min_length=1)]
    # The KMS HMAC key invitation tokens are minted with (logic/tokens.py): its id or ARN.
    token_key_id: Annotated[str, Field(min_length=1)]
    event_bus_name: Annotated[str | None, BeforeValidator(_blank_to_none)] = None  # where the stream's events go
    sender_email: Annotated[str, Field(min_length=3)]
    ses_configuration_set: Annotated[str | None, BeforeValidator(_blank_to_none)] = None
    accept_page_url: Annotated[str, Field(pattern=r"^https?://")]
    portal_origin: Annotated[str | None, BeforeValidator(_blank_to_none)] = None
    invitation_ttl_seconds: Annotated[int, Field(ge=1)] = 604_800  # the template asks >= 60; tests go lower
    invitation_retention_seconds: Annotated[int, Field(ge=0)] = 2_592_000
    invite_cooldown_seconds: Annotated[int, Field(ge=0)] = 60
    invite_daily_limit: Annotated[int, Field(ge=1)] = 10
    idempotency_ttl_seconds: Annotated[int, Field(ge=60)] = 3_600

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Self:
        names = cls.model_fields.keys()
        return cls.model_validate({name: environ[name.upper()] for name in names if name.upper() in environ})
