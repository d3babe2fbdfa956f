"""`python -m local.invoke`: one function, one event, as `sam local invoke -e` does but without Docker (`make invoke`).

The function runs in its own process with the environment `make run` gives it (the template's, then ENV_VARS);
its answer goes to stdout, its logs to stderr, and the exit code is 1 when it raised. AWS is the running local
stack's when one is up (found in .local/stacks/, or on AWS_PORT); otherwise a fresh emulator with the demo data,
for this invocation only.
"""

from __future__ import annotations

import sys

from local.interrupts import interruptible


def main(argv: list[str] | None = None) -> int:
    with interruptible():
        try:
            from local.invocation import run  # noqa: PLC0415 - every other import once Ctrl-C is handled

            return run(argv)
        except KeyboardInterrupt:  # what it started is stopped on the way out, without a traceback
            return 130


if __name__ == "__main__":
    sys.exit(main())
