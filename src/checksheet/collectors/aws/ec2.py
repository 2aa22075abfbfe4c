"""EC2: security groups, instances, EBS volumes and snapshots, EBS encryption by default."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from checksheet.collectors.aws.context import Ctx
from checksheet.collectors.aws.normalise import iso, tags
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

SECURITY_GROUP = "aws.ec2.security_group"
INSTANCE = "aws.ec2.instance"
VOLUME = "aws.ec2.volume"
SNAPSHOT = "aws.ec2.snapshot"
EBS_DEFAULT_ENCRYPTION = "aws.ec2.ebs_default_encryption"


def _rule(p: Mapping[str, Any]) -> dict[str, Any]:
    protocol = str(p.get("IpProtocol", "-1"))
    every_port = protocol == "-1"
    return {
        "protocol": protocol,
        "from_port": None if every_port else p.get("FromPort"),
        "to_port": None if every_port else p.get("ToPort"),
        "cidrs": [r["CidrIp"] for r in p.get("IpRanges") or [] if r.get("CidrIp")],
        "ipv6_cidrs": [r["CidrIpv6"] for r in p.get("Ipv6Ranges") or [] if r.get("CidrIpv6")],
        "source_groups": [g["GroupId"] for g in p.get("UserIdGroupPairs") or [] if g.get("GroupId")],
        "prefix_lists": [x["PrefixListId"] for x in p.get("PrefixListIds") or [] if x.get("PrefixListId")],
    }


@collector(name="ec2.security_groups", service="ec2", scope=Scope.REGIONAL, yields=(SECURITY_GROUP,),
           actions=("ec2:DescribeSecurityGroups",))
def security_groups(ctx: Ctx) -> Iterator[Resource]:
    for g in ctx.pages("ec2", "describe_security_groups", "SecurityGroups"):
        yield ctx.resource(SECURITY_GROUP, g["GroupId"], {
            "vpc_id": g.get("VpcId"),
            "name": g.get("GroupName"),
            "is_default": g.get("GroupName") == "default",
            "ingress": [_rule(p) for p in g.get("IpPermissions") or []],
            "egress": [_rule(p) for p in g.get("IpPermissionsEgress") or []],
        })


def _instance(i: Mapping[str, Any]) -> dict[str, Any]:
    metadata = i.get("MetadataOptions") or {}
    return {
        "state": (i.get("State") or {}).get("Name"),
        "vpc_id": i.get("VpcId"),
        "subnet_id": i.get("SubnetId"),
        "public_ip": i.get("PublicIpAddress"),
        "private_ip": i.get("PrivateIpAddress"),
        "instance_profile_arn": (i.get("IamInstanceProfile") or {}).get("Arn"),
        "security_group_ids": [g["GroupId"] for g in i.get("SecurityGroups") or []],
        "imds_v2_required": metadata.get("HttpTokens") == "required",
        "imds_enabled": metadata.get("HttpEndpoint", "enabled") != "disabled",
        "platform": i.get("PlatformDetails") or i.get("Platform") or "Linux/UNIX",
        "image_id": i.get("ImageId"),
        "launch_time": iso(i.get("LaunchTime")),
        "tags": tags(i.get("Tags")),
    }


@collector(name="ec2.instances", service="ec2", scope=Scope.REGIONAL, yields=(INSTANCE,),
           actions=("ec2:DescribeInstances",))
def instances(ctx: Ctx) -> Iterator[Resource]:
    for reservation in ctx.pages("ec2", "describe_instances", "Reservations"):
        for i in reservation.get("Instances") or []:
            yield ctx.resource(INSTANCE, i["InstanceId"], _instance(i))


@collector(name="ec2.volumes", service="ec2", scope=Scope.REGIONAL, yields=(VOLUME,),
           actions=("ec2:DescribeVolumes",))
def volumes(ctx: Ctx) -> Iterator[Resource]:
    for v in ctx.pages("ec2", "describe_volumes", "Volumes"):
        yield ctx.resource(VOLUME, v["VolumeId"], {
            "encrypted": bool(v.get("Encrypted")),
            "kms_key_id": v.get("KmsKeyId"),
            "size_gib": v.get("Size"),
            "state": v.get("State"),
            "instance_ids": [a["InstanceId"] for a in v.get("Attachments") or [] if a.get("InstanceId")],
        })


@collector(name="ec2.snapshots", service="ec2", scope=Scope.REGIONAL, yields=(SNAPSHOT,),
           actions=("ec2:DescribeSnapshots",))
def snapshots(ctx: Ctx) -> Iterator[Resource]:
    # Only the account's own: public and shared snapshots of others are not its data.
    for s in ctx.pages("ec2", "describe_snapshots", "Snapshots", OwnerIds=["self"]):
        if s.get("OwnerId") not in (None, ctx.account):
            continue  # some endpoints (emulators) ignore OwnerIds and return public AMI snapshots
        yield ctx.resource(SNAPSHOT, s["SnapshotId"], {
            "encrypted": bool(s.get("Encrypted")),
            "volume_id": s.get("VolumeId"),
            "start_time": iso(s.get("StartTime")),
        })


@collector(name="ec2.ebs_default_encryption", service="ec2", scope=Scope.REGIONAL,
           yields=(EBS_DEFAULT_ENCRYPTION,), actions=("ec2:GetEbsEncryptionByDefault",))
def ebs_default_encryption(ctx: Ctx) -> Iterator[Resource]:
    answer = ctx.call("ec2", "get_ebs_encryption_by_default")
    if answer is not None:
        yield ctx.resource(EBS_DEFAULT_ENCRYPTION, ctx.region, {"enabled": bool(answer.get("EbsEncryptionByDefault"))})
