"""Wrong verdicts and misleading messages found by scanning emulated estates that are not the demo's.

One table per bug; each row is an inventory shape an estate produced, with the verdict it must get.
"""

from __future__ import annotations

from typing import Any

import pytest

from checksheet.checks.base import GLOBAL
from checksheet.model import Resource, Status
from tests.checks.aws_builders import ACCOUNT, ago, inventory, only, res, verdicts

FAIL, PASS, MANUAL = Status.FAIL, Status.PASS, Status.MANUAL
STAR = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["*"], "Resource": "*"}]}
S3_ONLY = {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
FLAGS = ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")
ACLS, POLICY = FLAGS[:2], FLAGS[2:]


def user(name: str = "u", **overrides: Any) -> Resource:
    attributes: dict[str, Any] = {
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}", "created": ago(days=400), "password_enabled": False,
        "password_last_used": None, "mfa_active": False, "access_keys": [], "attached_policy_arns": [],
        "inline_policies": [], "group_names": [], "group_policy_arns": [], "group_inline_policies": [],
    }
    attributes.update(overrides)
    return res("aws.iam.user", name, region=GLOBAL, **attributes)


# --- a group's inline "*" on "*" policy made every member pass iam_user_no_admin_privileges ----------------

@pytest.mark.parametrize(
    ("group_inline", "expected", "en", "ja"),
    [
        ([{"group": "ops", "name": "everything", "document": STAR}], FAIL,
         "group inline: ops/everything", "グループのインライン: ops/everything"),
        ([{"group": "ops", "name": "everything", "document": '{"Statement": {"Effect": "Allow", "Action": "*", '
                                                             '"Resource": "*"}}'}], FAIL, "group inline", "グループ"),
        ([{"group": "ops", "name": "s3", "document": S3_ONLY}], PASS, "its groups' included", "グループ経由を含む"),
        ([{"group": "ops", "name": "deny", "document": {"Statement": [
            {"Effect": "Deny", "Action": "*", "Resource": "*"}]}}], PASS, "neither AdministratorAccess", "付与されて"),
        ([], PASS, "neither AdministratorAccess nor an inline policy", "AdministratorAccess も"),
    ],
)
def test_group_inline_policy_counts_as_an_admin_grant(
    group_inline: list[dict[str, Any]], expected: Status, en: str, ja: str
) -> None:
    finding = only("iam_user_no_admin_privileges", inventory(user(group_inline_policies=group_inline,
                                                                  group_names=["ops"])))
    assert finding.status is expected
    assert en in finding.message.en and ja in finding.message.ja


def test_admin_grant_places_are_named_in_japanese() -> None:
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    finding = only("iam_user_no_admin_privileges", inventory(user(
        attached_policy_arns=[admin], inline_policies=[{"name": "god", "document": STAR}])))
    assert "直接付与: AdministratorAccess" in finding.message.ja and "インライン: god" in finding.message.ja
    assert "attached" not in finding.message.ja and "attached: AdministratorAccess" in finding.message.en


# --- Block Public Access split between the account and the bucket was judged on the bucket's flags alone -----

def block(on: tuple[str, ...]) -> dict[str, bool]:
    return {f: f in on for f in FLAGS}


def account_block(on: tuple[str, ...]) -> Resource:
    return res("aws.s3.account_public_access_block", ACCOUNT, region=GLOBAL, **block(on))


def bucket(name: str = "b", own: dict[str, bool] | None = None, **overrides: Any) -> Resource:
    attributes: dict[str, Any] = {
        "arn": f"arn:aws:s3:::{name}", "public_access_block": own, "encryption": None, "versioning": "Enabled",
        "mfa_delete": False, "object_lock": None, "policy": None, "logging_target": None, "public_acl": False,
    }
    attributes.update(overrides)
    return res("aws.s3.bucket", name, **attributes)


@pytest.mark.parametrize(
    ("own", "account", "expected", "words", "absent"),
    [
        (block(POLICY), ACLS, PASS, "between its own and the account's", ""),  # together: all four
        (block(ACLS), POLICY, PASS, "between its own and the account's", ""),
        (None, ACLS, FAIL, "block_public_policy, restrict_public_buckets", "block_public_acls"),
        (block(("block_public_policy",)), ACLS, FAIL, "restrict_public_buckets", "block_public_policy"),
        (block(FLAGS), (), PASS, "has all four Block Public Access settings on.", ""),
        (None, FLAGS, PASS, "account-level", ""),
        (None, (), FAIL, ", ".join(FLAGS), ""),
    ],
)
def test_bucket_block_public_access_combines_account_and_bucket(
    own: dict[str, bool] | None, account: tuple[str, ...], expected: Status, words: str, absent: str
) -> None:
    finding = only("s3_bucket_public_access_block", inventory(bucket(own=own), account_block(account)))
    assert finding.status is expected and words in finding.message.en
    assert not absent or absent not in finding.message.en


TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main"
PUBLIC_POLICY = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]}


def trail() -> Resource:
    return res("aws.cloudtrail.trail", TRAIL_ARN, name="main", home_region="us-east-1", multi_region=True,
               organization=False, logging=True, log_file_validation=True, s3_bucket="b", kms_key_id=None,
               cloudwatch_log_group_arn=None, management_events=True, management_read_write="All")


@pytest.mark.parametrize(
    ("resource", "account", "expected", "words"),
    [
        (bucket(own=block(POLICY)), ACLS, PASS, "bucket- and account-level Block Public Access together"),
        (bucket(own=None), FLAGS, PASS, "account-level"),
        # an ACL grant to everyone that the account ignores is not exposure, though the block is incomplete
        (bucket(own=None, public_acl=True), ACLS, FAIL, "not protected by S3 Block Public Access"),
        (bucket(own=None, public_acl=True), POLICY, FAIL, "is public"),
        (bucket(own=None, policy=PUBLIC_POLICY), ACLS, FAIL, "is public"),
        (bucket(own=None, policy=PUBLIC_POLICY), ("restrict_public_buckets",), FAIL, "not protected"),
    ],
)
def test_trail_bucket_block_public_access_combines_account_and_bucket(
    resource: Resource, account: tuple[str, ...], expected: Status, words: str
) -> None:
    finding = only("cloudtrail_s3_bucket_not_public", inventory(trail(), resource, account_block(account)))
    assert finding.status is expected and words in finding.message.en


# --- an instance with the metadata endpoint turned off was said to "still allow IMDSv1" ---------------------

@pytest.mark.parametrize(
    ("attributes", "expected", "words"),
    [
        ({"imds_enabled": False, "imds_v2_required": False}, PASS, "metadata endpoint turned off"),
        ({"imds_enabled": False, "imds_v2_required": True}, PASS, "turned off"),
        ({"imds_enabled": True, "imds_v2_required": False}, FAIL, "still allows IMDSv1"),
        ({"imds_v2_required": False}, FAIL, "still allows IMDSv1"),  # unknown endpoint state is not a pass
        ({"imds_enabled": True, "imds_v2_required": True}, PASS, "requires IMDSv2"),
    ],
)
def test_imds_endpoint_off_is_not_imdsv1(attributes: dict[str, Any], expected: Status, words: str) -> None:
    instance = res("aws.ec2.instance", "i-1", state="running", vpc_id="vpc-1", subnet_id="subnet-1", **attributes)
    finding = only("ec2_imdsv2_required", inventory(instance))
    assert finding.status is expected and words in finding.message.en


# --- default-VPC subnets (public IPs on launch, emulated without the gateway route) read as private ---------

def subnet(id_: str, routes_to_igw: bool, maps_public_ip: bool) -> Resource:
    return res("aws.ec2.subnet", id_, vpc_id="vpc-1", az="us-east-1a", cidr="172.31.0.0/20",
               map_public_ip_on_launch=maps_public_ip, route_table_id="rtb-1", public=routes_to_igw)


VPC = res("aws.ec2.vpc", "vpc-1", cidr="172.31.0.0/16", is_default=True, tags={})
WORKLOADS = (
    res("aws.ec2.instance", "i-app", state="running", vpc_id="vpc-1", subnet_id="s-1", public_ip="54.1.2.3", tags={}),
    res("aws.rds.instance", "db", vpc_id="vpc-1", subnet_ids=["s-1", "s-2"], engine="mysql", tags={}),
)


@pytest.mark.parametrize(
    ("subnets", "layout", "rds", "words"),
    [
        # a default VPC: every subnet maps public IPs (the emulator leaves out the internet gateway route)
        ((subnet("s-1", False, True), subnet("s-2", False, True)), FAIL, FAIL, "no private subnet"),
        ((subnet("s-1", True, False), subnet("s-2", True, False)), FAIL, FAIL, "no private subnet"),
        ((subnet("s-1", False, False), subnet("s-2", False, True)), FAIL, FAIL, "rds:db"),
        ((subnet("s-1", False, False), subnet("s-2", False, False), subnet("s-3", True, True)), PASS, PASS,
         "1 public and 2 private"),
    ],
)
def test_subnets_that_assign_public_ips_are_public(
    subnets: tuple[Resource, ...], layout: Status, rds: Status, words: str
) -> None:
    inv = inventory(VPC, *subnets, *WORKLOADS)
    finding = only("vpc_public_private_subnets", inv)
    assert finding.status is layout and words in finding.message.en
    assert verdicts("rds_instance_in_private_subnet", inv) == {"db": rds}


# --- pass and fail messages that said more than the data shows ---------------------------------------------

def sg(protocol: str, low: int | None, high: int | None, cidrs: tuple[str, ...] = (),
       v6: tuple[str, ...] = ()) -> Resource:
    rule = {"protocol": protocol, "from_port": low, "to_port": high, "cidrs": list(cidrs), "ipv6_cidrs": list(v6),
            "source_groups": []}
    return res("aws.ec2.security_group", "sg-1", vpc_id="vpc-1", name="web", is_default=False, ingress=[rule],
               egress=[])


@pytest.mark.parametrize(
    ("group", "en", "ja"),
    [
        (sg("-1", None, None, cidrs=("0.0.0.0/0",)), "admits all traffic from 0.0.0.0/0", "全トラフィック"),
        (sg("tcp", 0, 65535, cidrs=("0.0.0.0/0",)), "admits all TCP ports from 0.0.0.0/0", "TCP の全ポート"),
        (sg("udp", 0, 65535, v6=("::/0",)), "admits all UDP ports from ::/0", "::/0 からの UDP の全ポート"),
        (sg("6", 0, 65535, cidrs=("0.0.0.0/0",)), "all TCP ports", "TCP の全ポート"),
    ],
)
def test_all_ports_message_names_the_protocol(group: Resource, en: str, ja: str) -> None:
    finding = only("ec2_sg_no_all_traffic_open_to_internet", inventory(group))
    assert finding.status is FAIL and en in finding.message.en and ja in finding.message.ja


@pytest.mark.parametrize(
    ("attributes", "expected", "not_said"),
    [
        # created 20 days ago, never signed in, key never used: not stale, but not "used" either
        ({"created": ago(days=20), "password_enabled": True, "password_last_used": None,
          "access_keys": [{"suffix": "ABCD", "active": True, "created": ago(days=3), "last_used": None}]},
         PASS, "was used"),
        ({"password_enabled": True, "password_last_used": ago(days=5)}, PASS, "was used"),
    ],
)
def test_unused_credentials_pass_does_not_claim_use(
    attributes: dict[str, Any], expected: Status, not_said: str
) -> None:
    finding = only("iam_credentials_unused_90_days_disabled", inventory(user(**attributes)))
    assert finding.status is expected and not_said not in finding.message.en
    assert "no enabled credential left unused for over 90 days" in finding.message.en
    assert "使われていない有効な認証情報はありません" in finding.message.ja


def multi(name: str, **changes: Any) -> Resource:
    base = trail().attributes | {"name": name} | changes
    return res("aws.cloudtrail.trail", f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/{name}", **base)


@pytest.mark.parametrize(
    ("trails", "words"),
    [
        ((multi("a", logging=False), multi("b", management_read_write="WriteOnly")),
         ("a is not logging", "b records WriteOnly management events only")),
        ((multi("c", management_events=False, management_read_write=None),),
         ("c is not logging management events", "No multi-region trail logs")),
    ],
)
def test_multi_region_failure_says_why_for_each_trail(trails: tuple[Resource, ...], words: tuple[str, ...]) -> None:
    finding = only("cloudtrail_multi_region_enabled", inventory(*trails))
    assert finding.status is FAIL and all(w in finding.message.en for w in words)
    assert all(t.attributes["name"] in finding.message.ja for t in trails)


@pytest.mark.parametrize(
    ("check_id", "resource", "ja"),
    [
        ("ec2_sg_no_ssh_open_to_internet", sg("tcp", 22, 22, cidrs=("0.0.0.0/0",)), "が SSH (22番ポート) を"),
        ("ec2_sg_no_db_ports_open_to_internet", sg("tcp", 5432, 5432, cidrs=("0.0.0.0/0",)), "がデータベースのポート"),
        ("rds_instance_storage_encrypted", res("aws.rds.instance", "db", engine="mysql", storage_encrypted=False),
         "db (mysql インスタンス)"),
        ("rds_instance_deletion_protection", res("aws.rds.cluster", "aur", engine="aurora-mysql",
                                                 deletion_protection=False), "aur (aurora-mysql クラスター)"),
        ("dynamodb_table_kms_encrypted", res("aws.dynamodb.table", "t", sse_type=None, pitr=False),
         "テーブル t に KMS 暗号化と"),
        ("dynamodb_table_kms_encrypted", res("aws.dynamodb.table", "t", sse_type="KMS", pitr=False),
         "テーブル t にポイントインタイムリカバリが"),
    ],
)
def test_japanese_messages_are_japanese_and_spaced(check_id: str, resource: Resource, ja: str) -> None:
    finding = only(check_id, inventory(resource))
    assert ja in finding.message.ja
    assert "instance)" not in finding.message.ja and "cluster)" not in finding.message.ja


# --- customer keys whose material AWS cannot rotate (imported, CloudHSM) failed kms_cmk_rotation_enabled ----

@pytest.mark.parametrize(
    ("origin", "rotation", "expected"),
    [
        ("EXTERNAL", None, None),  # imported key material: rotated by hand, never automatically
        ("AWS_CLOUDHSM", None, None),
        ("EXTERNAL_KEY_STORE", None, None),
        ("AWS_KMS", False, FAIL),
        ("AWS_KMS", True, PASS),
        (None, False, FAIL),
    ],
)
def test_keys_aws_cannot_rotate_are_not_judged(origin: str | None, rotation: bool | None,
                                               expected: Status | None) -> None:
    key = res("aws.kms.key", "k-1", arn="arn:aws:kms:us-east-1:1:key/k-1", manager="CUSTOMER", state="Enabled",
              spec="SYMMETRIC_DEFAULT", origin=origin, rotation_enabled=rotation)
    assert verdicts("kms_cmk_rotation_enabled", inventory(key)) == ({} if expected is None else {"k-1": expected})


# --- a trail's log group in a region the scan did not cover failed the CIS alarm checks ----------------------

ROOT_PATTERN = ('{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
                '&& $.eventType != "AwsServiceEvent" }')


def alarm_trail(group_region: str) -> Resource:
    group = f"arn:aws:logs:{group_region}:{ACCOUNT}:log-group:ct:*"
    return res("aws.cloudtrail.trail", f"arn:aws:cloudtrail:{group_region}:{ACCOUNT}:trail/t", name="t",
               multi_region=True, logging=True, cloudwatch_log_group_arn=group)


def alarm_pieces(region: str) -> tuple[Resource, Resource]:
    return (res("aws.logs.metric_filter", "ct:root", region=region, log_group="ct", name="root",
                pattern=ROOT_PATTERN, metrics=[{"namespace": "CIS", "name": "Root"}]),
            res("aws.cloudwatch.alarm", "root", region=region, namespace="CIS", metric_name="Root",
                actions=["arn:sns"], enabled=True))


@pytest.mark.parametrize(
    ("group_region", "pieces_in", "scanned", "expected", "words"),
    [
        ("eu-west-1", "eu-west-1", ("us-east-1",), MANUAL, "did not cover"),  # filters exist, unseen
        ("eu-west-1", None, ("us-east-1",), MANUAL, "ct (eu-west-1)"),
        ("eu-west-1", "eu-west-1", ("us-east-1", "eu-west-1"), PASS, "notifies"),
        ("eu-west-1", None, ("us-east-1", "eu-west-1"), FAIL, "No metric filter"),
    ],
)
def test_alarm_checks_do_not_fail_on_an_unscanned_log_group_region(
    group_region: str, pieces_in: str | None, scanned: tuple[str, ...], expected: Status, words: str
) -> None:
    pieces = alarm_pieces(pieces_in) if pieces_in else ()
    finding = only("cloudwatch_alarm_root_usage", inventory(alarm_trail(group_region), *pieces, regions=scanned))
    assert finding.status is expected and words in finding.message.en
