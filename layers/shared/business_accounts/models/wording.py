"""Why an account exists, in words: the invitation email and both pages say it alike, in the reader's language."""

from __future__ import annotations

from business_accounts.models.languages import N_
from business_accounts.models.types import CreatedVia

# One sentence each, so that every language can say it in its own word order (translated where it is said).
WHY_THE_ACCOUNT_EXISTS = {
    CreatedVia.SELF_SERVICE: N_("This account was registered by someone at your company."),
    CreatedVia.SALES: N_(
        "This account was created for your company when a subscription or licence was bought through our sales team."
    ),
    CreatedVia.RESELLER: N_(
        "This account was created for your company when a subscription or licence was bought through a reseller."
    ),
    CreatedVia.UPGRADE_INSURANCE: N_(
        "This account was created automatically because your company holds a permanent licence with an "
        "Upgrade Insurance plan."
    ),
    CreatedVia.OTHER_PRODUCT: N_(
        "This account was created by someone at your company for another of our business products."
    ),
}
