"""AWS Systems Manager Run Command as a transport, for fleets reached through Session Manager.

Each declared command line is sent with the AWS-RunShellScript document and read back with
GetCommandInvocation. Run Command keeps only the first 24,000 characters of output; a cut
bundle lacks its closing marker and becomes a fault, never a partial pass.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from checksheet.collectors.host.batch import Result, run_each
from checksheet.collectors.host.commands import Command

#: The IAM actions this transport calls (for the least-privilege policy).
ACTIONS = ("ssm:SendCommand", "ssm:GetCommandInvocation")
_RUNNING = frozenset({"Pending", "InProgress", "Delayed"})


class SsmTransport:
    name = "ssm"

    def __init__(self, instance_id: str, *, region: str | None = None, profile: str | None = None,
                 timeout: float = 120.0, host: str | None = None, poll_seconds: float = 1.0,
                 client: Any = None) -> None:
        self.instance_id = instance_id
        self.host = host or instance_id
        self.timeout = timeout
        self.poll_seconds = poll_seconds
        self._client = client or boto3.Session(profile_name=profile, region_name=region).client("ssm")

    def _invocation(self, command_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                answer: dict[str, Any] = self._client.get_command_invocation(
                    CommandId=command_id, InstanceId=self.instance_id)
            except ClientError as err:  # the invocation may not be registered yet
                if err.response.get("Error", {}).get("Code") != "InvocationDoesNotExist":
                    raise
                answer = {"Status": "Pending"}
            if answer.get("Status") not in _RUNNING or time.monotonic() > deadline:
                return answer
            time.sleep(self.poll_seconds)

    def run(self, command: Command) -> Result:
        try:
            sent = self._client.send_command(
                InstanceIds=[self.instance_id],
                DocumentName="AWS-RunShellScript",
                Comment=f"checksheet host evidence: {command.id}",
                Parameters={"commands": [command.command_line], "executionTimeout": [str(int(self.timeout))]},
                TimeoutSeconds=max(30, int(self.timeout)),
            )
            answer = self._invocation(sent["Command"]["CommandId"])
        except (ClientError, BotoCoreError) as err:
            return Result("", -1, f"SSM: {err}")
        status = answer.get("Status", "")
        if status != "Success":
            detail = (answer.get("StandardErrorContent") or "").strip().splitlines()[-1:] or [status]
            return Result("", int(answer.get("ResponseCode", -1)), f"SSM command {status}: {detail[0][:200]}")
        return Result(answer.get("StandardOutputContent", ""), 0)

    def run_batch(self, commands: Sequence[Command]) -> dict[str, Result]:
        # One invocation per command: Run Command keeps only 24,000 characters of output each.
        return run_each(self.run, commands)

    def close(self) -> None:
        return None
