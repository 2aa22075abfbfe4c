"""Security groups, network ACLs, subnet layout and flow logs."""

from __future__ import annotations

from typing import Any

import pytest

from checksheet.model import Resource, Status
from tests.checks.aws_builders import fault, inventory, only, res, run, verdicts

FAIL, PASS, ERROR = Status.FAIL, Status.PASS, Status.ERROR


def rule(protocol: str = "tcp", low: int | None = 22, high: int | None = 22, cidrs: tuple[str, ...] = (),
         v6: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"protocol": protocol, "from_port": low, "to_port": high, "cidrs": list(cidrs),
            "ipv6_cidrs": list(v6), "source_groups": []}


def sg(id_: str, *ingress: dict[str, Any], default: bool = False, egress: tuple[dict[str, Any], ...] = ()) -> Resource:
    return res("aws.ec2.security_group", id_, vpc_id="vpc-1", name=f"name-{id_}", is_default=default,
               ingress=list(ingress), egress=list(egress))


WORLD = ("0.0.0.0/0",)
WORLD6 = ("::/0",)


@pytest.mark.parametrize(
    ("check_id", "group", "expected"),
    [
        ("ec2_sg_no_ssh_open_to_internet", sg("sg", rule(cidrs=WORLD)), FAIL),
        ("ec2_sg_no_ssh_open_to_internet", sg("sg", rule(v6=WORLD6)), FAIL),  # IPv6 only
        ("ec2_sg_no_ssh_open_to_internet", sg("sg", rule(low=0, high=1024, cidrs=WORLD)), FAIL),  # range
        ("ec2_sg_no_ssh_open_to_internet", sg("sg", rule("-1", None, None, cidrs=WORLD)), FAIL),  # all protocols
        ("ec2_sg_no_ssh_open_to_internet", sg("sg", rule("6", 22, 22, cidrs=WORLD)), FAIL),  # protocol number
        ("ec2_sg_no_ssh_open_to_internet", sg("sg", rule(cidrs=("10.0.0.0/8",))), PASS),
        ("ec2_sg_no_ssh_open_to_internet", sg("sg", rule(low=23, high=1024, cidrs=WORLD)), PASS),
        ("ec2_sg_no_ssh_open_to_internet", sg("sg", rule("udp", 22, 22, cidrs=WORLD)), PASS),
        ("ec2_sg_no_ssh_open_to_internet", sg("sg", rule(low=443, high=443, cidrs=WORLD)), PASS),
        ("ec2_sg_no_rdp_open_to_internet", sg("sg", rule(low=3389, high=3389, cidrs=WORLD)), FAIL),
        ("ec2_sg_no_rdp_open_to_internet", sg("sg", rule(cidrs=WORLD)), PASS),
        ("ec2_sg_no_db_ports_open_to_internet", sg("sg", rule(low=5432, high=5432, v6=WORLD6)), FAIL),
        ("ec2_sg_no_db_ports_open_to_internet", sg("sg", rule(low=11211, high=11211, cidrs=WORLD)), FAIL),
        ("ec2_sg_no_db_ports_open_to_internet", sg("sg", rule(low=5000, high=6000, cidrs=WORLD)), FAIL),
        ("ec2_sg_no_db_ports_open_to_internet", sg("sg", rule(low=443, high=443, cidrs=WORLD)), PASS),
        ("ec2_sg_no_all_traffic_open_to_internet", sg("sg", rule("-1", None, None, cidrs=WORLD)), FAIL),
        ("ec2_sg_no_all_traffic_open_to_internet", sg("sg", rule("tcp", 0, 65535, v6=WORLD6)), FAIL),
        ("ec2_sg_no_all_traffic_open_to_internet", sg("sg", rule("-1", None, None, cidrs=("10.0.0.0/16",))), PASS),
        ("ec2_sg_no_all_traffic_open_to_internet", sg("sg", rule("tcp", 443, 443, cidrs=WORLD)), PASS),
    ],
)
def test_security_group_ports(check_id: str, group: Resource, expected: Status) -> None:
    assert verdicts(check_id, inventory(group)) == {"sg": expected}


def test_open_port_message_names_port_and_sources() -> None:
    finding = only("ec2_sg_no_ssh_open_to_internet", inventory(sg("sg-9", rule(cidrs=WORLD, v6=WORLD6))))
    assert "TCP 22" in finding.message.en and "0.0.0.0/0" in finding.message.en and "::/0" in finding.message.ja
    assert "sg-9" in finding.message.ja


def test_db_message_lists_each_open_db_port() -> None:
    finding = only("ec2_sg_no_db_ports_open_to_internet",
                   inventory(sg("sg", rule(low=3306, high=5432, cidrs=WORLD))))
    assert all(f"TCP {p}" in finding.message.en for p in (3306, 5432))
    assert "TCP 1433" not in finding.message.en and "TCP 5439" not in finding.message.en


def test_default_security_group_must_have_no_rules() -> None:
    inv = inventory(
        sg("sg-empty", default=True),
        sg("sg-out", default=True, egress=(rule("-1", None, None, cidrs=WORLD),)),
        sg("sg-custom", rule(cidrs=("10.0.0.0/8",))),
    )
    assert verdicts("ec2_default_sg_restricts_all", inv) == {"sg-empty": PASS, "sg-out": FAIL}
    assert "1 outbound" in only("ec2_default_sg_restricts_all", inventory(
        sg("sg-out", default=True, egress=(rule("-1", None, None, cidrs=WORLD),)))).message.en


def entry(number: int, action: str, protocol: str = "6", low: int | None = 22, high: int | None = 22,
          cidr: str | None = "0.0.0.0/0", v6: str | None = None, egress: bool = False) -> dict[str, Any]:
    return {"egress": egress, "rule_number": number, "protocol": protocol, "action": action, "cidr": cidr,
            "ipv6_cidr": v6, "from_port": low, "to_port": high}


def acl(*entries: dict[str, Any], vpc: str = "vpc-1") -> Resource:
    return res("aws.ec2.network_acl", "acl-1", vpc_id=vpc, is_default=False, entries=list(entries))


VPC = res("aws.ec2.vpc", "vpc-1", cidr="10.0.0.0/16", is_default=False, tags={})
DEFAULT_VPC = res("aws.ec2.vpc", "vpc-d", cidr="172.31.0.0/16", is_default=True, tags={})
DENY_ALL = entry(32767, "deny", "-1", None, None)


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ((entry(100, "allow", "-1", None, None), DENY_ALL), FAIL),  # the default ACL: all allowed
        ((entry(100, "allow", "6", 0, 65535), DENY_ALL), FAIL),
        ((entry(100, "allow", "-1", None, None, cidr=None, v6="::/0"), DENY_ALL), FAIL),  # IPv6
        ((entry(90, "deny", "6", 22, 22), entry(91, "deny", "6", 3389, 3389),
          entry(100, "allow", "-1", None, None), DENY_ALL), PASS),  # explicit deny comes first
        ((entry(100, "allow", "6", 443, 443), DENY_ALL), PASS),
        ((entry(100, "allow", "-1", None, None, cidr="10.0.0.0/8"), DENY_ALL), PASS),
        ((entry(100, "allow", "-1", None, None, egress=True), DENY_ALL), PASS),  # egress only
        ((entry(100, "allow", "17", 0, 65535), DENY_ALL), PASS),  # UDP is not SSH/RDP
    ],
)
def test_network_acl_rule_order(entries: tuple[dict[str, Any], ...], expected: Status) -> None:
    assert verdicts("ec2_nacl_no_admin_ports_open_to_internet", inventory(VPC, acl(*entries))) == {"acl-1": expected}


def test_network_acl_message_names_rule_and_port() -> None:
    finding = only("ec2_nacl_no_admin_ports_open_to_internet",
                   inventory(VPC, acl(entry(100, "allow", "6", 3389, 3389), DENY_ALL)))
    assert "TCP 3389" in finding.message.en and "#100" in finding.message.ja


def instance(id_: str, subnet: str, vpc: str = "vpc-1", state: str = "running", public_ip: str | None = None,
             tags: dict[str, str] | None = None) -> Resource:
    return res("aws.ec2.instance", id_, state=state, vpc_id=vpc, subnet_id=subnet, public_ip=public_ip,
               private_ip="10.0.1.5", tags=tags or {}, imds_v2_required=True)


def test_unused_default_vpc_acls_and_flow_logs_are_not_judged() -> None:
    inv = inventory(DEFAULT_VPC, acl(entry(100, "allow", "-1", None, None), DENY_ALL, vpc="vpc-d"))
    assert run("ec2_nacl_no_admin_ports_open_to_internet", inv) == []
    assert run("vpc_flow_logs_enabled", inv) == []
    used = inventory(DEFAULT_VPC, instance("i-1", "subnet-d", vpc="vpc-d"))
    assert verdicts("vpc_flow_logs_enabled", used) == {"vpc-d": FAIL}


def subnet(id_: str, public: bool, vpc: str = "vpc-1") -> Resource:
    return res("aws.ec2.subnet", id_, vpc_id=vpc, az="us-east-1a", cidr="10.0.0.0/24",
               map_public_ip_on_launch=public, route_table_id="rtb-1", public=public)


def db(id_: str, subnets: list[str], vpc: str = "vpc-1") -> Resource:
    return res("aws.rds.instance", id_, vpc_id=vpc, subnet_ids=subnets, engine="postgres", tags={})


def test_vpc_with_private_workloads_in_private_subnets_passes() -> None:
    inv = inventory(VPC, subnet("pub", True), subnet("priv-a", False), subnet("priv-b", False),
                    instance("i-app", "priv-a"), db("orders", ["priv-a", "priv-b"]),
                    instance("i-bastion", "pub", public_ip="3.3.3.3", tags={"role": "Bastion"}))
    finding = only("vpc_public_private_subnets", inv)
    assert finding.status is PASS
    assert "1 public and 2 private" in finding.message.en and "2 workloads" in finding.message.en


@pytest.mark.parametrize(
    ("resources", "words"),
    [
        ((subnet("pub", True), instance("i-app", "pub")), "no private subnet"),
        ((subnet("pub", True), subnet("priv", False), instance("i-app", "pub")), "i-app"),
        ((subnet("pub", True), subnet("priv", False), db("orders", ["priv", "pub"])), "rds:orders"),
    ],
)
def test_vpc_with_workloads_in_public_subnets_fails(resources: tuple[Resource, ...], words: str) -> None:
    finding = only("vpc_public_private_subnets", inventory(VPC, *resources))
    assert finding.status is FAIL and words in finding.message.en


def test_vpc_without_workloads_is_not_judged() -> None:
    assert run("vpc_public_private_subnets", inventory(VPC, subnet("pub", True))) == []
    stopped = inventory(VPC, subnet("pub", True), instance("i-x", "pub", state="terminated"))
    assert run("vpc_public_private_subnets", stopped) == []


def flow(vpc: str, status: str = "ACTIVE", traffic: str = "ALL") -> Resource:
    return res("aws.ec2.flow_log", f"fl-{vpc}-{traffic}", resource_id=vpc, status=status, traffic_type=traffic,
               destination_type="s3")


@pytest.mark.parametrize(
    ("logs", "expected"),
    [
        ((flow("vpc-1"),), PASS),
        ((flow("vpc-1", traffic="REJECT"),), PASS),
        ((flow("vpc-1", traffic="ACCEPT"),), FAIL),
        ((flow("vpc-1", status="FAILED"),), FAIL),
        ((flow("vpc-other"),), FAIL),
        ((), FAIL),
    ],
)
def test_flow_logs(logs: tuple[Resource, ...], expected: Status) -> None:
    assert verdicts("vpc_flow_logs_enabled", inventory(VPC, *logs)) == {"vpc-1": expected}


def test_fault_on_security_groups_is_an_error_and_no_pass() -> None:
    inv = inventory(sg("sg", rule(cidrs=("10.0.0.0/8",))), faults=(fault("aws.ec2.security_group"),))
    assert verdicts("ec2_sg_no_ssh_open_to_internet", inv) == {"error:us-east-1": ERROR}


def test_fault_in_another_region_leaves_this_region_judged() -> None:
    inv = inventory(sg("sg", rule(cidrs=WORLD)), regions=("us-east-1", "eu-west-1"),
                    faults=(fault("aws.ec2.security_group", region="eu-west-1"),))
    assert verdicts("ec2_sg_no_ssh_open_to_internet", inv) == {"sg": FAIL, "error:eu-west-1": ERROR}
