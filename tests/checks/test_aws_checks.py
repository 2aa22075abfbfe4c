"""Properties every AWS check shares, run over one sample estate that touches every resource type."""

from __future__ import annotations

import pytest

from checksheet.checks.base import GLOBAL, Check, run_check
from checksheet.inventory import Inventory
from checksheet.model import Fault, Resource, Status
from tests.checks.aws_builders import ACCOUNT, NOW, ago, aws_checks, later, res, scope

REGIONS = ("us-east-1", "eu-west-1")
WORLD_SSH = {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidrs": ["0.0.0.0/0"], "ipv6_cidrs": [],
             "source_groups": []}
DB_ARN = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders"
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/sessions"
GROUP_ARN = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:trail"


def estate() -> list[Resource]:
    """A small, imperfect SaaS account: every check has something to say about it."""
    g = GLOBAL
    return [
        res("aws.ec2.vpc", "vpc-1", cidr="10.0.0.0/16", is_default=False, tags={}),
        res("aws.ec2.subnet", "pub", vpc_id="vpc-1", public=True),
        res("aws.ec2.subnet", "priv", vpc_id="vpc-1", public=False),
        res("aws.ec2.security_group", "sg-web", vpc_id="vpc-1", name="web", is_default=False,
            ingress=[WORLD_SSH], egress=[]),
        res("aws.ec2.security_group", "sg-def", vpc_id="vpc-1", name="default", is_default=True, ingress=[],
            egress=[]),
        res("aws.ec2.network_acl", "acl-1", vpc_id="vpc-1", is_default=True, entries=[
            {"egress": False, "rule_number": 100, "protocol": "-1", "action": "allow", "cidr": "0.0.0.0/0",
             "ipv6_cidr": None, "from_port": None, "to_port": None}]),
        res("aws.ec2.instance", "i-app", state="running", vpc_id="vpc-1", subnet_id="priv", public_ip=None,
            tags={}, imds_v2_required=False),
        res("aws.ec2.instance", "i-web", state="running", vpc_id="vpc-1", subnet_id="pub", public_ip="3.3.3.3",
            tags={}, imds_v2_required=True),
        res("aws.ec2.volume", "vol-1", encrypted=False, size_gib=8, instance_ids=["i-app"]),
        res("aws.ec2.snapshot", "snap-1", encrypted=True, volume_id="vol-1", start_time=ago(3)),
        res("aws.ec2.ebs_default_encryption", "us-east-1", enabled=True),
        res("aws.ec2.flow_log", "fl-1", resource_id="vpc-1", status="ACTIVE", traffic_type="ALL",
            destination_type="s3"),
        res("aws.elbv2.load_balancer", "arn:lb", name="web", scheme="internet-facing", lb_type="application",
            vpc_id="vpc-1", azs=["us-east-1a"], listeners=[{"port": 80, "protocol": "HTTP"}], web_acl_arn=None),
        res("aws.rds.instance", "orders", arn=DB_ARN, engine="postgres", publicly_accessible=False,
            storage_encrypted=True, multi_az=False, backup_retention_days=7, deletion_protection=False,
            auto_minor_version_upgrade=True, vpc_id="vpc-1", subnet_ids=["priv"], cluster_id=None, tags={}),
        res("aws.rds.snapshot", "orders-snap", encrypted=True, public=False, source_id="orders"),
        res("aws.s3.account_public_access_block", ACCOUNT, region=g, block_public_acls=True,
            ignore_public_acls=True, block_public_policy=True, restrict_public_buckets=False),
        res("aws.s3.bucket", "trail-logs", arn="arn:aws:s3:::trail-logs", public_access_block=None,
            encryption={"algorithm": "AES256"}, versioning="Enabled", mfa_delete=False, object_lock=None,
            policy=None, logging_target=None, public_acl=False),
        res("aws.cloudtrail.trail", "arn:trail", name="main", multi_region=True, logging=True,
            log_file_validation=True, s3_bucket="trail-logs", kms_key_id=None, cloudwatch_log_group_arn=GROUP_ARN,
            management_events=True),
        res("aws.logs.log_group", "trail", retention_days=30),
        res("aws.logs.metric_filter", "trail:root", log_group="trail", name="root",
            pattern='{ $.userIdentity.type = "Root" }', metrics=[{"namespace": "CIS", "name": "Root"}]),
        res("aws.cloudwatch.alarm", "root", namespace="CIS", metric_name="Root", actions=["arn:sns"], enabled=True),
        res("aws.guardduty.detector", "det", status="ENABLED"),
        res("aws.securityhub.hub", "hub", subscribed_at=ago(100)),
        res("aws.config.recorder", "default", recording=True, all_supported=True, include_global=True),
        res("aws.iam.user", "alice", region=g, created=ago(400), password_enabled=True, password_last_used=ago(200),
            mfa_active=False, access_keys=[{"suffix": "WXYZ", "active": True, "created": ago(300),
                                           "last_used": ago(1)}],
            attached_policy_arns=["arn:aws:iam::aws:policy/AdministratorAccess"], inline_policies=[]),
        res("aws.iam.root", ACCOUNT, region=g, mfa_active=True, active_access_keys=0, password_last_used=ago(5)),
        res("aws.iam.password_policy", ACCOUNT, region=g, exists=True, minimum_length=8, reuse_prevention=0),
        res("aws.accessanalyzer.analyzer", "arn:aa", name="aa", analyzer_type="ACCOUNT", status="ACTIVE"),
        res("aws.kms.key", "k-1", manager="CUSTOMER", state="Enabled", spec="SYMMETRIC_DEFAULT",
            rotation_enabled=False),
        res("aws.ssm.managed_instance", "i-app", ping_status="Online", agent_version="3"),
        res("aws.ssm.patch_compliance", "i-app", compliant=True, critical_missing=0, security_missing=0,
            last_scan=ago(1)),
        res("aws.ssm.session_preferences", "us-east-1", s3_bucket=None, cloudwatch_log_group="/ssm"),
        res("aws.backup.plan", "plan-1", name="daily", rules=[{"vault": "main"}],
            selections=[{"resources": [DB_ARN], "conditions": None}]),
        res("aws.backup.vault", "main", locked=False, recovery_points=3),
        res("aws.backup.recovery_point", "rp-1", resource_arn=DB_ARN, created=ago(hours=5), status="COMPLETED"),
        res("aws.dynamodb.table", "sessions", arn=TABLE_ARN, sse_type=None, pitr=True),
        res("aws.efs.file_system", "fs-1", encrypted=True),
        res("aws.elasticache.replication_group", "cache", at_rest_encryption=True, transit_encryption=False),
        res("aws.acm.certificate", "arn:cert", domain="app.example.com", status="ISSUED", not_after=later(10),
            in_use_by=["arn:lb"]),
    ]


CHECKS = sorted(aws_checks().values(), key=lambda c: c.id)
IDS = [c.id for c in CHECKS]


def scanned() -> Inventory:
    return Inventory([*scope(regions=REGIONS), *estate()], collected_at=NOW)


@pytest.mark.parametrize("check", CHECKS, ids=IDS)
def test_every_check_speaks_about_the_estate(check: Check) -> None:
    findings = list(run_check(check, scanned()))
    assert findings and all(f.status in (Status.PASS, Status.FAIL, Status.MANUAL) for f in findings)
    for f in findings:
        assert (f.provider, f.account) == ("aws", ACCOUNT)
        assert f.message.ja and f.message.en and f.message.ja != f.message.en


@pytest.mark.parametrize("check", CHECKS, ids=IDS)
def test_empty_inventory_gives_no_findings(check: Check) -> None:
    assert list(run_check(check, Inventory(collected_at=NOW))) == []


@pytest.mark.parametrize("check", CHECKS, ids=IDS)
def test_without_a_scanned_aws_account_there_are_no_findings(check: Check) -> None:
    host_only = Inventory([*estate(), Resource("host", "web-1", GLOBAL, "host.os", "web-1", {})], collected_at=NOW)
    assert list(run_check(check, host_only)) == []


@pytest.mark.parametrize(("check", "needed"), [(c, t) for c in CHECKS for t in c.needs],
                         ids=[f"{c.id}-{t}" for c in CHECKS for t in c.needs])
def test_a_fault_on_any_needed_type_is_an_error_and_never_a_pass(check: Check, needed: str) -> None:
    faults = [Fault("aws", ACCOUNT, r, "svc", needed, "svc:Describe", "AccessDenied") for r in (*REGIONS, GLOBAL)]
    inv = Inventory([*scope(regions=REGIONS), *estate()], faults, collected_at=NOW)
    statuses = {f.status for f in run_check(check, inv)}
    assert Status.ERROR in statuses
    assert Status.PASS not in statuses


def test_the_estate_is_judged_as_expected_on_key_checks() -> None:
    inv = scanned()
    expect = {
        "ec2_sg_no_ssh_open_to_internet": {"sg-web": Status.FAIL, "sg-def": Status.PASS},
        "ec2_instance_no_public_ip": {"i-app": Status.PASS, "i-web": Status.FAIL},
        "guardduty_enabled_all_regions": {"us-east-1": Status.PASS, "eu-west-1": Status.FAIL},
    }
    for check_id, wanted in expect.items():
        got = {
            (f.region if f.resource_type == "aws.account" else f.resource_id): f.status
            for f in run_check(aws_checks()[check_id], inv)
        }
        assert got == wanted, check_id
