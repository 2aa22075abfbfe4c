"""Credentials, accounts and clients: plain boto3 with the standard AWS configuration.

Profiles, SSO, environment variables, AWS_ENDPOINT_URL[_<SERVICE>] and AWS_CA_BUNDLE are
resolved by botocore itself. A scan reads one account (the caller's), the accounts behind
`--role-arn`, or every account of an Organization through a named role.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import botocore.session
from botocore.config import Config
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    CredentialProvider,
    CredentialResolver,
    Credentials,
    DeferredRefreshableCredentials,
)
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound
from botocore.utils import parse_timestamp

from checksheet.collectors.aws.faults import fault_message, says_unimplemented
from checksheet.collectors.aws.models import ScanLoader, default_cache_dir
from checksheet.errors import CollectionError

SESSION_NAME = "checksheet-readonly"
DEFAULT_MAX_ATTEMPTS = 3  # the AWS SDKs' default; AWS_MAX_ATTEMPTS or max_attempts in a profile wins
PARTITION_HOME = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}

#: (event name, handler) registered on every client, e.g. ("before-call", record).
Hook = tuple[str, Callable[..., Any]]


@dataclass(frozen=True, slots=True)
class Access:
    """How to reach the accounts to scan (the `scan aws` options)."""

    profile: str | None = None
    role_arns: tuple[str, ...] = ()
    org_role: str | None = None
    external_id: str | None = None
    workers: int = 16
    hooks: tuple[Hook, ...] = ()


@dataclass(frozen=True, slots=True)
class Target:
    """One account to scan: the caller's own (no role) or one reached through a role."""

    account_id: str
    role_arn: str | None = None


@dataclass(slots=True)
class _Counter:
    value: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, **_: Any) -> None:
        with self.lock:
            self.value += 1


class _Given(CredentialProvider):  # type: ignore[misc]
    """Hands a session credentials resolved elsewhere (an assumed role's, refreshed by botocore)."""

    METHOD = "checksheet-assumed-role"

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> Credentials:
        return self._credentials


def _is_loopback_host(host: str) -> bool:
    try:
        return ipaddress.ip_address(host) is not None
    except ValueError:
        return host == "localhost"


def unprefix_account_host(request: Any, **kwargs: Any) -> None:
    """S3 Control puts the account id before the endpoint host; `123….127.0.0.1` cannot resolve.

    Only when the configured endpoint is an IP address or localhost (an emulator) is the prefix
    dropped; the account still travels in the x-amz-account-id header. Real AWS hosts are untouched.
    """
    parts = urlsplit(request.url)
    prefix, _dot, rest = (parts.hostname or "").partition(".")
    if prefix.isdigit() and len(prefix) == 12 and _is_loopback_host(rest):
        request.url = urlunsplit(parts._replace(netloc=parts.netloc[len(prefix) + 1 :]))


def parse_time(value: Any) -> Any:
    """A response timestamp: ISO 8601 (nearly every one) by the standard library, 200 times faster than
    botocore's dateutil; anything else (RFC 822, epoch seconds) by botocore's own parser. Same datetimes."""
    if isinstance(value, str):
        with suppress(ValueError):
            return datetime.fromisoformat(value)
    return parse_timestamp(value)


def no_retry_if_unimplemented(response: Any = None, **_: Any) -> bool | None:
    """A `needs-retry` handler: False (botocore's "do not retry") when the endpoint says it lacks the operation.

    botocore's standard and adaptive modes retry every HTTP 500; an answer that says "not
    implemented" (code NotImplemented, HTTP 501, or a 500 whose body says so, as emulators answer)
    cannot succeed on a retry: the extra requests and their back-off only stretch the scan.
    Anything else, real throttling and transient 5xx included, is left to botocore (None).
    """
    if response is None:  # no answer at all (connection error): botocore's call
        return None
    http, parsed = response
    if http.status_code < 500:
        return None
    error = (parsed or {}).get("Error") or {}
    body = http.content if isinstance(http.content, bytes) else b""
    if says_unimplemented(str(error.get("Code") or ""), http.status_code, body[:2048].decode("utf-8", "replace")):
        return False
    return None


class Account:
    """Clients for one AWS account, created once per (service, region) and shared by the scan's threads.

    botocore clients are thread-safe; creating them from one session is not, so creation holds a
    lock. Sharing a client also shares its adaptive rate limiter, which is what AWS throttles by.
    """

    def __init__(
        self, connector: Connector, session: botocore.session.Session, account_id: str, partition: str
    ) -> None:
        self.account_id = account_id
        self.partition = partition
        same = partition == connector.partition
        self.home_region = connector.home_region if same else PARTITION_HOME.get(partition, connector.home_region)
        self._connector = connector
        self._session = session
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        found = self._clients.get(key)
        if found is not None:
            return found
        with self._connector.lock:
            found = self._clients.get(key)
            if found is None:
                found = self._connector.new_client(self._session, service, region)
                self._clients[key] = found
        return found


class Connector:
    """The caller's identity, verified once, and the accounts it can reach."""

    def __init__(self, access: Access, actions: Iterable[str] | None = None) -> None:
        """`actions`: the IAM actions the scan may call; service models are cut to them (None: whole models)."""
        self.access = access
        self.lock = threading.Lock()
        self.requests = _Counter()
        try:
            self._base = botocore.session.Session(profile=access.profile)
            # One loader for every session of the scan (assumed roles too): each model is parsed once.
            self._loader = ScanLoader(actions, self._base.get_config_variable("data_path"), default_cache_dir())
            self._prepare(self._base)
            self.home_region = self._base.get_config_variable("region") or PARTITION_HOME["aws"]
            self._config = _client_config(self._base, access.workers)
            sts = self._base.create_client("sts", region_name=self.home_region, config=self._config)
            identity = sts.get_caller_identity()
        except ProfileNotFound as err:
            raise CollectionError(
                f"AWS profile {access.profile!r} not found in ~/.aws/config or ~/.aws/credentials",
                ja=f"AWS プロファイル {access.profile!r} が ~/.aws/config にも ~/.aws/credentials にもありません",
            ) from err
        except NoCredentialsError as err:
            raise CollectionError(
                "no AWS credentials found: set AWS_PROFILE (or --profile), run `aws sso login`, "
                "or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
                ja="AWS の認証情報が見つかりません。AWS_PROFILE (または --profile) を設定するか、"
                "`aws sso login` を実行するか、AWS_ACCESS_KEY_ID と AWS_SECRET_ACCESS_KEY を設定してください",
            ) from err
        except (ClientError, BotoCoreError) as err:
            why = fault_message(err, "sts:GetCallerIdentity")
            raise CollectionError(
                f"AWS did not accept the credentials: {why}",
                ja=f"AWS が認証情報を受け付けませんでした: {why}",
            ) from err
        self.account_id = str(identity["Account"])
        self.partition = str(identity["Arn"]).split(":")[1]
        self.caller = Account(self, self._base, self.account_id, self.partition)

    def _prepare(self, session: botocore.session.Session) -> botocore.session.Session:
        session.register_component("data_loader", self._loader)
        session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=parse_time)
        return session

    def new_client(self, session: botocore.session.Session, service: str, region: str) -> Any:
        client = session.create_client(service, region_name=region, config=self._config)
        events = client.meta.events
        events.register("before-send", self.requests)
        # First on the service's own event, ahead of botocore's retry handler: its False wins.
        service_id = client.meta.service_model.service_id.hyphenize()
        events.register_first(f"needs-retry.{service_id}", no_retry_if_unimplemented)
        if service == "s3control":
            events.register("before-sign.s3-control", unprefix_account_host)
        for event, handler in self.access.hooks:
            events.register(event, handler)
        return client

    def targets(self) -> list[Target]:
        """The accounts to scan, in the order given; an Organization's active accounts by id."""
        if self.access.org_role:
            return [
                Target(a, None if a == self.account_id else self.role_arn(a, self.access.org_role))
                for a in self._organization_accounts()
            ]
        if self.access.role_arns:
            return [Target(arn.split(":")[4], arn) for arn in dict.fromkeys(self.access.role_arns)]
        return [Target(self.account_id)]

    def role_arn(self, account_id: str, role_name: str) -> str:
        return f"arn:{self.partition}:iam::{account_id}:role/{role_name}"

    def _organization_accounts(self) -> list[str]:
        client = self.caller.client("organizations", self.home_region)
        try:
            pages = client.get_paginator("list_accounts").paginate()
            found = sorted({a["Id"] for page in pages for a in page["Accounts"] if a.get("Status") == "ACTIVE"})
            why = "" if found else "no active account is listed"
        except (ClientError, BotoCoreError) as err:
            found, why = [], fault_message(err, "organizations:ListAccounts")
        if not found:  # an empty scan would read as "nothing wrong"
            raise CollectionError(
                f"cannot list the accounts of the AWS Organization (run from the management account "
                f"or a delegated administrator): {why}",
                ja=f"AWS Organizations のアカウント一覧を取得できません (管理アカウントまたは委任管理者で"
                f"実行してください): {why}",
            )
        return found

    def open(self, target: Target) -> Account:
        """The account's clients; for a role, assumes it now so that a refusal is reported here.

        Raises ClientError/BotoCoreError when the role cannot be assumed.
        """
        if target.role_arn is None:
            return self.caller
        extra = {"RoleSessionName": SESSION_NAME}
        if self.access.external_id:
            extra["ExternalId"] = self.access.external_id
        fetcher = AssumeRoleCredentialFetcher(
            client_creator=partial(self._base.create_client, region_name=self.home_region, config=self._config),
            source_credentials=self._base.get_credentials(),
            role_arn=target.role_arn,
            extra_args=extra,
        )
        credentials = DeferredRefreshableCredentials(refresh_using=fetcher.fetch_credentials, method="assume-role")
        credentials.get_frozen_credentials()  # assume now, in this worker
        session = self._prepare(botocore.session.Session(profile=self.access.profile))
        session.register_component("credential_provider", CredentialResolver([_Given(credentials)]))
        partition = target.role_arn.split(":")[1]
        return Account(self, session, target.account_id, partition)


def _client_config(session: botocore.session.Session, workers: int) -> Config:
    """Adaptive retries (client-side rate limiting on throttling); AWS_MAX_ATTEMPTS still wins."""
    attempts = session.get_config_variable("max_attempts") or DEFAULT_MAX_ATTEMPTS
    return Config(
        retries={"mode": "adaptive", "total_max_attempts": int(attempts)},
        connect_timeout=5,
        read_timeout=30,
        max_pool_connections=2 * workers,  # task threads and detail threads may share one client
        user_agent_extra="checksheet",
    )

