"""The stack a smoke run talks to: a deployed one (its CloudFormation outputs; the internal routes signed with SigV4)
or the local one (`make run`: no signing, and a mailbox the story can read)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

SIGNED_PREFIX = "/v1/internal/"
TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # the parsed JSON, the text of a page, or None for no body
    headers: dict[str, str]

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None


@dataclass(frozen=True)
class Target:
    """Where the API is (`api`: the ApiUrl output, or the local stack's address), and how internal calls are signed:
    with the caller's AWS credentials for `execute-api` in `region`, or not at all (`region` None: the local stack)."""

    api: str
    region: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)

    @classmethod
    def deployed(cls, stack: str, region: str | None) -> Target:
        """The stack's outputs, read with CloudFormation's DescribeStacks."""
        import boto3  # only a run against a deployed stack needs the SDK and credentials

        session = boto3.Session(region_name=region or None)
        described = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
        outputs = {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}
        return cls(api=outputs["ApiUrl"].rstrip("/"), region=session.region_name, outputs=outputs)

    @property
    def signs(self) -> bool:
        return self.region is not None

    @property
    def reads_mail(self) -> bool:
        """The local stack shows what its SES sent (`/_local/inbox.json`); SES's mailbox simulator shows nobody."""
        return not self.signs

    def call(self, method: str, path: str, body: Any = None, *, signed: bool | None = None) -> Answer:
        """`method path` with `body` as JSON; internal routes are signed unless `signed` says otherwise."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        url = f"{self.api}{path}"
        if self.signs and (path.startswith(SIGNED_PREFIX) if signed is None else signed):
            headers = self._signed(method, url, data, headers)
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - http(s) API
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                return _answer(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return _answer(error.code, error.read(), dict(error.headers))

    def _signed(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> dict[str, str]:
        """The headers with SigV4's (Authorization, X-Amz-Date, the session token) for exactly this URL and body."""
        import boto3
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        credentials = boto3.Session(region_name=self.region).get_credentials()
        assert credentials is not None, "no AWS credentials in this shell: `aws sts get-caller-identity` first"
        request = AWSRequest(method=method, url=url, data=data, headers=headers)
        SigV4Auth(credentials.get_frozen_credentials(), "execute-api", self.region).add_auth(request)
        return dict(request.headers.items())


def _answer(status: int, payload: bytes, headers: dict[str, str]) -> Answer:
    text = payload.decode("utf-8") if payload else ""
    kind = next((value for name, value in headers.items() if name.lower() == "content-type"), "")
    body = json.loads(text) if text and "json" in kind else (text or None)
    return Answer(status=status, body=body, headers={name.lower(): value for name, value in headers.items()})
