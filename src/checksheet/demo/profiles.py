"""What Acme SaaS looks like: its two stacks and its staff, as data. `seed.py` turns this into API calls."""

from __future__ import annotations

from dataclasses import dataclass


def suffix(i: int) -> str:
    """Copy 0 keeps the plain names; copies 1.. of a scaled-up account get -02, -03..."""
    return "" if i == 0 else f"-{i + 1:02d}"


@dataclass(frozen=True, slots=True)
class Database:
    name: str
    public: bool
    encrypted: bool
    multi_az: bool
    backup_days: int
    deletion_protection: bool
    open_to_internet: bool  # its security group lets 0.0.0.0/0 reach 5432


@dataclass(frozen=True, slots=True)
class Bucket:
    name: str
    kms: bool  # SSE-KMS with the stack's key; otherwise SSE-S3
    private: bool  # Block Public Access on, TLS-only policy
    versioned: bool
    logged: bool  # server access logs to the stack's log bucket
    public_read: bool = False  # a bucket policy that grants s3:GetObject to everyone


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    cidr_base: int
    app_instances: int
    bastion: bool
    stray_public_instance: bool  # a debugging box left in a public subnet with SSH open
    map_public_ip: bool
    flow_logs: bool
    waf: bool
    tls_policy: str
    http_redirect: bool  # port 80 redirects to 443 instead of serving plain HTTP
    cert_days: int
    kms_rotation: bool
    scratch_volume_encrypted: bool
    efs_encrypted: bool
    dynamodb_kms_pitr: bool
    backup_plan: bool
    app_log_retention_days: int | None
    databases: tuple[Database, ...]
    buckets: tuple[Bucket, ...]  # a log bucket before the buckets that log into it


PROD = Profile(
    name="prod",
    cidr_base=0,
    app_instances=3,
    bastion=True,
    stray_public_instance=True,
    map_public_ip=False,
    flow_logs=True,
    waf=True,
    tls_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
    http_redirect=True,
    cert_days=365,
    kms_rotation=True,
    scratch_volume_encrypted=True,
    efs_encrypted=True,
    dynamodb_kms_pitr=True,
    backup_plan=True,
    app_log_retention_days=400,
    databases=(
        Database("acme-prod-db", public=False, encrypted=True, multi_az=True, backup_days=14,
                 deletion_protection=True, open_to_internet=False),
        Database("acme-analytics-db", public=True, encrypted=False, multi_az=False, backup_days=1,
                 deletion_protection=False, open_to_internet=True),
    ),
    buckets=(
        Bucket("acme-saas-prod-access-logs", kms=False, private=True, versioned=False, logged=False),
        Bucket("acme-saas-prod-assets", kms=True, private=True, versioned=True, logged=True),
        Bucket("acme-saas-marketing-site", kms=False, private=False, versioned=False, logged=False,
               public_read=True),
    ),
)

DR = Profile(
    name="dr",
    cidr_base=100,
    app_instances=2,
    bastion=False,
    stray_public_instance=False,
    map_public_ip=True,
    flow_logs=False,
    waf=False,
    tls_policy="ELBSecurityPolicy-2016-08",
    http_redirect=False,
    cert_days=20,
    kms_rotation=False,
    scratch_volume_encrypted=False,
    efs_encrypted=False,
    dynamodb_kms_pitr=False,
    backup_plan=False,
    app_log_retention_days=None,
    databases=(
        Database("acme-dr-db", public=False, encrypted=True, multi_az=False, backup_days=7,
                 deletion_protection=True, open_to_internet=False),
    ),
    buckets=(
        Bucket("acme-saas-dr-backups", kms=False, private=True, versioned=True, logged=False),
    ),
)


@dataclass(frozen=True, slots=True)
class User:
    name: str
    team: str
    groups: tuple[str, ...]
    console: bool
    mfa: bool
    key_age_days: int | None = None  # an access key this old; None: no key
    direct_admin: bool = False  # AdministratorAccess attached to the user itself
    mistakes: tuple[str, ...] = ()


USERS = (
    User("a.tanaka", "platform", ("Admins",), console=True, mfa=True),
    User("y.suzuki", "product", ("Developers",), console=True, mfa=True),
    User("h.sato", "product", ("Developers",), console=True, mfa=True),
    User("k.takahashi", "support", ("Developers",), console=True, mfa=False, mistakes=("console_without_mfa",)),
    User("m.ito", "security", ("Auditors",), console=True, mfa=True),
    User("r.watanabe", "contractor", ("Developers",), console=True, mfa=True, key_age_days=30),
    User("svc-ci-deploy", "platform", (), console=False, mfa=False, key_age_days=400,
         mistakes=("access_key_older_than_90_days",)),
    User("svc-terraform", "platform", (), console=False, mfa=False, key_age_days=20, direct_admin=True,
         mistakes=("admin_policy_on_user",)),
)
