"""Developer tools shared by the Makefile, the tests and the benchmarks: the template's functions and routes,
events and the in-process API, builds for this machine, and handlers started as fresh Lambda instances."""
