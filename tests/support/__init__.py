"""Test support: AWS on moto from template.yaml, the API through its handlers, racing, faults, output, story steps."""
