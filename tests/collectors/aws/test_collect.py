"""The AWS collectors against moto: good and bad settings come out as the contract's attributes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from checksheet.collectors import aws
from checksheet.collectors.aws.engine import resource_types
from checksheet.inventory import Inventory
from checksheet.model import Resource
from tests.collectors.aws.moto_server import ACCOUNT, MotoServer, aws_environment, environment
from tests.collectors.aws.seed import HOME, REGIONS, TOKYO, seed

#: Calls moto 5.2.5 answers with HTTP 500 (not implemented): honest faults, not gaps.
MOTO_MISSING = {"access-analyzer:ListAnalyzers", "ssm:DescribeInstanceInformation", "backup:ListBackupSelections"}
#: Types moto cannot create (it has no backup jobs, so no recovery points).
MOTO_CANNOT_CREATE = {"aws.backup.recovery_point"}


@pytest.fixture(scope="module")
def scanned(moto: MotoServer) -> Iterator[tuple[aws.Collection, dict[str, dict[str, Any]], str]]:
    made = moto.seeded(seed)
    with environment(aws_environment(moto.url)):
        yield aws.scan(aws.Access(), REGIONS), made, made["global"]["alice_key"]


@pytest.fixture(scope="module")
def inv(scanned: tuple[aws.Collection, dict[str, dict[str, Any]], str]) -> Inventory:
    return scanned[0].inventory


def one(inv: Inventory, resource_type: str, resource_id: str) -> Resource:
    found = inv.get(resource_type, resource_id)
    assert found is not None, f"{resource_type} {resource_id} not collected"
    return found


def named(inv: Inventory, resource_type: str, region: str, **attributes: Any) -> Resource:
    hits = [r for r in inv.of(resource_type) if r.region == region
            and all(r.attributes.get(k) == v for k, v in attributes.items())]
    assert len(hits) == 1, f"{resource_type} {attributes} in {region}: {len(hits)} found"
    return hits[0]


def test_every_type_is_collected_or_faulted(inv: Inventory) -> None:
    faulted = {f.resource_type for f in inv.faults}
    missing = {t for t in resource_types(aws.ALL) if not inv.of(t) and t not in faulted}
    assert missing == MOTO_CANNOT_CREATE


def test_faults_are_exactly_what_moto_does_not_implement(inv: Inventory) -> None:
    assert {f.action for f in inv.faults} == MOTO_MISSING
    assert {(f.region, f.action) for f in inv.faults} == {(r, a) for r in REGIONS for a in MOTO_MISSING}
    for f in inv.faults:
        assert f.provider == "aws" and f.account == ACCOUNT
        assert f.action in f.message and "HTTP 500" in f.message, f.message
    # one failed call feeds every type it would have filled
    ssm = {f.resource_type for f in inv.faults if f.action == "ssm:DescribeInstanceInformation"}
    assert ssm == {"aws.ssm.managed_instance", "aws.ssm.patch_compliance"}


def test_account_regions_and_organization(inv: Inventory) -> None:
    account = one(inv, "aws.account", ACCOUNT)
    assert account.region == "global"
    assert account.attributes["regions"] == list(REGIONS)
    assert account.attributes["partition"] == "aws"
    assert str(account.attributes["organization_id"]).startswith("o-")
    assert account.attributes["management_account_id"] == ACCOUNT
    assert {r.id: r.attributes["opt_in_status"] for r in inv.of("aws.region")} == {
        HOME: "opt-in-not-required", TOKYO: "opt-in-not-required"}
    assert ACCOUNT in {a.id for a in inv.of("aws.organizations.account")}


def test_security_groups(inv: Inventory, scanned: Any) -> None:
    made = scanned[1]
    for region in REGIONS:
        ssh = one(inv, "aws.ec2.security_group", made[region]["ssh_open"])
        assert ssh.region == region and ssh.attributes["name"] == "ssh-open" and not ssh.attributes["is_default"]
        assert ssh.attributes["ingress"] == [{"protocol": "tcp", "from_port": 22, "to_port": 22,
                                              "cidrs": ["0.0.0.0/0"], "ipv6_cidrs": ["::/0"],
                                              "source_groups": [], "prefix_lists": []}]
        assert ssh.attributes["egress"][0]["protocol"] == "-1" and ssh.attributes["egress"][0]["to_port"] is None
        app = one(inv, "aws.ec2.security_group", made[region]["app"])
        assert app.attributes["ingress"][0]["source_groups"] == [made[region]["web"]]
        assert app.attributes["ingress"][0]["cidrs"] == []
        assert named(inv, "aws.ec2.security_group", region, vpc_id=made[region]["vpc"], is_default=True)


def test_subnets_route_tables_and_gateways(inv: Inventory, scanned: Any) -> None:
    made = scanned[1][HOME]
    public = one(inv, "aws.ec2.subnet", made["public"]).attributes
    private = one(inv, "aws.ec2.subnet", made["private"]).attributes
    assert public["public"] is True and public["route_table_id"] == made["rtb"]
    assert private["public"] is False and private["route_table_id"] != made["rtb"]
    table = one(inv, "aws.ec2.route_table", made["rtb"]).attributes
    assert table["main"] is False and sorted(table["subnet_ids"]) == sorted([made["public"], made["public_b"]])
    assert {"destination": "0.0.0.0/0", "gateway_id": made["igw"], "nat_gateway_id": None} in table["routes"]
    main = one(inv, "aws.ec2.route_table", private["route_table_id"]).attributes
    assert main["main"] is True and main["vpc_id"] == made["vpc"]
    assert one(inv, "aws.ec2.internet_gateway", made["igw"]).attributes["vpc_ids"] == [made["vpc"]]
    nat = one(inv, "aws.ec2.nat_gateway", made["nat"]).attributes
    assert nat["vpc_id"] == made["vpc"] and nat["subnet_id"] == made["public"]
    assert one(inv, "aws.ec2.vpc", made["vpc"]).attributes == {"cidr": "10.0.0.0/16", "is_default": False,
                                                                "tags": {"Name": "app"}}
    acl = named(inv, "aws.ec2.network_acl", HOME, vpc_id=made["vpc"], is_default=True).attributes
    assert made["private"] in acl["subnet_ids"]
    inbound = [e for e in acl["entries"] if not e["egress"] and e["rule_number"] == 100]
    assert inbound == [{"egress": False, "rule_number": 100, "protocol": "-1", "action": "allow",
                        "cidr": "0.0.0.0/0", "ipv6_cidr": None, "from_port": None, "to_port": None}]
    flow = named(inv, "aws.ec2.flow_log", HOME, resource_id=made["vpc"]).attributes
    assert flow["traffic_type"] == "ALL" and flow["destination_type"] == "cloud-watch-logs"
    endpoint = one(inv, "aws.ec2.vpc_endpoint", made["endpoint"]).attributes
    assert endpoint["service_name"] == f"com.amazonaws.{HOME}.s3"


def test_instances_volumes_snapshots(inv: Inventory, scanned: Any) -> None:
    made = scanned[1][TOKYO]
    bastion = one(inv, "aws.ec2.instance", made["bastion"])
    assert bastion.region == TOKYO
    assert bastion.attributes["tags"] == {"Role": "bastion"}
    assert bastion.attributes["imds_v2_required"] is False and bastion.attributes["subnet_id"] == made["public"]
    assert bastion.attributes["security_group_ids"] == [made["ssh_open"]]
    app = one(inv, "aws.ec2.instance", made["app_instance"]).attributes
    assert app["imds_v2_required"] is True and app["state"] == "running" and app["launch_time"].endswith("+00:00")
    assert one(inv, "aws.ec2.volume", made["plain_volume"]).attributes["encrypted"] is False
    sealed = one(inv, "aws.ec2.volume", made["sealed_volume"]).attributes
    assert sealed["encrypted"] is True and sealed["size_gib"] == 20
    snapshot = one(inv, "aws.ec2.snapshot", made["snapshot"]).attributes
    assert snapshot == {"encrypted": False, "volume_id": made["plain_volume"], "start_time": snapshot["start_time"]}
    assert {scanned[1][r]["snapshot"] for r in REGIONS} <= {s.id for s in inv.of("aws.ec2.snapshot")}
    assert one(inv, "aws.ec2.ebs_default_encryption", HOME).attributes == {"enabled": True}
    default_off = [r for r in inv.of("aws.ec2.ebs_default_encryption") if r.region == TOKYO]
    assert [r.attributes for r in default_off] == [{"enabled": False}]


def test_load_balancers_listeners_and_waf(inv: Inventory, scanned: Any) -> None:
    made = scanned[1][HOME]
    web = one(inv, "aws.elbv2.load_balancer", made["lb"]).attributes
    assert web["scheme"] == "internet-facing" and web["lb_type"] == "application"
    assert len(web["azs"]) == 2 and web["security_group_ids"] == [made["web"]]
    listeners = {x["port"]: x for x in web["listeners"]}
    assert listeners[80]["protocol"] == "HTTP" and listeners[80]["redirects_to_https"] is True
    assert listeners[443] == {"port": 443, "protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                              "redirects_to_https": False}
    assert web["web_acl_arn"] == made["acl"]
    internal = one(inv, "aws.elbv2.load_balancer", made["internal"]).attributes
    assert internal["web_acl_arn"] is None and internal["scheme"] == "internal"
    acl = one(inv, "aws.wafv2.web_acl", made["acl"]).attributes
    assert acl == {"name": "edge", "resource_arns": [made["lb"]]}


def test_databases(inv: Inventory) -> None:
    orders = [r for r in inv.of("aws.rds.instance") if r.id == "orders"]
    assert {r.region for r in orders} == set(REGIONS)
    good = orders[0].attributes
    assert good["storage_encrypted"] and good["multi_az"] and good["deletion_protection"]
    assert not good["publicly_accessible"] and good["backup_retention_days"] == 14
    assert good["vpc_id"] and len(good["subnet_ids"]) == 2 and good["tags"] == {"env": "prod"}
    legacy = one(inv, "aws.rds.instance", "legacy").attributes
    assert legacy["publicly_accessible"] and not legacy["storage_encrypted"]
    assert legacy["auto_minor_version_upgrade"] is False and legacy["backup_retention_days"] == 1
    snapshot = one(inv, "aws.rds.snapshot", "legacy-manual").attributes
    assert snapshot["public"] is True and snapshot["encrypted"] is False and snapshot["kind"] == "instance"
    assert snapshot["source_id"] == "legacy" and snapshot["snapshot_type"] == "manual"
    cluster_snapshot = one(inv, "aws.rds.snapshot", "analytics-manual").attributes
    assert cluster_snapshot["kind"] == "cluster" and cluster_snapshot["public"] is False
    assert cluster_snapshot["encrypted"] is True
    shared = one(inv, "aws.rds.snapshot", "reporting-manual").attributes
    assert (shared["kind"], shared["encrypted"], shared["public"]) == ("cluster", False, True)
    cluster = one(inv, "aws.rds.cluster", "analytics").attributes
    assert cluster["engine"] == "aurora-postgresql" and cluster["storage_encrypted"] is True
    tables = {r.id: r.attributes for r in inv.of("aws.dynamodb.table") if r.region == HOME}
    assert tables["ledger"]["sse_type"] == "KMS" and tables["ledger"]["pitr"] is True
    assert tables["sessions"]["sse_type"] is None and tables["sessions"]["pitr"] is False
    file_systems = sorted(r.attributes["encrypted"] for r in inv.of("aws.efs.file_system") if r.region == HOME)
    assert file_systems == [False, True]
    cache = named(inv, "aws.elasticache.replication_group", HOME).attributes
    assert cache == {"at_rest_encryption": True, "transit_encryption": True, "multi_az": True,
                     "automatic_failover": True}


def test_buckets_and_account_block(inv: Inventory) -> None:
    secure = one(inv, "aws.s3.bucket", "secure-data-bucket")
    assert secure.region == HOME
    a = secure.attributes
    assert a["public_access_block"] == {"block_public_acls": True, "ignore_public_acls": True,
                                        "block_public_policy": True, "restrict_public_buckets": True}
    assert a["encryption"] == {"algorithm": "aws:kms", "kms_key_id": "alias/data"}
    assert a["versioning"] == "Enabled" and a["logging_target"] == "access-logs-bucket"
    assert a["policy"]["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # Its block ignores public ACLs, so its ACL cannot expose it and is not read.
    assert a["public_acl"] is None and a["object_lock"] is None and a["arn"] == "arn:aws:s3:::secure-data-bucket"
    public = one(inv, "aws.s3.bucket", "public-assets-bucket").attributes
    assert public["public_acl"] is True and public["public_access_block"] is None
    assert public["encryption"] is None and public["versioning"] is None and public["policy"] is None
    locked = one(inv, "aws.s3.bucket", "locked-archive-bucket")
    assert locked.region == TOKYO
    lock = locked.attributes["object_lock"]
    assert (lock["enabled"], lock["mode"], lock["years"]) == (True, "COMPLIANCE", 7)
    assert {b.id for b in inv.of("aws.s3.bucket") if b.region == TOKYO} == {"locked-archive-bucket",
                                                                            f"trail-{TOKYO}"}
    assert one(inv, "aws.s3.account_public_access_block", ACCOUNT).attributes == {
        "block_public_acls": True, "ignore_public_acls": True, "block_public_policy": True,
        "restrict_public_buckets": False}


def test_bucket_acls_are_read_only_where_public_acls_count(moto: MotoServer, inv: Inventory) -> None:
    asked: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        asked.append(params["Bucket"])

    buckets_only = [c for c in aws.ALL if c.name == "s3.buckets"]
    with environment(aws_environment(moto.url)):
        access = aws.Access(hooks=(("provide-client-params.s3.GetBucketAcl", record),))
        aws.collect(aws.Connector(access), buckets_only, (HOME,))
    assert "public-assets-bucket" in asked and "access-logs-bucket" in asked
    assert "secure-data-bucket" not in asked


def test_trails_logs_and_alarms(inv: Inventory) -> None:
    trails = {r.attributes["name"]: r for r in inv.of("aws.cloudtrail.trail")}
    assert sorted(trails) == ["local-trail", "org-trail"]  # each trail once, not once per region
    org = trails["org-trail"]
    assert org.region == HOME
    assert {k: org.attributes[k] for k in ("multi_region", "logging", "log_file_validation", "management_events",
                                           "management_read_write")} == {
        "multi_region": True, "logging": True, "log_file_validation": True, "management_events": True,
        "management_read_write": "All"}
    assert org.attributes["cloudwatch_log_group_arn"].endswith(":log-group:trail:*")
    local = trails["local-trail"]
    assert local.region == TOKYO and local.attributes["log_file_validation"] is False
    assert local.attributes["logging"] is False and local.attributes["multi_region"] is False
    groups = {r.id: r.attributes for r in inv.of("aws.logs.log_group") if r.region == HOME}
    assert groups["trail"]["retention_days"] == 400 and groups["app"]["retention_days"] is None
    metric_filter = one(inv, "aws.logs.metric_filter", "trail:root-usage").attributes
    assert metric_filter["metrics"] == [{"namespace": "CIS", "name": "RootUsage"}]
    assert "Root" in metric_filter["pattern"]
    alarm = named(inv, "aws.cloudwatch.alarm", HOME).attributes
    assert alarm["metric_name"] == "RootUsage" and alarm["namespace"] == "CIS" and alarm["enabled"] is True
    assert alarm["actions"] == [f"arn:aws:sns:{HOME}:{ACCOUNT}:security"]


def test_detection_services_per_region(inv: Inventory) -> None:
    assert [(d.region, d.attributes["status"]) for d in inv.of("aws.guardduty.detector")] == [(HOME, "ENABLED")]
    assert [h.region for h in inv.of("aws.securityhub.hub")] == [HOME]
    recorder = one(inv, "aws.config.recorder", "default")
    assert recorder.region == HOME
    assert recorder.attributes == {"recording": True, "all_supported": True, "include_global": True}


def test_keys_sessions_backups_certificates(inv: Inventory) -> None:
    keys = [k.attributes for k in inv.of("aws.kms.key") if k.region == HOME]
    customer = sorted((k["spec"], k["rotation_enabled"]) for k in keys if k["manager"] == "CUSTOMER")
    assert customer == [("RSA_2048", None), ("SYMMETRIC_DEFAULT", False), ("SYMMETRIC_DEFAULT", True)]
    assert all(k["rotation_enabled"] is None for k in keys if k["manager"] == "AWS")
    prefs = {p.region: p.attributes for p in inv.of("aws.ssm.session_preferences")}
    assert prefs[HOME] == {"s3_bucket": "session-logs", "cloudwatch_log_group": None, "kms_key_id": None}
    assert prefs[TOKYO] == {"s3_bucket": None, "cloudwatch_log_group": None, "kms_key_id": None}
    vault = named(inv, "aws.backup.vault", HOME, locked=True).attributes
    assert vault["min_retention_days"] == 7 and vault["max_retention_days"] == 365
    assert named(inv, "aws.backup.vault", HOME, locked=False).id == "scratch"
    plan = named(inv, "aws.backup.plan", HOME, name="daily").attributes
    assert plan["rules"] == [{"schedule": "cron(0 5 ? * * *)", "vault": "primary", "delete_after_days": 35,
                              "copy_to": []}]
    certificate = named(inv, "aws.acm.certificate", HOME).attributes
    assert certificate["domain"] == "app.example.com" and certificate["not_after"]
    assert any(":listener/app/web/" in arn for arn in certificate["in_use_by"])


def test_identities(inv: Inventory, scanned: Any) -> None:
    alice = one(inv, "aws.iam.user", "alice")
    assert alice.region == "global"
    a = alice.attributes
    assert a["password_enabled"] is True and a["mfa_active"] is False
    assert [(k["suffix"], k["active"]) for k in a["access_keys"]] == [(scanned[2][-4:], True)]
    assert a["inline_policies"] == [{"name": "admin", "document": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]
    bob = one(inv, "aws.iam.user", "bob").attributes
    assert bob["mfa_active"] is True and bob["access_keys"] == [] and bob["group_names"] == ["developers"]
    assert bob["group_policy_arns"] == [f"arn:aws:iam::{ACCOUNT}:policy/read"]
    assert [(p["group"], p["name"]) for p in bob["group_inline_policies"]] == [("developers", "logs")]
    bot = one(inv, "aws.iam.user", "deploy-bot").attributes
    assert bot["password_enabled"] is False and bot["attached_policy_arns"] == [f"arn:aws:iam::{ACCOUNT}:policy/read"]
    root = one(inv, "aws.iam.root", ACCOUNT).attributes
    assert root["mfa_active"] is False and root["active_access_keys"] == 0
    policy = one(inv, "aws.iam.password_policy", ACCOUNT).attributes
    assert policy["exists"] is True and policy["minimum_length"] == 14 and policy["reuse_prevention"] == 24
    role = one(inv, "aws.iam.role", "app-server").attributes
    assert role["trust_policy"]["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert role["path"] == "/"


def test_no_secrets_and_json_only(inv: Inventory, scanned: Any) -> None:
    dumped = json.dumps([r.attributes for r in inv])  # every attribute is plain JSON
    assert scanned[2] not in dumped  # a full access key id never leaves the collector
    for secret in ("Correct-Horse-9", "Battery-Staple-9", "not-a-secret-1", "testing"):
        assert secret not in dumped
    assert all(f.message and "testing" not in f.message for f in inv.faults)


def test_narrowed_to_one_region(moto: MotoServer, scanned: Any) -> None:
    with environment(aws_environment(moto.url)):
        narrow = aws.scan(aws.Access(), (TOKYO,)).inventory
    assert {r.region for r in narrow if r.type != "aws.cloudtrail.trail"} == {TOKYO, "global"}
    assert one(narrow, "aws.account", ACCOUNT).attributes["regions"] == [TOKYO]
    assert {b.id for b in narrow.of("aws.s3.bucket")} == {"locked-archive-bucket", f"trail-{TOKYO}"}
    # a multi-region trail whose home region is not scanned is still read, once, in a scanned region
    assert sorted((t.attributes["name"], t.region) for t in narrow.of("aws.cloudtrail.trail")) == [
        ("local-trail", TOKYO), ("org-trail", HOME)]
