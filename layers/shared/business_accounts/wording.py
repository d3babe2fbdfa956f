"""Words the service shows people, shared by the invitation email and the accept page (which imports no AWS SDK)."""

from __future__ import annotations

from business_accounts.types import CreatedVia

WHY_THE_ACCOUNT_EXISTS = {
    CreatedVia.SELF_SERVICE: "was registered by someone at your company",
    CreatedVia.SALES: "was created for your company when a subscription or licence was bought through our sales team",
    CreatedVia.RESELLER: "was created for your company when a subscription or licence was bought through a reseller",
    CreatedVia.UPGRADE_INSURANCE: (
        "was created automatically because your company holds a permanent licence with an Upgrade Insurance plan"
    ),
    CreatedVia.OTHER_PRODUCT: "was created by someone at your company for another of our business products",
}
