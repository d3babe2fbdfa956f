"""Test support: AWS resources from template.yaml on moto, API Gateway events, fakes and helpers."""
