"""Run handlers from build output in this interpreter, as a Lambda instance would: for benchmarks and build tests.

Start it in a fresh `python -I -S -B tools/lambda_instance.py MODE ...` so that nothing but the build is importable:

- `init CODE_DIR LAYER_DIR`: import the handler, invoke it with the event on stdin, and stop when botocore is about
  to send the first request (the function is then imported and has built its first client) or when it answers;
- `invoke CODE_DIR LAYER_DIR`: the same, through the whole invocation;
- `serve LAYER_DIR`: answer one invocation per stdin line, `{"code_dir": ..., "event": ...}`, one JSON line each.

`init` and `invoke` print one line `BENCH {...}`: import and init times, how it ended, and the peak memory. Handler
logs go to stderr, so stdout carries only these lines.
"""

import importlib.machinery
import importlib.util
import json
import os
import sys
import time

marks = {"started": time.perf_counter(), "started_cpu": time.process_time()}  # "imported": once the handler is
answers = sys.stdout
sys.stdout = sys.stderr


class Context:
    """The Lambda context object handlers receive."""

    function_name = "instance"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:instance"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name = "/aws/lambda/instance"
    log_stream_name = "instance"

    def get_remaining_time_in_millis(self):
        return 10_000


def report(end):
    done, done_cpu = time.perf_counter(), time.process_time()
    with open("/proc/self/status") as status:  # VmHWM starts afresh at exec; ru_maxrss keeps the parent's peak
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    started = marks["started"]
    figures = {
        "end": end,
        "import_ms": (marks.get("imported", done) - started) * 1000,
        "init_ms": (done - started) * 1000,
        "init_cpu_ms": (done_cpu - marks["started_cpu"]) * 1000,  # what a busy machine cannot inflate
        "peak_rss_kb": peak_kb,
    }
    answers.write("BENCH " + json.dumps(figures) + "\n")
    answers.flush()


class StopAtFirstRequest:
    """An import hook (no importlib.abc: its imports would be counted in the measurement) that replaces botocore's
    HTTP send, as it is imported, with a report and the end of the process."""

    def find_spec(self, name, path, target=None):
        if name != "botocore.httpsession":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)

            def send(session, request):
                report("first_request")
                os._exit(0)

            module.URLLib3Session.send = send

        spec.loader.exec_module = exec_module
        return spec


def run_one(mode, code_dir, layer_dir):
    event = json.loads(sys.stdin.read())
    sys.path[:0] = [code_dir, layer_dir]
    if mode == "init":
        sys.meta_path.insert(0, StopAtFirstRequest())
    import app  # noqa: PLC0415 - the handler, from CODE_DIR, as Lambda imports it

    marks["imported"] = time.perf_counter()
    answer = app.lambda_handler(event, Context())
    report(f"answered {answer.get('statusCode', 200) if isinstance(answer, dict) else 200}")


def serve(layer_dir):
    sys.path[:0] = [layer_dir]
    handlers = {}
    for line in sys.stdin:
        request = json.loads(line)
        code_dir = request["code_dir"]
        if code_dir not in handlers:
            spec = importlib.util.spec_from_file_location(f"app_{len(handlers)}", os.path.join(code_dir, "app.py"))
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            handlers[code_dir] = module.lambda_handler
        answers.write(json.dumps(handlers[code_dir](request["event"], Context()), default=str) + "\n")
        answers.flush()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        run_one(*sys.argv[1:4])
