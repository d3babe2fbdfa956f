"""The local stack: the whole application from template.yaml on this machine, Docker-free (`make run`)."""
