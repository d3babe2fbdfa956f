"""`python -m local`: start the local stack and serve until Ctrl-C (what `make run` does)."""

from __future__ import annotations

import sys

from local.interrupts import interruptible


def main(argv: list[str] | None = None) -> int:
    with interruptible():
        try:
            from local.stack import run  # noqa: PLC0415 - every other import once Ctrl-C is handled

            return run(argv)
        except KeyboardInterrupt:  # before the stack began to start: nothing to stop
            print("Stopped.", flush=True)
            return 0


if __name__ == "__main__":
    sys.exit(main())
