"""What things are: the domain and API models, field types, ids, settings and the domain errors; no I/O."""
