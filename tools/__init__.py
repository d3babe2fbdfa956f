"""Developer tools shared by the Makefile, the local stack, the tests and the benchmarks: the template as deployed,
its functions, routes and events, API Gateway events and the in-process API, builds for this machine, and handlers
started as fresh Lambda instances. Nothing here imports local/: the local stack is built on these, never the reverse."""
