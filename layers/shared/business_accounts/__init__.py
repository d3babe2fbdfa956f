"""The business-accounts service: registration, pending invitations and their acceptance."""
