"""Developer tools run from the Makefile: the OpenAPI generator and, later, the local stack."""
