"""The demo seed creates what its manifest claims, read back through boto3 from a real moto server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from checksheet.demo.seed import PRIMARY, REGIONS, SECONDARY, Manifest, seed
from checksheet.demo.server import EmulatedAws, aws_env


@pytest.fixture(scope="module")
def emulated() -> Iterator[tuple[EmulatedAws, Manifest]]:
    with EmulatedAws() as server:
        yield server, server.seed(size=1)


@pytest.fixture(scope="module")
def manifest(emulated: tuple[EmulatedAws, Manifest]) -> Manifest:
    return emulated[1]


@pytest.fixture(scope="module")
def aws(emulated: tuple[EmulatedAws, Manifest]) -> Any:
    session = boto3.session.Session(aws_access_key_id="k", aws_secret_access_key="s")
    clients: dict[tuple[str, str], Any] = {}

    def client(service: str, region: str = PRIMARY) -> Any:
        if (service, region) not in clients:
            clients[(service, region)] = session.client(service, region_name=region, endpoint_url=emulated[0].endpoint)
        return clients[(service, region)]

    return client


def _instances(aws: Any) -> dict[str, dict[str, Any]]:
    found = {}
    for region in REGIONS:
        for reservation in aws("ec2", region).describe_instances()["Reservations"]:
            for i in reservation["Instances"]:
                found[i["InstanceId"]] = {**i, "Tags": {t["Key"]: t["Value"] for t in i.get("Tags", [])}}
    return found


def test_every_claimed_resource_exists_and_nothing_else(aws: Any, manifest: Manifest) -> None:
    """Counts read back per type equal the manifest's (moto's default VPCs and groups aside)."""
    def per_region(service: str, call: str, key: str, **kw: Any) -> int:
        return sum(len(getattr(aws(service, r), call)(**kw)[key]) for r in REGIONS)

    ours = {"Name": "tag-key", "Values": ["Name"]}
    assert per_region("ec2", "describe_vpcs", "Vpcs", Filters=[ours]) == manifest.count("aws.ec2.vpc") == 2
    assert per_region("ec2", "describe_subnets", "Subnets", Filters=[ours]) == manifest.count("aws.ec2.subnet")
    assert len(_instances(aws)) == manifest.count("aws.ec2.instance") >= 6
    assert per_region("rds", "describe_db_instances", "DBInstances") == manifest.count("aws.rds.instance") == 3
    assert per_region("elbv2", "describe_load_balancers", "LoadBalancers") == manifest.count("aws.elbv2.load_balancer")
    assert per_region("dynamodb", "list_tables", "TableNames") == manifest.count("aws.dynamodb.table")
    assert per_region("efs", "describe_file_systems", "FileSystems") == manifest.count("aws.efs.file_system")
    assert per_region("kms", "list_keys", "Keys") == manifest.count("aws.kms.key")
    assert per_region("acm", "list_certificates", "CertificateSummaryList") == manifest.count("aws.acm.certificate")
    assert {b["Name"] for b in aws("s3").list_buckets()["Buckets"]} == set(manifest.resources["aws.s3.bucket"])
    assert {u["UserName"] for u in aws("iam").list_users()["Users"]} == set(manifest.resources["aws.iam.user"])
    volumes = sum(len(aws("ec2", r).describe_volumes(Filters=[ours])["Volumes"]) for r in REGIONS)
    assert volumes == manifest.count("aws.ec2.volume")


def test_network_mistakes_are_real(aws: Any, manifest: Manifest) -> None:
    groups = {g["GroupId"]: g for r in REGIONS for g in aws("ec2", r).describe_security_groups()["SecurityGroups"]}

    def open_ports(group_id: str) -> set[int]:
        return {p["FromPort"] for p in groups[group_id]["IpPermissions"]
                if any(ip["CidrIp"] == "0.0.0.0/0" for ip in p.get("IpRanges", []))}

    (ssh,) = manifest.mistakes["ssh_open_to_internet"]
    (db,) = manifest.mistakes["db_port_open_to_internet"]
    assert open_ports(ssh) == {22} and open_ports(db) == {5432}
    instances = _instances(aws)
    public = {i for i, d in instances.items() if d.get("PublicIpAddress")}
    bastions = {i for i, d in instances.items() if d["Tags"].get("Role") == "bastion"}
    assert bastions and bastions <= public
    assert public - bastions == set(manifest.mistakes["public_instance_not_entry_point"])
    (stray,) = manifest.mistakes["imds_v1_allowed"]
    assert instances[stray]["MetadataOptions"]["HttpTokens"] == "optional"
    others = set(instances) - {stray}
    assert {instances[i]["MetadataOptions"]["HttpTokens"] for i in others} == {"required"}
    (no_flow,) = manifest.mistakes["no_flow_logs"]
    logged = {f["ResourceId"] for r in REGIONS for f in aws("ec2", r).describe_flow_logs()["FlowLogs"]}
    assert no_flow not in logged and len(logged) == 1


def test_databases_one_good_one_bad(aws: Any, manifest: Manifest) -> None:
    dbs = {d["DBInstanceIdentifier"]: d for d in aws("rds").describe_db_instances()["DBInstances"]}
    good, bad = dbs["acme-prod-db"], dbs["acme-analytics-db"]
    assert good["StorageEncrypted"] and good["MultiAZ"] and good["DeletionProtection"]
    assert good["BackupRetentionPeriod"] >= 7 and not good["PubliclyAccessible"]
    assert bad["PubliclyAccessible"] and not bad["StorageEncrypted"]
    assert set(manifest.mistakes["rds_public"]) == set(manifest.mistakes["rds_unencrypted"]) == {"acme-analytics-db"}
    manual = aws("rds").describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
    snapshots = {s["DBSnapshotIdentifier"]: s["Encrypted"] for s in manual}
    assert [k for k, enc in snapshots.items() if not enc] == list(manifest.mistakes["rds_snapshot_unencrypted"])


def test_buckets_trail_bucket_locked_marketing_bucket_open(aws: Any, manifest: Manifest) -> None:
    s3 = aws("s3")
    trail = aws("cloudtrail").describe_trails()["trailList"]
    assert [t["TrailARN"] for t in trail] == list(manifest.resources["aws.cloudtrail.trail"])
    (t,) = trail
    assert t["IsMultiRegionTrail"] and t["LogFileValidationEnabled"] and t["CloudWatchLogsLogGroupArn"]
    assert "KmsKeyId" not in t
    assert aws("cloudtrail").get_trail_status(Name=t["Name"])["IsLogging"]
    bucket = t["S3BucketName"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"
    (public,) = manifest.mistakes["bucket_public"]
    with pytest.raises(s3.exceptions.ClientError, match="ServerSideEncryptionConfigurationNotFound"):
        s3.get_bucket_encryption(Bucket=public)
    with pytest.raises(s3.exceptions.ClientError, match="NoSuchPublicAccessBlockConfiguration"):
        s3.get_public_access_block(Bucket=public)
    for name in set(manifest.resources["aws.s3.bucket"]) - {public}:
        assert s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
        assert all(s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"].values())


def test_monitoring_only_in_the_primary_region(aws: Any, manifest: Manifest) -> None:
    assert len(aws("guardduty", PRIMARY).list_detectors()["DetectorIds"]) == 1
    assert aws("guardduty", SECONDARY).list_detectors()["DetectorIds"] == []
    (recorder,) = aws("config", PRIMARY).describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
    assert recorder["recording"]
    assert aws("config", SECONDARY).describe_configuration_recorders()["ConfigurationRecorders"] == []
    filters = aws("logs").describe_metric_filters()["metricFilters"]
    alarms = {a["MetricName"] for a in aws("cloudwatch").describe_alarms()["MetricAlarms"]}
    unalarmed = {f"{f['logGroupName']}:{f['filterName']}" for f in filters
                 if f["metricTransformations"][0]["metricName"] not in alarms}
    assert unalarmed == set(manifest.mistakes["filter_without_alarm"])


def test_people_mfa_and_old_key(aws: Any, manifest: Manifest) -> None:
    iam = aws("iam")
    no_mfa_console = set()
    for name in manifest.resources["aws.iam.user"]:
        try:
            iam.get_login_profile(UserName=name)
        except iam.exceptions.NoSuchEntityException:
            continue
        if not iam.list_mfa_devices(UserName=name)["MFADevices"]:
            no_mfa_console.add(name)
    assert no_mfa_console == set(manifest.mistakes["console_without_mfa"]) == {"k.takahashi"}
    (old,) = manifest.mistakes["access_key_older_than_90_days"]
    (key,) = iam.list_access_keys(UserName=old)["AccessKeyMetadata"]
    assert datetime.now(UTC) - key["CreateDate"] > timedelta(days=90)
    fresh = [k for u in manifest.key_ages if u != old for k in iam.list_access_keys(UserName=u)["AccessKeyMetadata"]]
    assert fresh and all(datetime.now(UTC) - k["CreateDate"] < timedelta(days=90) for k in fresh)
    (admin,) = manifest.mistakes["admin_policy_on_user"]
    attached = iam.list_attached_user_policies(UserName=admin)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AdministratorAccess"]
    assert iam.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"] < 14


def test_encryption_states(aws: Any, manifest: Manifest) -> None:
    ours = [{"Name": "tag-key", "Values": ["Name"]}]
    volumes = {v["VolumeId"]: v["Encrypted"]
               for r in REGIONS for v in aws("ec2", r).describe_volumes(Filters=ours)["Volumes"]}
    assert {v for v, enc in volumes.items() if not enc} == set(manifest.mistakes["volume_unencrypted"])
    snaps = {s["SnapshotId"]: s["Encrypted"] for r in REGIONS
             for s in aws("ec2", r).describe_snapshots(Filters=ours)["Snapshots"]}
    assert {s for s, enc in snaps.items() if not enc} == set(manifest.mistakes["snapshot_unencrypted"])
    rotation = {k: aws("kms", r).get_key_rotation_status(KeyId=k)["KeyRotationEnabled"]
                for r in REGIONS for k in (x["KeyId"] for x in aws("kms", r).list_keys()["Keys"])}
    assert {k for k, on in rotation.items() if not on} == set(manifest.mistakes["kms_rotation_off"])
    assert aws("ec2", PRIMARY).get_ebs_encryption_by_default()["EbsEncryptionByDefault"]
    assert not aws("ec2", SECONDARY).get_ebs_encryption_by_default()["EbsEncryptionByDefault"]
    efs = {f["FileSystemId"]: f["Encrypted"]
           for r in REGIONS for f in aws("efs", r).describe_file_systems()["FileSystems"]}
    assert {f for f, enc in efs.items() if not enc} == set(manifest.mistakes["efs_unencrypted"])


def test_edge_waf_tls_and_certificates(aws: Any, manifest: Manifest) -> None:
    for region in REGIONS:
        elb = aws("elbv2", region)
        for lb in elb.describe_load_balancers()["LoadBalancers"]:
            arn = lb["LoadBalancerArn"]
            acl = aws("wafv2", region).get_web_acl_for_resource(ResourceArn=arn).get("WebACL")
            assert (acl is None) == (arn in manifest.mistakes["alb_without_waf"])
            listeners = {li["Port"]: li for li in elb.describe_listeners(LoadBalancerArn=arn)["Listeners"]}
            assert listeners[443]["Protocol"] == "HTTPS"
            plain = listeners[80]["DefaultActions"][0]["Type"] == "forward"
            assert plain == (arn in manifest.mistakes["alb_plain_http"])
    soon = set(manifest.mistakes["certificate_expires_soon"])
    for region in REGIONS:
        for c in aws("acm", region).list_certificates()["CertificateSummaryList"]:
            left = aws("acm", region).describe_certificate(CertificateArn=c["CertificateArn"])["Certificate"]
            assert (left["NotAfter"] - datetime.now(UTC) < timedelta(days=30)) == (c["CertificateArn"] in soon)
    assert aws("backup").list_backup_plans()["BackupPlansList"]
    assert aws("backup").list_backup_vaults()["BackupVaultList"][0]["Locked"]


def test_a_service_the_emulator_lacks_is_not_implemented_and_not_retried(
    emulated: tuple[EmulatedAws, Manifest], aws: Any
) -> None:
    server = emulated[0]
    before = server.requests()
    with pytest.raises(ClientError) as err:
        aws("accessanalyzer").list_analyzers()
    answer = err.value.response
    assert answer["Error"]["Code"] == "NotImplemented" and answer["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "access-analyzer" in answer["Error"]["Message"]
    after = server.requests()
    assert (after.total - before.total, after.server_errors - before.server_errors) == (1, 1)  # asked once


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="size"):
        seed("http://127.0.0.1:9", size=0)


def test_environment_is_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("MOTO_AMIS_PATH", raising=False)
    before = dict(os.environ)
    with EmulatedAws() as server:
        assert os.environ["MOTO_AMIS_PATH"].endswith("amis.json")
        with aws_env(server.endpoint, PRIMARY):
            assert "AWS_PROFILE" not in os.environ
            assert os.environ["AWS_ENDPOINT_URL"] == server.endpoint
            assert boto3.client("sts").get_caller_identity()["Account"] == "123456789012"
    assert dict(os.environ) == before
