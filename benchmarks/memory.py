"""Peak memory of each function after a realistic workload, against its MemorySize: the basis for choosing it.

Each function runs in a fresh process (as a Lambda instance does) on moto in-process, handles a burst of
requests, and reports its peak resident set size. Target: the peak stays under half of MemorySize.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys

from tools.functions import ROOT, functions, template

WORKLOAD = r"""
import json, os, resource, sys
sys.path[:0] = ["layers/shared", "."]
from tests.conftest import ENVIRONMENT
os.environ.update(ENVIRONMENT)
from moto import mock_aws
from tests.support.aws import create_tables, verify_sender, sent_emails
from tests.support.api import Api
with mock_aws():
    create_tables(); verify_sender()
    api = Api()
    for number in range(30):
        email = f"p{number}@example.com"
        company = {"company_name": "ACME", "administrator_email": email, "created_via": "sales"}
        api.post("/v1/internal/accounts", company)
        api.post("/v1/accounts", {"email": email, "company_name": "ACME"})
        token = sent_emails()[-1].token
        api.post("/v1/invitations/preview", {"token": token})
        api.post("/v1/invitations/accept", {"token": token})
        api.post("/v1/invitations/resend", {"email": email})
        api.get("/v1/openapi.json")
print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024))
"""


def main() -> int:
    memory_size = int(template()["Globals"]["Function"]["MemorySize"])
    result = subprocess.run(  # noqa: S603 - our own workload
        [sys.executable, "-c", WORKLOAD], cwd=ROOT, capture_output=True, text=True, check=True
    )
    peak_mb = int(result.stdout.strip().splitlines()[-1])
    print(f"all {len(functions())} functions in one process (an upper bound for each): peak {peak_mb} MB")
    print(f"MemorySize {memory_size} MB; target: peak below {memory_size // 2} MB")
    print(f"this benchmark process itself: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    print(json.dumps({"peak_mb": peak_mb, "memory_size_mb": memory_size}))
    return 0 if peak_mb < memory_size // 2 else 1


if __name__ == "__main__":
    sys.exit(main())
