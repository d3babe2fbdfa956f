"""How the service reaches AWS: the DynamoDB store, the SES mailer, and the wiring that builds them."""
