"""The sample company "Acme SaaS" in an emulated AWS account, with good and bad configuration on purpose.

Plain boto3 calls against an endpoint (moto on loopback); nothing here knows about moto.
Two regions: a production stack in ap-northeast-1 that is mostly right, and a DR/staging
stack in us-east-1 where the usual shortcuts were taken (profiles.py says which). `size`
multiplies the stacks and the IAM users (x1 for the demo, x10 for the benchmark).

The returned `Manifest` says what was created and which mistakes were planted, so tests
and the demo can tell a correct verdict from a lucky one.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from checksheet.demo import seed_account as account
from checksheet.demo.profiles import DR, PROD, Database, Profile, suffix
from checksheet.demo.tls import self_signed

PRIMARY = "ap-northeast-1"
SECONDARY = "us-east-1"
REGIONS = (PRIMARY, SECONDARY)
OFFICE_CIDR = "203.0.113.0/24"  # documentation range: the office's fixed address
DUMMY_KEY = "testing"  # moto accepts any key; never a real credential
AMI = "ami-04681a1dbd79675a5"  # Amazon Linux 2, in data/amis.json and in moto's default list
_ZONES = {PRIMARY: ("a", "c"), SECONDARY: ("a", "b")}
_ANYWHERE = "0.0.0.0/0"

Step = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Manifest:
    size: int
    regions: tuple[str, ...]
    account_id: str
    #: inventory type (docs/aws-resources.md) -> ids created by the seed
    resources: Mapping[str, tuple[str, ...]]
    #: deliberate mistake -> ids of the resources that carry it
    mistakes: Mapping[str, tuple[str, ...]]
    #: IAM user -> age in days its access key should have (no API can backdate one)
    key_ages: Mapping[str, int]

    def count(self, resource_type: str) -> int:
        return len(self.resources.get(resource_type, ()))


class Aws:
    """One boto3 session with dummy keys; one client per (service, region), all sent to the endpoint."""

    def __init__(self, endpoint: str) -> None:
        self._endpoint = endpoint
        self._session = boto3.session.Session(aws_access_key_id=DUMMY_KEY, aws_secret_access_key=DUMMY_KEY)
        self._config = Config(retries={"max_attempts": 2, "mode": "standard"}, inject_host_prefix=False)
        self._clients: dict[tuple[str, str], Any] = {}

    def __call__(self, service: str, region: str = PRIMARY) -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self._session.client(
                service, region_name=region, endpoint_url=self._endpoint, config=self._config
            )
        return self._clients[key]


class Record:
    """What the seed has created so far, by inventory type, and the mistakes it planted."""

    def __init__(self) -> None:
        self.resources: defaultdict[str, list[str]] = defaultdict(list)
        self.mistakes: defaultdict[str, list[str]] = defaultdict(list)

    def add(self, resource_type: str, rid: str, *mistakes: str) -> str:
        self.resources[resource_type].append(rid)
        for m in mistakes:
            self.mistakes[m].append(rid)
        return rid

    def when(self, bad: bool, mistake: str) -> tuple[str, ...]:
        return (mistake,) if bad else ()


def seed(endpoint: str, size: int = 1, on_step: Step | None = None) -> Manifest:
    """Create Acme SaaS in the account behind `endpoint`: `size` copies of each stack and of the staff."""
    if size < 1:
        raise ValueError("size must be at least 1")
    step = on_step or (lambda _: None)
    aws, rec = Aws(endpoint), Record()
    account_id: str = aws("sts").get_caller_identity()["Account"]
    step("IAM")
    key_ages = account.people(aws, rec, size)
    step("CloudTrail, CloudWatch, GuardDuty, Config")
    roles = account.build(aws, rec, account_id, PRIMARY, SECONDARY)
    for i in range(size):
        for region, profile in ((PRIMARY, PROD), (SECONDARY, DR)):
            step(f"{profile.name}{suffix(i)} ({region})")
            _Stack(aws, rec, region, profile, i, roles).build()
    aws("ec2", PRIMARY).enable_ebs_encryption_by_default()  # switched on late: older volumes stay as they were
    rec.add("aws.ec2.ebs_default_encryption", PRIMARY)
    rec.mistakes["ebs_default_encryption_off"].append(SECONDARY)
    return Manifest(
        size=size,
        regions=REGIONS,
        account_id=account_id,
        resources={k: tuple(v) for k, v in rec.resources.items()},
        mistakes={k: tuple(v) for k, v in rec.mistakes.items()},
        key_ages=key_ages,
    )


# --- one product stack in one region ----------------------------------------------------------------

def _tags(name: str, **more: str) -> list[dict[str, Any]]:
    return [{"Key": "Name", "Value": name}, *({"Key": k, "Value": v} for k, v in more.items())]


def _spec(kind: str, name: str, **more: str) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": _tags(name, **more)}]


class _Stack:
    """VPC, edge, compute, data and backup of one environment, in the order a team would build them."""

    def __init__(self, aws: Aws, rec: Record, region: str, p: Profile, i: int, roles: account.Roles) -> None:
        self.aws, self.rec, self.region, self.p, self.roles = aws, rec, region, p, roles
        self.sfx = suffix(i)
        self.tag = f"acme-{p.name}{self.sfx}"
        self.octet = p.cidr_base + i
        self.ec2 = aws("ec2", region)
        self.sg: dict[str, str] = {}

    def build(self) -> None:
        self.key_arn = self._kms()
        self._network()
        self._security_groups()
        self.app_ids = self._instances()
        self._volumes()
        self._load_balancer()
        db_arns = [self._database(db) for db in self.p.databases]
        for bucket in self.p.buckets:
            self._bucket(bucket)
        self._data_stores()
        if self.p.backup_plan:
            self._backup(db_arns)

    def _kms(self) -> str:
        kms = self.aws("kms", self.region)
        key = kms.create_key(Description=f"{self.tag} data key", Tags=[{"TagKey": "env", "TagValue": self.p.name}])
        meta = key["KeyMetadata"]
        if self.p.kms_rotation:
            kms.enable_key_rotation(KeyId=meta["KeyId"])
        kms.create_alias(AliasName=f"alias/{self.tag}-data", TargetKeyId=meta["KeyId"])
        self.rec.add("aws.kms.key", meta["KeyId"], *self.rec.when(not self.p.kms_rotation, "kms_rotation_off"))
        return str(meta["Arn"])

    def _network(self) -> None:
        ec2, rec, tag = self.ec2, self.rec, self.tag
        vpc = ec2.create_vpc(CidrBlock=f"10.{self.octet}.0.0/16",
                             TagSpecifications=_spec("vpc", tag))["Vpc"]["VpcId"]
        self.vpc = rec.add("aws.ec2.vpc", vpc, *rec.when(not self.p.flow_logs, "no_flow_logs"))
        igw = ec2.create_internet_gateway(TagSpecifications=_spec("internet-gateway", tag))
        igw_id = rec.add("aws.ec2.internet_gateway", igw["InternetGateway"]["InternetGatewayId"])
        ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc)
        self.public: list[str] = []
        self.private: list[str] = []
        for n, zone in enumerate(_ZONES[self.region]):
            az = self.region + zone
            for kind, third, into in (("public", n, self.public), ("private", 10 + n, self.private)):
                sub = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{self.octet}.{third}.0/24", AvailabilityZone=az,
                                        TagSpecifications=_spec("subnet", f"{tag}-{kind}-{zone}", tier=kind))
                sid = sub["Subnet"]["SubnetId"]
                bad = kind == "public" and self.p.map_public_ip
                rec.add("aws.ec2.subnet", sid, *rec.when(bad, "subnet_maps_public_ip"))
                if bad:
                    ec2.modify_subnet_attribute(SubnetId=sid, MapPublicIpOnLaunch={"Value": True})
                into.append(sid)
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=self.public[0], AllocationId=eip,
                                     TagSpecifications=_spec("natgateway", tag))["NatGateway"]["NatGatewayId"]
        rec.add("aws.ec2.nat_gateway", nat)
        for kind, subnets, target in (("public", self.public, {"GatewayId": igw_id}),
                                      ("private", self.private, {"NatGatewayId": nat})):
            rtb = ec2.create_route_table(VpcId=vpc, TagSpecifications=_spec("route-table", f"{tag}-{kind}"))
            rtb_id = rec.add("aws.ec2.route_table", rtb["RouteTable"]["RouteTableId"])
            ec2.create_route(RouteTableId=rtb_id, DestinationCidrBlock=_ANYWHERE, **target)
            for sid in subnets:
                ec2.associate_route_table(RouteTableId=rtb_id, SubnetId=sid)
        if self.p.flow_logs:
            group = f"/acme/{self.p.name}{self.sfx}/vpc-flow-logs"
            self._log_group(group, 400)
            flow = ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL",
                                        LogDestinationType="cloud-watch-logs", LogGroupName=group,
                                        DeliverLogsPermissionArn=self.roles.flow_logs)
            rec.add("aws.ec2.flow_log", flow["FlowLogIds"][0])
        self._log_group(f"/acme/{self.p.name}{self.sfx}/app", self.p.app_log_retention_days)

    def _log_group(self, name: str, retention: int | None) -> None:
        logs = self.aws("logs", self.region)
        logs.create_log_group(logGroupName=name)
        if retention:
            logs.put_retention_policy(logGroupName=name, retentionInDays=retention)
        self.rec.add("aws.logs.log_group", name, *self.rec.when(retention is None, "log_group_kept_forever"))

    def _group(self, name: str, rules: list[dict[str, Any]], *mistakes: str) -> None:
        sg = self.ec2.create_security_group(GroupName=f"{self.tag}-{name}", Description=f"{name} ({self.p.name})",
                                            VpcId=self.vpc, TagSpecifications=_spec("security-group", name))
        self.sg[name] = self.rec.add("aws.ec2.security_group", sg["GroupId"], *mistakes)
        self.ec2.authorize_security_group_ingress(GroupId=sg["GroupId"], IpPermissions=rules)

    def _security_groups(self) -> None:
        def tcp(port: int, cidr: str | None = None, group: str | None = None) -> dict[str, Any]:
            rule: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
            if cidr:
                rule["IpRanges"] = [{"CidrIp": cidr}]
            if group:
                rule["UserIdGroupPairs"] = [{"GroupId": self.sg[group]}]
            return rule

        self._group("alb", [tcp(443, _ANYWHERE), tcp(80, _ANYWHERE)])
        self._group("app", [tcp(8080, group="alb")])
        self._group("db", [tcp(5432, group="app")])
        if self.p.bastion:
            self._group("bastion", [tcp(22, OFFICE_CIDR)])
        if self.p.stray_public_instance:
            self._group("debug-ssh", [tcp(22, _ANYWHERE)], "ssh_open_to_internet")
        if any(db.open_to_internet for db in self.p.databases):
            self._group("db-open", [tcp(5432, _ANYWHERE)], "db_port_open_to_internet")

    def _run(self, name: str, subnet: str, group: str, *, public: bool, hardened: bool, role: str | None = None,
             **tags: str) -> str:
        rec, more = self.rec, {"Role": role} if role else {}
        ec2 = self.ec2.run_instances(
            ImageId=AMI, InstanceType="t3.medium", MinCount=1, MaxCount=1,
            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [self.sg[group]],
                                "AssociatePublicIpAddress": public}],
            MetadataOptions={"HttpTokens": "required" if hardened else "optional", "HttpEndpoint": "enabled"},
            BlockDeviceMappings=[{"DeviceName": "/dev/xvda",
                                  "Ebs": {"VolumeSize": 20, "Encrypted": hardened,
                                          **({"KmsKeyId": self.key_arn} if hardened else {})}}],
            IamInstanceProfile={"Name": self.roles.instance_profile},
            TagSpecifications=_spec("instance", f"{self.tag}-{name}", env=self.p.name, **more, **tags),
        )
        mistakes = () if hardened else ("public_instance_not_entry_point", "imds_v1_allowed")
        return rec.add("aws.ec2.instance", ec2["Instances"][0]["InstanceId"], *(mistakes if public else ()))

    def _instances(self) -> list[str]:
        if self.p.bastion:
            self._run("bastion", self.public[0], "bastion", public=True, hardened=True, role="bastion")
        apps = [self._run(f"app-{n + 1}", self.private[n % 2], "app", public=False, hardened=True)
                for n in range(self.p.app_instances)]
        if self.p.stray_public_instance:
            self._run("debug-temp", self.public[1], "debug-ssh", public=True, hardened=False, owner="k.takahashi")
        return apps

    def _volumes(self) -> None:
        ec2, rec, az = self.ec2, self.rec, self.region + _ZONES[self.region][0]
        enc = self.p.scratch_volume_encrypted
        for name, size, encrypted in (("data", 100, True), ("scratch", 200, enc)):
            vol = ec2.create_volume(AvailabilityZone=az, Size=size, VolumeType="gp3", Encrypted=encrypted,
                                    **({"KmsKeyId": self.key_arn} if encrypted else {}),
                                    TagSpecifications=_spec("volume", f"{self.tag}-{name}"))
            vid = rec.add("aws.ec2.volume", vol["VolumeId"], *rec.when(not encrypted, "volume_unencrypted"))
            if name == "data":
                ec2.attach_volume(VolumeId=vid, InstanceId=self.app_ids[0], Device="/dev/sdf")
            snap = ec2.create_snapshot(VolumeId=vid, Description=f"{self.tag} {name} nightly",
                                       TagSpecifications=_spec("snapshot", f"{self.tag}-{name}"))
            rec.add("aws.ec2.snapshot", snap["SnapshotId"], *rec.when(not encrypted, "snapshot_unencrypted"))

    def _load_balancer(self) -> None:
        p, rec, region = self.p, self.rec, self.region
        acm = self.aws("acm", region)
        cert, key, chain = self_signed(f"{p.name}{self.sfx}.acme-saas.example", p.cert_days)
        cert_arn = acm.import_certificate(Certificate=cert, PrivateKey=key, CertificateChain=chain)["CertificateArn"]
        rec.add("aws.acm.certificate", cert_arn, *rec.when(p.cert_days < 30, "certificate_expires_soon"))
        elb = self.aws("elbv2", region)
        lb = elb.create_load_balancer(Name=f"{self.tag}-alb", Subnets=self.public, SecurityGroups=[self.sg["alb"]],
                                      Scheme="internet-facing", Type="application")["LoadBalancers"][0]
        arn = lb["LoadBalancerArn"]
        mistakes = (*rec.when(not p.waf, "alb_without_waf"), *rec.when(not p.http_redirect, "alb_plain_http"))
        rec.add("aws.elbv2.load_balancer", arn, *mistakes)
        tg = elb.create_target_group(Name=f"{self.tag}-app", Protocol="HTTP", Port=8080, VpcId=self.vpc,
                                     TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
        elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": i, "Port": 8080} for i in self.app_ids])
        forward = [{"Type": "forward", "TargetGroupArn": tg}]
        elb.create_listener(LoadBalancerArn=arn, Protocol="HTTPS", Port=443, SslPolicy=p.tls_policy,
                            Certificates=[{"CertificateArn": cert_arn}], DefaultActions=forward)
        redirect = [{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443",
                                                             "StatusCode": "HTTP_301"}}]
        elb.create_listener(LoadBalancerArn=arn, Protocol="HTTP", Port=80,
                            DefaultActions=redirect if p.http_redirect else forward)
        if p.waf:
            waf = self.aws("wafv2", region)
            acl = waf.create_web_acl(
                Name=f"{self.tag}-web-acl", Scope="REGIONAL", DefaultAction={"Allow": {}}, Rules=[],
                VisibilityConfig={"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True,
                                  "MetricName": f"{self.tag}-web-acl"})["Summary"]["ARN"]
            waf.associate_web_acl(WebACLArn=acl, ResourceArn=arn)
            rec.add("aws.wafv2.web_acl", acl)

    def _database(self, db: Database) -> str:
        rds, rec, name = self.aws("rds", self.region), self.rec, db.name + self.sfx
        subnets = self.public if db.public else self.private
        rds.create_db_subnet_group(DBSubnetGroupName=f"{name}-subnets", DBSubnetGroupDescription=name,
                                   SubnetIds=subnets)
        group = self.sg["db-open" if db.open_to_internet else "db"]
        out = rds.create_db_instance(
            DBInstanceIdentifier=name, Engine="postgres", EngineVersion="16.3", DBInstanceClass="db.t3.medium",
            AllocatedStorage=50, MasterUsername="acme", MasterUserPassword=account.DEMO_PASSWORD,
            DBSubnetGroupName=f"{name}-subnets", VpcSecurityGroupIds=[group], PubliclyAccessible=db.public,
            StorageEncrypted=db.encrypted, **({"KmsKeyId": self.key_arn} if db.encrypted else {}),
            MultiAZ=db.multi_az, BackupRetentionPeriod=db.backup_days, DeletionProtection=db.deletion_protection,
            AutoMinorVersionUpgrade=True, Tags=[{"Key": "env", "Value": self.p.name}],
        )["DBInstance"]
        mistakes = (*rec.when(db.public, "rds_public"), *rec.when(not db.encrypted, "rds_unencrypted"),
                    *rec.when(db.backup_days < 7, "rds_backup_short"),
                    *rec.when(not db.deletion_protection, "rds_no_deletion_protection"))
        rec.add("aws.rds.instance", name, *mistakes)
        snap = rds.create_db_snapshot(DBSnapshotIdentifier=f"{name}-before-upgrade", DBInstanceIdentifier=name)
        rec.add("aws.rds.snapshot", snap["DBSnapshot"]["DBSnapshotIdentifier"],
                *rec.when(not db.encrypted, "rds_snapshot_unencrypted"))
        return str(out["DBInstanceArn"])

    def _bucket(self, b: Any) -> None:
        s3, rec, name = self.aws("s3", self.region), self.rec, b.name + self.sfx
        where = {} if self.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": self.region}}
        s3.create_bucket(Bucket=name, **where)
        statements = [account.tls_only(name)] if b.private else []
        if b.name.endswith("access-logs"):
            statements.append({"Sid": "S3ServerAccessLogs", "Effect": "Allow",
                               "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
                               "Resource": f"arn:aws:s3:::{name}/*"})
        if b.public_read:
            statements.append({"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                               "Resource": f"arn:aws:s3:::{name}/*"})
        if b.private:
            account.private_bucket(s3, name, self.key_arn if b.kms else None)
        if statements:
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))
        if b.versioned:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        if b.logged:
            s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": {
                "TargetBucket": f"acme-saas-{self.p.name}-access-logs{self.sfx}", "TargetPrefix": f"{name}/"}})
        mistakes = () if b.private else ("bucket_public", "bucket_unencrypted")
        rec.add("aws.s3.bucket", name, *mistakes)

    def _data_stores(self) -> None:
        p, rec, region, tag = self.p, self.rec, self.region, self.tag
        ddb = self.aws("dynamodb", region)
        table = f"{tag}-tenants"
        sse = {"SSESpecification": {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": self.key_arn}}
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "tenant_id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "tenant_id", "AttributeType": "S"}],
                         **(sse if p.dynamodb_kms_pitr else {}))
        if p.dynamodb_kms_pitr:
            ddb.update_continuous_backups(TableName=table,
                                          PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        rec.add("aws.dynamodb.table", table, *rec.when(not p.dynamodb_kms_pitr, "dynamodb_without_kms_or_pitr"))
        efs = self.aws("efs", region).create_file_system(
            CreationToken=f"{tag}-shared", Encrypted=p.efs_encrypted,
            **({"KmsKeyId": self.key_arn} if p.efs_encrypted else {}), Tags=_tags(f"{tag}-shared"))
        rec.add("aws.efs.file_system", efs["FileSystemId"], *rec.when(not p.efs_encrypted, "efs_unencrypted"))

    def _backup(self, db_arns: list[str]) -> None:
        backup, rec = self.aws("backup", self.region), self.rec
        vault = f"{self.tag}-vault"
        backup.create_backup_vault(BackupVaultName=vault, EncryptionKeyArn=self.key_arn)
        backup.put_backup_vault_lock_configuration(BackupVaultName=vault, MinRetentionDays=7, MaxRetentionDays=365)
        rec.add("aws.backup.vault", vault)
        plan = backup.create_backup_plan(BackupPlan={"BackupPlanName": f"{self.tag}-daily", "Rules": [{
            "RuleName": "daily-35d", "TargetBackupVaultName": vault, "ScheduleExpression": "cron(0 17 * * ? *)",
            "Lifecycle": {"DeleteAfterDays": 35}}]}, BackupPlanTags={"covers": " ".join(db_arns)[:256]})
        # No backup selection: moto does not implement CreateBackupSelection, so which resources a
        # plan covers cannot be emulated; the scan reports that as an error, never as a pass.
        rec.add("aws.backup.plan", plan["BackupPlanId"])
