"""A small SaaS account in moto, good and bad settings side by side, in two regions.

Every collector finds something to read, so every declared call path runs.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from checksheet.collectors.aws.session import unprefix_account_host
from tests.collectors.aws.moto_server import ACCOUNT

HOME = "us-east-1"
TOKYO = "ap-northeast-1"
REGIONS = (HOME, TOKYO)
ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
TLS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                   "Resource": "arn:aws:s3:::secure-data-bucket/*",
                   "Condition": {"Bool": {"aws:SecureTransport": "false"}}}],
}


def _tags(**values: str) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in values.items()]


def network(region: str) -> dict[str, Any]:
    ec2 = boto3.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=_tags(Name="app"))
    def subnet(cidr: str, zone: str) -> str:
        return str(ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=region + zone)["Subnet"]["SubnetId"])

    public, public_b, private = subnet("10.0.1.0/24", "a"), subnet("10.0.3.0/24", "c"), subnet("10.0.2.0/24", "a")
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=public)
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=public_b)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    ssh_open = ec2.create_security_group(GroupName="ssh-open", Description="bad", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=ssh_open, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
         "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    web = ec2.create_security_group(GroupName="web", Description="alb", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    app = ec2.create_security_group(GroupName="app", Description="private", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": web}]}])
    return {"vpc": vpc, "public": public, "public_b": public_b, "private": private, "igw": igw, "rtb": rtb,
            "nat": nat, "ssh_open": ssh_open, "web": web, "app": app}


def compute(region: str, net: dict[str, Any]) -> dict[str, Any]:
    ec2 = boto3.client("ec2", region_name=region)
    bastion = ec2.run_instances(
        ImageId="ami-785db401", MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=net["public"],
        SecurityGroupIds=[net["ssh_open"]],
        TagSpecifications=[{"ResourceType": "instance", "Tags": _tags(Role="bastion")}],
    )["Instances"][0]["InstanceId"]
    app = ec2.run_instances(
        ImageId="ami-785db401", MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=net["private"],
        SecurityGroupIds=[net["app"]], MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"},
    )["Instances"][0]["InstanceId"]
    plain = ec2.create_volume(AvailabilityZone=f"{region}a", Size=8)["VolumeId"]
    sealed = ec2.create_volume(AvailabilityZone=f"{region}a", Size=20, Encrypted=True)["VolumeId"]
    snapshot = ec2.create_snapshot(VolumeId=plain)["SnapshotId"]
    ec2.create_flow_logs(ResourceIds=[net["vpc"]], ResourceType="VPC", TrafficType="ALL",
                         LogDestinationType="cloud-watch-logs", LogGroupName="vpc-flow",
                         DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT}:role/flow")
    endpoint = ec2.create_vpc_endpoint(VpcId=net["vpc"], ServiceName=f"com.amazonaws.{region}.s3",
                                       RouteTableIds=[net["rtb"]])["VpcEndpoint"]["VpcEndpointId"]
    if region == HOME:
        ec2.enable_ebs_encryption_by_default()
    return {"bastion": bastion, "app_instance": app, "plain_volume": plain, "sealed_volume": sealed,
            "snapshot": snapshot, "endpoint": endpoint}


def load_balancer(region: str, net: dict[str, Any]) -> dict[str, Any]:
    elb = boto3.client("elbv2", region_name=region)
    lb = elb.create_load_balancer(Name="web", Subnets=[net["public"], net["public_b"]], SecurityGroups=[net["web"]],
                                  Scheme="internet-facing", Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(Name="app", Protocol="HTTP", Port=8080, VpcId=net["vpc"])["TargetGroups"][0]
    elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[
        {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}])
    cert = boto3.client("acm", region_name=region).request_certificate(DomainName="app.example.com")["CertificateArn"]
    elb.create_listener(LoadBalancerArn=lb, Protocol="HTTPS", Port=443, SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
                        Certificates=[{"CertificateArn": cert}],
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
    internal = elb.create_load_balancer(Name="internal", Subnets=[net["private"], net["public_b"]],
                                        Scheme="internal", Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    waf = boto3.client("wafv2", region_name=region)
    acl = waf.create_web_acl(Name="edge", Scope="REGIONAL", DefaultAction={"Allow": {}}, Rules=[],
                             VisibilityConfig={"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False,
                                               "MetricName": "edge"})["Summary"]["ARN"]
    waf.associate_web_acl(WebACLArn=acl, ResourceArn=lb)
    return {"lb": lb, "internal": internal, "acl": acl, "cert": cert}


def databases(region: str, net: dict[str, Any]) -> None:
    rds = boto3.client("rds", region_name=region)
    rds.create_db_subnet_group(DBSubnetGroupName="private", DBSubnetGroupDescription="db",
                               SubnetIds=[net["private"], net["public_b"]])
    rds.create_db_instance(DBInstanceIdentifier="orders", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="app", MasterUserPassword="not-a-secret-1", AllocatedStorage=20,
                           StorageEncrypted=True, MultiAZ=True, BackupRetentionPeriod=14, DeletionProtection=True,
                           DBSubnetGroupName="private", Tags=_tags(env="prod"))
    rds.create_db_instance(DBInstanceIdentifier="legacy", Engine="mysql", DBInstanceClass="db.t3.micro",
                           MasterUsername="app", MasterUserPassword="not-a-secret-2", AllocatedStorage=20,
                           PubliclyAccessible=True, BackupRetentionPeriod=1, AutoMinorVersionUpgrade=False)
    rds.create_db_snapshot(DBSnapshotIdentifier="legacy-manual", DBInstanceIdentifier="legacy")
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="legacy-manual", AttributeName="restore",
                                     ValuesToAdd=["all"])
    rds.create_db_cluster(DBClusterIdentifier="analytics", Engine="aurora-postgresql", MasterUsername="app",
                          MasterUserPassword="not-a-secret-3", StorageEncrypted=True)
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="analytics-manual", DBClusterIdentifier="analytics")
    # Unencrypted, so it can be (and is) shared with everyone; encrypted snapshots cannot be public.
    rds.create_db_cluster(DBClusterIdentifier="reporting", Engine="aurora-postgresql", MasterUsername="app",
                          MasterUserPassword="not-a-secret-4", StorageEncrypted=False)
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="reporting-manual", DBClusterIdentifier="reporting")
    rds.modify_db_cluster_snapshot_attribute(DBClusterSnapshotIdentifier="reporting-manual", AttributeName="restore",
                                             ValuesToAdd=["all"])
    ddb = boto3.client("dynamodb", region_name=region)
    ddb.create_table(TableName="sessions", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    ddb.create_table(TableName="ledger", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     SSESpecification={"Enabled": True, "SSEType": "KMS"})
    ddb.update_continuous_backups(TableName="ledger",
                                  PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    efs = boto3.client("efs", region_name=region)
    efs.create_file_system(CreationToken="shared", Encrypted=True)
    efs.create_file_system(CreationToken="scratch")
    cache = boto3.client("elasticache", region_name=region)
    cache.create_replication_group(ReplicationGroupId="sessions", ReplicationGroupDescription="cache",
                                   Engine="redis", CacheNodeType="cache.t3.micro", NumCacheClusters=2,
                                   AtRestEncryptionEnabled=True, TransitEncryptionEnabled=True,
                                   AutomaticFailoverEnabled=True, MultiAZEnabled=True)


def logging_and_detection(region: str) -> None:
    s3 = boto3.client("s3", region_name=region)
    trail_bucket = f"trail-{region}"
    s3.create_bucket(Bucket=trail_bucket, **({} if region == HOME else
                                            {"CreateBucketConfiguration": {"LocationConstraint": region}}))
    logs = boto3.client("logs", region_name=region)
    logs.create_log_group(logGroupName="trail")
    logs.put_retention_policy(logGroupName="trail", retentionInDays=400)
    logs.create_log_group(logGroupName="app")
    logs.put_metric_filter(logGroupName="trail", filterName="root-usage",
                           filterPattern='{ $.userIdentity.type = "Root" && $.eventType != "AwsServiceEvent" }',
                           metricTransformations=[{"metricName": "RootUsage", "metricNamespace": "CIS",
                                                   "metricValue": "1"}])
    boto3.client("cloudwatch", region_name=region).put_metric_alarm(
        AlarmName="root-usage", MetricName="RootUsage", Namespace="CIS", Statistic="Sum", Period=300,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[f"arn:aws:sns:{region}:{ACCOUNT}:security"])
    trail = boto3.client("cloudtrail", region_name=region)
    if region == HOME:
        trail.create_trail(Name="org-trail", S3BucketName=trail_bucket, IsMultiRegionTrail=True,
                           EnableLogFileValidation=True,
                           CloudWatchLogsLogGroupArn=f"arn:aws:logs:{region}:{ACCOUNT}:log-group:trail:*",
                           CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/trail")
        trail.start_logging(Name="org-trail")
        trail.put_event_selectors(TrailName="org-trail", EventSelectors=[
            {"ReadWriteType": "All", "IncludeManagementEvents": True}])
        boto3.client("guardduty", region_name=region).create_detector(Enable=True)
        boto3.client("securityhub", region_name=region).enable_security_hub()
        config = boto3.client("config", region_name=region)
        config.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
        config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": trail_bucket})
        config.start_configuration_recorder(ConfigurationRecorderName="default")
    else:
        trail.create_trail(Name="local-trail", S3BucketName=trail_bucket)


def keys_and_backups(region: str) -> None:
    kms = boto3.client("kms", region_name=region)
    rotated = kms.create_key(Description="rotated")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=rotated)
    kms.create_key(Description="not rotated")
    kms.create_key(Description="signing", KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    backup = boto3.client("backup", region_name=region)
    backup.create_backup_vault(BackupVaultName="primary")
    backup.put_backup_vault_lock_configuration(BackupVaultName="primary", MinRetentionDays=7, MaxRetentionDays=365)
    backup.create_backup_vault(BackupVaultName="scratch")
    backup.create_backup_plan(BackupPlan={"BackupPlanName": "daily", "Rules": [
        {"RuleName": "daily", "TargetBackupVaultName": "primary", "ScheduleExpression": "cron(0 5 ? * * *)",
         "Lifecycle": {"DeleteAfterDays": 35}}]})
    if region == HOME:
        boto3.client("ssm", region_name=region).create_document(
            Name="SSM-SessionManagerRunShell", DocumentType="Session", DocumentFormat="JSON",
            Content=json.dumps({"schemaVersion": "1.0", "description": "prefs", "sessionType": "Standard_Stream",
                                "inputs": {"s3BucketName": "session-logs", "cloudWatchLogGroupName": "",
                                           "kmsKeyId": ""}}))


def buckets() -> None:
    s3 = boto3.client("s3", region_name=HOME)
    s3.create_bucket(Bucket="secure-data-bucket")
    s3.put_public_access_block(Bucket="secure-data-bucket", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket="secure-data-bucket", ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/data"}}]})
    s3.put_bucket_versioning(Bucket="secure-data-bucket", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_policy(Bucket="secure-data-bucket", Policy=json.dumps(TLS_ONLY))
    s3.create_bucket(Bucket="access-logs-bucket", ACL="log-delivery-write")
    s3.put_bucket_logging(Bucket="secure-data-bucket", BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": "access-logs-bucket", "TargetPrefix": "secure/"}})
    s3.create_bucket(Bucket="public-assets-bucket", ACL="public-read")
    tokyo = boto3.client("s3", region_name=TOKYO)
    tokyo.create_bucket(Bucket="locked-archive-bucket", ObjectLockEnabledForBucket=True,
                        CreateBucketConfiguration={"LocationConstraint": TOKYO})
    tokyo.put_object_lock_configuration(Bucket="locked-archive-bucket", ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 7}}})
    control = boto3.client("s3control", region_name=HOME)
    control.meta.events.register("before-sign.s3-control", unprefix_account_host)
    control.put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": False})


def identities() -> None:
    iam = boto3.client("iam", region_name=HOME)
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-9")
    iam.create_access_key(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="admin", PolicyDocument=json.dumps(ADMIN_POLICY))
    iam.create_user(UserName="bob")
    iam.create_login_profile(UserName="bob", Password="Battery-Staple-9")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="bob")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="bob", SerialNumber=serial, AuthenticationCode1="123456",
                          AuthenticationCode2="654321")
    readonly = iam.create_policy(PolicyName="read", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}))
    iam.create_group(GroupName="developers")
    iam.attach_group_policy(GroupName="developers", PolicyArn=readonly["Policy"]["Arn"])
    iam.put_group_policy(GroupName="developers", PolicyName="logs", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:Get*", "Resource": "*"}]}))
    iam.add_user_to_group(GroupName="developers", UserName="bob")
    iam.create_user(UserName="deploy-bot")
    iam.attach_user_policy(UserName="deploy-bot", PolicyArn=readonly["Policy"]["Arn"])
    iam.create_role(RoleName="app-server", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.update_account_password_policy(MinimumPasswordLength=14, RequireSymbols=True, RequireNumbers=True,
                                       RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
                                       PasswordReusePrevention=24)
    orgs = boto3.client("organizations", region_name=HOME)
    orgs.create_organization(FeatureSet="ALL")
    orgs.create_account(Email="prod@example.com", AccountName="production")


def seed() -> dict[str, dict[str, Any]]:
    """Create everything; return the ids a test needs, by region."""
    made: dict[str, dict[str, Any]] = {}
    for region in REGIONS:
        net = network(region)
        made[region] = {**net, **compute(region, net), **load_balancer(region, net)}
        databases(region, net)
        logging_and_detection(region)
        keys_and_backups(region)
    buckets()
    identities()
    made["global"] = {"alice_key": boto3.client("iam").list_access_keys(UserName="alice")["AccessKeyMetadata"][0][
        "AccessKeyId"]}
    return made
