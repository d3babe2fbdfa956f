"""Schemathesis configuration and checks for fuzzing the API against its own OpenAPI document."""
