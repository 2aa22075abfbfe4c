"""VPC layout: VPCs, subnets with their route tables, gateways, network ACLs, flow logs, endpoints."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from checksheet.collectors.aws.context import Ctx
from checksheet.collectors.aws.normalise import tags
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

VPC = "aws.ec2.vpc"
SUBNET = "aws.ec2.subnet"
ROUTE_TABLE = "aws.ec2.route_table"
INTERNET_GATEWAY = "aws.ec2.internet_gateway"
NAT_GATEWAY = "aws.ec2.nat_gateway"
NETWORK_ACL = "aws.ec2.network_acl"
FLOW_LOG = "aws.ec2.flow_log"
VPC_ENDPOINT = "aws.ec2.vpc_endpoint"
_WORLD = ("0.0.0.0/0", "::/0")


def _route(r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "destination": r.get("DestinationCidrBlock") or r.get("DestinationIpv6CidrBlock")
        or r.get("DestinationPrefixListId"),
        "gateway_id": r.get("GatewayId") or r.get("EgressOnlyInternetGatewayId"),
        "nat_gateway_id": r.get("NatGatewayId"),
    }


def _to_internet(table: Mapping[str, Any]) -> bool:
    """A default route (IPv4 or IPv6) through an internet gateway."""
    return any(
        r["destination"] in _WORLD and str(r["gateway_id"] or "").startswith("igw-") for r in table["routes"]
    )


@collector(
    name="vpc.topology",
    service="ec2",
    scope=Scope.REGIONAL,
    yields=(VPC, SUBNET, ROUTE_TABLE, INTERNET_GATEWAY),
    actions=("ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeRouteTables", "ec2:DescribeInternetGateways"),
    feeds={
        "ec2:DescribeVpcs": (VPC,),
        "ec2:DescribeSubnets": (SUBNET,),
        "ec2:DescribeRouteTables": (ROUTE_TABLE, SUBNET),
        "ec2:DescribeInternetGateways": (INTERNET_GATEWAY,),
    },
)
def topology(ctx: Ctx) -> Iterator[Resource]:
    for v in ctx.pages("ec2", "describe_vpcs", "Vpcs"):
        yield ctx.resource(VPC, v["VpcId"], {
            "cidr": v.get("CidrBlock"), "is_default": bool(v.get("IsDefault")), "tags": tags(v.get("Tags")),
        })
    tables = []
    for t in ctx.pages("ec2", "describe_route_tables", "RouteTables"):
        associations = t.get("Associations") or []
        tables.append({
            "id": t["RouteTableId"],
            "vpc_id": t.get("VpcId"),
            "main": any(a.get("Main") for a in associations),
            "subnet_ids": sorted(a["SubnetId"] for a in associations if a.get("SubnetId")),
            "routes": [_route(r) for r in t.get("Routes") or []],
        })
    for t in tables:
        yield ctx.resource(ROUTE_TABLE, t["id"], {k: v for k, v in t.items() if k != "id"})
    explicit = {s: t for t in tables for s in t["subnet_ids"]}
    main = {t["vpc_id"]: t for t in tables if t["main"]}
    for s in ctx.pages("ec2", "describe_subnets", "Subnets"):
        table = explicit.get(s["SubnetId"]) or main.get(s.get("VpcId"))
        yield ctx.resource(SUBNET, s["SubnetId"], {
            "vpc_id": s.get("VpcId"),
            "az": s.get("AvailabilityZone"),
            "cidr": s.get("CidrBlock"),
            "map_public_ip_on_launch": bool(s.get("MapPublicIpOnLaunch")),
            "route_table_id": table["id"] if table else None,
            "public": _to_internet(table) if table else False,
            "tags": tags(s.get("Tags")),
        })
    for g in ctx.pages("ec2", "describe_internet_gateways", "InternetGateways"):
        yield ctx.resource(INTERNET_GATEWAY, g["InternetGatewayId"], {
            "vpc_ids": sorted(a["VpcId"] for a in g.get("Attachments") or [] if a.get("VpcId")),
        })


@collector(name="vpc.nat_gateways", service="ec2", scope=Scope.REGIONAL, yields=(NAT_GATEWAY,),
           actions=("ec2:DescribeNatGateways",))
def nat_gateways(ctx: Ctx) -> Iterator[Resource]:
    for n in ctx.pages("ec2", "describe_nat_gateways", "NatGateways"):
        yield ctx.resource(NAT_GATEWAY, n["NatGatewayId"], {
            "vpc_id": n.get("VpcId"), "subnet_id": n.get("SubnetId"), "state": n.get("State"),
        })


def _acl_entry(e: Mapping[str, Any]) -> dict[str, Any]:
    ports = e.get("PortRange") or {}
    return {
        "egress": bool(e.get("Egress")),
        "rule_number": e.get("RuleNumber"),
        "protocol": str(e.get("Protocol")),
        "action": e.get("RuleAction"),
        "cidr": e.get("CidrBlock"),
        "ipv6_cidr": e.get("Ipv6CidrBlock"),
        "from_port": ports.get("From"),
        "to_port": ports.get("To"),
    }


@collector(name="vpc.network_acls", service="ec2", scope=Scope.REGIONAL, yields=(NETWORK_ACL,),
           actions=("ec2:DescribeNetworkAcls",))
def network_acls(ctx: Ctx) -> Iterator[Resource]:
    for a in ctx.pages("ec2", "describe_network_acls", "NetworkAcls"):
        yield ctx.resource(NETWORK_ACL, a["NetworkAclId"], {
            "vpc_id": a.get("VpcId"),
            "is_default": bool(a.get("IsDefault")),
            "subnet_ids": sorted(x["SubnetId"] for x in a.get("Associations") or [] if x.get("SubnetId")),
            "entries": [_acl_entry(e) for e in a.get("Entries") or []],
        })


@collector(name="vpc.flow_logs", service="ec2", scope=Scope.REGIONAL, yields=(FLOW_LOG,),
           actions=("ec2:DescribeFlowLogs",))
def flow_logs(ctx: Ctx) -> Iterator[Resource]:
    for f in ctx.pages("ec2", "describe_flow_logs", "FlowLogs"):
        yield ctx.resource(FLOW_LOG, f["FlowLogId"], {
            "resource_id": f.get("ResourceId"),
            "status": f.get("FlowLogStatus"),
            "traffic_type": f.get("TrafficType"),
            "destination_type": f.get("LogDestinationType"),
        })


@collector(name="vpc.endpoints", service="ec2", scope=Scope.REGIONAL, yields=(VPC_ENDPOINT,),
           actions=("ec2:DescribeVpcEndpoints",))
def endpoints(ctx: Ctx) -> Iterator[Resource]:
    for e in ctx.pages("ec2", "describe_vpc_endpoints", "VpcEndpoints"):
        yield ctx.resource(VPC_ENDPOINT, e["VpcEndpointId"], {
            "vpc_id": e.get("VpcId"), "service_name": e.get("ServiceName"), "endpoint_type": e.get("VpcEndpointType"),
        })
