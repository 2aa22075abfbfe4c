"""Acme SaaS's account-wide set-up: its people, the audit trail and alarms, threat detection, service roles.

People: MFA for almost everyone, one console user without it, a CI key never rotated, a
Terraform user with AdministratorAccess of its own, a password policy two characters short.
Audit: right in Tokyo (multi-region trail with integrity validation into an Object-Locked bucket,
CloudWatch Logs, GuardDuty, Config), with the gaps a busy team leaves: no KMS on the trail,
no alarm for network ACL or trail changes, a filter without its alarm, nothing in Virginia.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from checksheet.demo.profiles import USERS, User, suffix

if TYPE_CHECKING:
    from checksheet.demo.seed import Aws, Record

DEMO_PASSWORD = "Demo-only-Passw0rd!"  # noqa: S105 (a password inside the emulated account only)
TRAIL = "acme-management-events"
TRAIL_BUCKET = "acme-saas-cloudtrail-logs"
TRAIL_LOG_GROUP = "aws-cloudtrail-logs-acme"
ALARM_NAMESPACE = "CISBenchmark"

# CIS AWS Foundations metric filters: name -> (pattern, has an alarm).
FILTERS: dict[str, tuple[str, bool]] = {
    "root-usage": ('{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
                   '&& $.eventType != "AwsServiceEvent" }', True),
    "console-signin-without-mfa": ('{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") '
                                   '&& ($.userIdentity.type = "IAMUser") '
                                   '&& ($.responseElements.ConsoleLogin = "Success") }', True),
    "unauthorized-api-calls": ('{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
                               True),
    "iam-policy-changes": ("{ ($.eventName = DeleteGroupPolicy) || ($.eventName = DeleteRolePolicy) || "
                           "($.eventName = DeleteUserPolicy) || ($.eventName = PutGroupPolicy) || "
                           "($.eventName = PutRolePolicy) || ($.eventName = PutUserPolicy) || "
                           "($.eventName = CreatePolicy) || ($.eventName = DeletePolicy) || "
                           "($.eventName = CreatePolicyVersion) || ($.eventName = DeletePolicyVersion) || "
                           "($.eventName = AttachRolePolicy) || ($.eventName = DetachRolePolicy) || "
                           "($.eventName = AttachUserPolicy) || ($.eventName = DetachUserPolicy) || "
                           "($.eventName = AttachGroupPolicy) || ($.eventName = DetachGroupPolicy) }", True),
    "security-group-changes": ("{ ($.eventName = AuthorizeSecurityGroupIngress) || "
                               "($.eventName = AuthorizeSecurityGroupEgress) || "
                               "($.eventName = RevokeSecurityGroupIngress) || "
                               "($.eventName = RevokeSecurityGroupEgress) || "
                               "($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }", False),
}


@dataclass(frozen=True, slots=True)
class Roles:
    """Service roles the stacks hand to AWS services."""

    flow_logs: str
    backup: str
    instance_profile: str


# --- people -------------------------------------------------------------------------------------

ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
_GROUPS = {
    "Admins": ADMIN_POLICY,
    "Developers": "arn:aws:iam::aws:policy/PowerUserAccess",
    "Auditors": "arn:aws:iam::aws:policy/SecurityAudit",
}


def people(aws: Aws, rec: Record, size: int) -> dict[str, int]:
    iam = aws("iam")
    iam.update_account_password_policy(  # strong on most counts, but 12 characters where 14 are expected
        MinimumPasswordLength=12, RequireSymbols=True, RequireNumbers=True, RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True, PasswordReusePrevention=24, MaxPasswordAge=90,
    )
    rec.mistakes["password_policy_too_short"].append("password_policy")
    for group, policy in _GROUPS.items():
        iam.create_group(GroupName=group)
        iam.attach_group_policy(GroupName=group, PolicyArn=policy)
    ages: dict[str, int] = {}
    for i in range(size):
        for spec in USERS:
            name = spec.name + suffix(i)
            _user(iam, rec, name, spec)
            if spec.key_age_days is not None:
                ages[name] = spec.key_age_days
    return ages


def _user(iam: Any, rec: Record, name: str, spec: User) -> None:
    iam.create_user(UserName=name, Tags=[{"Key": "team", "Value": spec.team}])
    rec.add("aws.iam.user", name, *spec.mistakes)
    for group in spec.groups:
        iam.add_user_to_group(GroupName=group, UserName=name)
    if spec.direct_admin:
        iam.attach_user_policy(UserName=name, PolicyArn=ADMIN_POLICY)
    if spec.console:
        iam.create_login_profile(UserName=name, Password=DEMO_PASSWORD, PasswordResetRequired=False)
    if spec.mfa:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(UserName=name, SerialNumber=serial,
                              AuthenticationCode1="123456", AuthenticationCode2="654321")
    if spec.key_age_days is not None:
        iam.create_access_key(UserName=name)


# --- audit trail, alarms, detection ---------------------------------------------------------------

def tls_only(bucket: str) -> dict[str, Any]:
    """The bucket-policy statement that refuses plain-HTTP requests."""
    return {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def private_bucket(s3: Any, bucket: str, kms_key_arn: str | None) -> None:
    """Block Public Access and default encryption (SSE-KMS with the key, else SSE-S3)."""
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    rule: dict[str, Any] = ({"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key_arn} if kms_key_arn
                            else {"SSEAlgorithm": "AES256"})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": rule, "BucketKeyEnabled": bool(kms_key_arn)}]})


def _role(iam: Any, name: str, service: str, policy: str | None = None) -> str:
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if policy:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    return arn


def build(aws: Aws, rec: Record, account_id: str, primary: str, secondary: str) -> Roles:
    _trail(aws, rec, account_id, primary)
    _alarms(aws, rec, primary)
    _detection(aws, rec, primary, secondary)
    iam = aws("iam")
    app_role = _role(iam, "acme-app-instance", "ec2.amazonaws.com",
                     "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")
    iam.create_instance_profile(InstanceProfileName="acme-app-instance")
    iam.add_role_to_instance_profile(InstanceProfileName="acme-app-instance", RoleName=app_role.rsplit("/", 1)[1])
    return Roles(
        flow_logs=_role(iam, "acme-vpc-flow-logs", "vpc-flow-logs.amazonaws.com"),
        backup=_role(iam, "acme-backup", "backup.amazonaws.com",
                     "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"),
        instance_profile="acme-app-instance",
    )


def _trail(aws: Aws, rec: Record, account_id: str, region: str) -> None:
    s3 = aws("s3", region)
    s3.create_bucket(Bucket=TRAIL_BUCKET, CreateBucketConfiguration={"LocationConstraint": region},
                     ObjectLockEnabledForBucket=True)
    s3.put_bucket_versioning(Bucket=TRAIL_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object_lock_configuration(Bucket=TRAIL_BUCKET, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 1}}})
    private_bucket(s3, TRAIL_BUCKET, None)
    s3.put_bucket_policy(Bucket=TRAIL_BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "CloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{TRAIL_BUCKET}"},
        {"Sid": "CloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{TRAIL_BUCKET}/AWSLogs/{account_id}/*"},
        tls_only(TRAIL_BUCKET)]}))
    rec.add("aws.s3.bucket", TRAIL_BUCKET)

    logs = aws("logs", region)
    logs.create_log_group(logGroupName=TRAIL_LOG_GROUP)
    logs.put_retention_policy(logGroupName=TRAIL_LOG_GROUP, retentionInDays=400)
    rec.add("aws.logs.log_group", TRAIL_LOG_GROUP)
    role = _role(aws("iam"), "acme-cloudtrail-to-logs", "cloudtrail.amazonaws.com")
    cloudtrail = aws("cloudtrail", region)
    trail = cloudtrail.create_trail(
        Name=TRAIL, S3BucketName=TRAIL_BUCKET, IsMultiRegionTrail=True, IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True, CloudWatchLogsRoleArn=role,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{region}:{account_id}:log-group:{TRAIL_LOG_GROUP}:*",
    )
    cloudtrail.start_logging(Name=TRAIL)
    rec.add("aws.cloudtrail.trail", trail["TrailARN"], "trail_not_kms_encrypted")


def _alarms(aws: Aws, rec: Record, region: str) -> None:
    logs, cloudwatch = aws("logs", region), aws("cloudwatch", region)
    topic = aws("sns", region).create_topic(Name="acme-security-alerts")["TopicArn"]
    for name, (pattern, alarmed) in FILTERS.items():
        logs.put_metric_filter(logGroupName=TRAIL_LOG_GROUP, filterName=name, filterPattern=pattern,
                               metricTransformations=[{"metricName": name, "metricNamespace": ALARM_NAMESPACE,
                                                       "metricValue": "1"}])
        rec.add("aws.logs.metric_filter", f"{TRAIL_LOG_GROUP}:{name}", *rec.when(not alarmed, "filter_without_alarm"))
        if alarmed:
            cloudwatch.put_metric_alarm(
                AlarmName=f"cis-{name}", MetricName=name, Namespace=ALARM_NAMESPACE, Statistic="Sum", Period=300,
                EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanOrEqualToThreshold",
                AlarmActions=[topic], TreatMissingData="notBreaching",
            )
            rec.add("aws.cloudwatch.alarm", f"cis-{name}")
    rec.mistakes["no_alarm_for_nacl_or_trail_changes"].append(TRAIL_LOG_GROUP)


def _detection(aws: Aws, rec: Record, primary: str, secondary: str) -> None:
    """Threat detection and configuration history: on in Tokyo, forgotten in Virginia."""
    rec.add("aws.guardduty.detector", aws("guardduty", primary).create_detector(Enable=True)["DetectorId"])
    hub = aws("securityhub", primary)
    hub.enable_security_hub(EnableDefaultStandards=False)
    rec.add("aws.securityhub.hub", hub.describe_hub()["HubArn"])
    config = aws("config", primary)
    role = _role(aws("iam"), "acme-config", "config.amazonaws.com")
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": role,
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": TRAIL_BUCKET})
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    rec.add("aws.config.recorder", "default")
    for mistake in ("guardduty_off", "securityhub_off", "config_off"):
        rec.mistakes[mistake].append(secondary)
