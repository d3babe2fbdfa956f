"""`make bench`: cold starts against baselines, AWS calls, cleanup reads, sizes, memory and the local API."""
