"""Several accounts in one scan: explicit roles, and every account of an Organization through a named role."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from checksheet.collectors import aws
from checksheet.collectors.aws import ec2, iam, organizations
from checksheet.errors import CollectionError
from tests.collectors.aws.moto_server import ACCOUNT, MotoServer, aws_environment, environment
from tests.collectors.aws.seed import HOME

SOME = (*organizations.COLLECTORS, *iam.COLLECTORS, *ec2.COLLECTORS)


@pytest.fixture(scope="module")
def member(moto: MotoServer) -> Iterator[str]:
    """An Organization with one member account that has a user of its own."""
    moto.reset()
    with environment(aws_environment(moto.url)):
        orgs = boto3.client("organizations", region_name=HOME)
        orgs.create_organization(FeatureSet="ALL")
        status = orgs.create_account(Email="prod@example.com", AccountName="production")["CreateAccountStatus"]
        member_id = status.get("AccountId") or orgs.describe_create_account_status(
            CreateAccountRequestId=status["Id"])["CreateAccountStatus"]["AccountId"]
        creds = boto3.client("sts").assume_role(RoleArn=f"arn:aws:iam::{member_id}:role/Admin",
                                                RoleSessionName="seed")["Credentials"]
        boto3.client("iam", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                     aws_session_token=creds["SessionToken"]).create_user(UserName="prod-operator")
        yield member_id


def test_org_role_scans_every_account(moto: MotoServer, member: str) -> None:
    with environment(aws_environment(moto.url)):
        connector = aws.Connector(aws.Access(org_role="OrganizationAccountAccessRole"))
        targets = connector.targets()
        collection = aws.collect(connector, SOME, (HOME,))
    # the management account is read with the caller's own credentials, members through the role
    assert {(t.account_id, t.role_arn) for t in targets} == {
        (ACCOUNT, None), (member, f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole")}
    assert set(collection.accounts) == {ACCOUNT, member}
    inv = collection.inventory
    assert {a.id for a in inv.of("aws.account")} == {ACCOUNT, member}
    assert [u.account for u in inv.of("aws.iam.user") if u.id == "prod-operator"] == [member]
    assert {a.id for a in inv.of("aws.organizations.account")} == {ACCOUNT, member}
    assert {r.account for r in inv.of("aws.organizations.account")} == {ACCOUNT}  # only the management lists
    assert {r.account for r in inv.of("aws.ec2.security_group")} == {ACCOUNT, member}
    assert inv.faults == ()


def test_role_arns_scan_only_those_accounts(moto: MotoServer, member: str) -> None:
    arn = f"arn:aws:iam::{member}:role/auditor"
    with environment(aws_environment(moto.url)):
        collection = aws.collect(aws.Connector(aws.Access(role_arns=(arn, arn), external_id="x-123")), SOME, (HOME,))
    assert collection.accounts == (member,)
    assert {r.account for r in collection.inventory} == {member}


def test_org_role_outside_an_organization_is_one_error(moto: MotoServer, member: str) -> None:
    moto.reset()
    with environment(aws_environment(moto.url)), pytest.raises(CollectionError) as raised:
        aws.Connector(aws.Access(org_role="OrganizationAccountAccessRole")).targets()
    assert raised.value.diagnostics("en").startswith("cannot list the accounts of the AWS Organization")
