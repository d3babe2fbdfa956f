"""What happens: the product's decisions over the Store and Mailer protocols; no boto3, botocore or HTTP."""
