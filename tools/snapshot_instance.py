"""A handler's SnapStart life simulated in this interpreter: imported and snapshotted once, restored once per event.

Start it as `python -I -S -B tools/snapshot_instance.py MODE CODE_DIR LAYER_DIR`, as tools/lambda_instance.py (whose
context and figures it uses). It imports the handler as Lambda's init does (no trace header yet) and runs the
before-snapshot hooks the handler registered with `snapshot_restore_py`, and writes a first `BENCH {...}` line (`end`
is `snapshot`) with what that took. Then each line on stdin is an event: a child
is forked from that warmed process (a copy of it, as a restore is), is handed back the `random` state the snapshot
held (a fork would reseed it; a snapshot does not), runs the after-restore hooks and gets the event. Each child
writes one `BENCH {...}` line:

- `init`: stop when botocore is about to send the first request, or when the handler answers (the restore figures);
- `invoke`: the whole invocation, with what it did on the way: its answer, the AWS calls it made (botocore's
  `before-call`), the clients it created, the files it opened and the addresses it connected to, and a draw from
  `random`, so that two restored copies can be compared.
"""

import json
import os
import random
import sys
import time
import traceback
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I leaves this folder off the path
import lambda_instance  # its context, figures and stdout, shared
from lambda_instance import Context, report

TRACE = "_X_AMZN_TRACE_ID"


def warmed(code_dir, layer_dir):
    """The handler imported and its before-snapshot hooks run (in reverse order of registration, as Lambda does)."""
    sys.path[:0] = [code_dir, layer_dir]
    trace = os.environ.pop(TRACE, None)  # Lambda's init runs outside any invocation, so outside any trace
    import app  # noqa: PLC0415 - the handler, from CODE_DIR, as Lambda imports it
    import snapshot_restore_py  # noqa: PLC0415 - from the layer

    for hook, args, kwargs in reversed(snapshot_restore_py.get_before_snapshot()):
        hook(*args, **kwargs)
    if trace is not None:
        os.environ[TRACE] = trace  # as Lambda sets it for each invocation
    return app, snapshot_restore_py


class Observed:
    """What a restored copy does while it handles its event: AWS calls, clients created, files opened, connections."""

    def __init__(self):
        self.calls = Counter()
        self.clients_created = 0
        self.opened = []
        self.connected = []
        self.watching = False
        sys.addaudithook(self._audit)
        import botocore.client  # noqa: PLC0415 - already imported by the handler that calls AWS

        create = botocore.client.ClientCreator.create_client

        def counted(creator, *args, **kwargs):
            self.clients_created += 1
            return create(creator, *args, **kwargs)

        botocore.client.ClientCreator.create_client = counted
        from business_accounts.adapters.wiring import dynamodb_client, kms_client  # noqa: PLC0415

        for client in (dynamodb_client(), kms_client()):  # the snapshot's, unless the hooks had not made them
            client.meta.events.register("before-call", self._call)

    def _call(self, model, **_):
        if self.watching:
            self.calls[model.name] += 1

    def _audit(self, event, args):
        if not self.watching:
            return
        if event == "open" and isinstance(args[0], str):
            self.opened.append(args[0])
        elif event == "socket.connect":
            self.connected.append(list(args[1]) if isinstance(args[1], tuple) else str(args[1]))


def stop_at_first_request():
    """botocore's HTTP send replaced by the report and the end of this copy: at once if the snapshot holds botocore,
    else when it is imported (lambda_instance's hook), so a function that calls no AWS loads nothing more."""
    sent = sys.modules.get("botocore.httpsession")
    if sent is None:
        sys.meta_path.insert(0, lambda_instance.StopAtFirstRequest())
        return

    def send(session, request):
        report("first_request")
        os._exit(0)

    sent.URLLib3Session.send = send


def restore(mode, app, hooks, snapshot_random, event):
    lambda_instance.marks.clear()
    lambda_instance.marks.update(started=time.perf_counter(), started_cpu=time.process_time())
    random.setstate(snapshot_random)
    for hook, args, kwargs in hooks.get_after_restore():
        hook(*args, **kwargs)
    if mode == "init":
        stop_at_first_request()
        answer = app.lambda_handler(event, Context())
        report(f"answered {answer.get('statusCode', 200) if isinstance(answer, dict) else 200}")
        return
    observed = Observed() if "business_accounts.adapters.wiring" in sys.modules else None  # a function calling AWS
    if observed:
        observed.watching = True
    answer = app.lambda_handler(event, Context())
    done = {"answer": answer, "random": random.random()}  # noqa: S311 - a draw to compare, not a secret
    if observed:
        observed.watching = False
        done |= {
            "calls": dict(observed.calls),
            "clients_created": observed.clients_created,
            "opened": observed.opened,
            "connected": observed.connected,
        }
    lambda_instance.answers.write("BENCH " + json.dumps(done, default=str) + "\n")
    lambda_instance.answers.flush()


def main(mode, code_dir, layer_dir):
    app, hooks = warmed(code_dir, layer_dir)
    report("snapshot")  # the first line: what the init and the before-snapshot hooks took, before any restore
    snapshot_random = random.getstate()
    for line in sys.stdin:
        child = os.fork()
        if child == 0:
            try:
                restore(mode, app, hooks, snapshot_random, json.loads(line))
            except BaseException:
                traceback.print_exc()
                os._exit(1)
            os._exit(0)
        os.waitpid(child, 0)


if __name__ == "__main__":
    main(*sys.argv[1:4])
