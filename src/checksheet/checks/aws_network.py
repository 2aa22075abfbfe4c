"""Network exposure: security groups, network ACLs, subnet layout and VPC flow logs."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from checksheet.checks.aws_scope import WORLD_V4, WORLD_V6, is_entry_point, listing, public_subnet, scoped
from checksheet.checks.base import Check, Evaluate, Outcome, registry
from checksheet.inventory import Inventory
from checksheet.model import Resource, Severity, Text

CHECKS: list[Check] = []
check = registry(CHECKS)

DB_PORTS = (3306, 5432, 1433, 1521, 6379, 11211, 27017, 9200, 5439)
ADMIN_PORTS = (22, 3389)
_PROTOCOL_NUMBERS = {"tcp": "6", "udp": "17"}
_GONE = frozenset({"terminated", "shutting-down"})
_WORKLOADS = ("aws.ec2.instance", "aws.rds.instance", "aws.elbv2.load_balancer")


def _covers(protocol: Any, from_port: Any, to_port: Any, port: int, proto: str = "tcp") -> bool:
    """A rule of this protocol and port range admits `proto` traffic to `port` ("-1" = everything)."""
    p = str(protocol).lower()
    if p in ("-1", "all"):
        return True
    if p not in (proto, _PROTOCOL_NUMBERS[proto]):
        return False
    if from_port is None or to_port is None:
        return True
    return int(from_port) <= port <= int(to_port)


def _world_sources(rule: Mapping[str, Any]) -> list[str]:
    v4 = [c for c in rule.get("cidrs") or [] if c == WORLD_V4]
    v6 = [c for c in rule.get("ipv6_cidrs") or [] if c == WORLD_V6]
    return v4 + v6


def _sg_name(sg: Resource) -> str:
    name = sg.attributes.get("name")
    return f"{sg.id} ({name})" if name else sg.id


def _open_ports(sg: Resource, ports: Sequence[int]) -> dict[int, set[str]]:
    """Port -> internet sources (0.0.0.0/0, ::/0) that ingress rules admit to it over TCP."""
    found: dict[int, set[str]] = {}
    for rule in sg.attributes.get("ingress") or []:
        sources = _world_sources(rule)
        if not sources:
            continue
        for port in ports:
            if _covers(rule.get("protocol"), rule.get("from_port"), rule.get("to_port"), port):
                found.setdefault(port, set()).update(sources)
    return found


def _spaced(ja: str) -> str:
    """Japanese text around a phrase that starts or ends in Latin letters takes a space on that side."""
    return f"{' ' if ja[:1].isascii() else ''}{ja}{' ' if ja[-1:].isascii() else ''}"


def _port_check(ports: Sequence[int], what: Text) -> Evaluate:
    what = Text(_spaced(what.ja), what.en)

    def evaluate(inv: Inventory) -> Iterator[Outcome]:
        for sg in scoped(inv, "aws.ec2.security_group"):
            found = _open_ports(sg, ports)
            if not found:
                yield Outcome.of(sg, True, Text(
                    ja=f"セキュリティグループ {_sg_name(sg)} は{what.ja}をインターネットに公開していません。",
                    en=f"Security group {_sg_name(sg)} does not open {what.en} to the internet.",
                ))
                continue
            detail = "; ".join(f"TCP {p} ← {', '.join(sorted(found[p]))}" for p in sorted(found))
            yield Outcome.of(sg, False, Text(
                ja=f"セキュリティグループ {_sg_name(sg)} が{what.ja}をインターネットに公開しています ({detail})。",
                en=f"Security group {_sg_name(sg)} opens {what.en} to the internet ({detail}).",
            ))

    return evaluate


def _declare_port_check(
    check_id: str, controls: tuple[str, ...], ports: Sequence[int], title: Text, what: Text, fix: Text
) -> None:
    declare: Callable[[Evaluate], Evaluate] = check(
        id=check_id, controls=controls, severity=Severity.HIGH, title=title, needs=("aws.ec2.security_group",),
        remediation=Text(
            ja=f"{what.ja}への 0.0.0.0/0 および ::/0 からのインバウンドルールを削除し、{fix.ja}",
            en=f"Remove inbound rules that admit 0.0.0.0/0 or ::/0 to {what.en}; {fix.en}",
        ),
    )
    declare(_port_check(ports, what))


_declare_port_check(
    "ec2_sg_no_ssh_open_to_internet", ("NET-02",), (22,),
    Text("SSH (22番ポート) がインターネットに公開されていない", "SSH (port 22) is not open to the internet"),
    Text("SSH (22番ポート)", "SSH (port 22)"),
    Text(
        "運用アクセスには SSM Session Manager または接続元 IP を限定した踏み台サーバーを使用してください。",
        "use SSM Session Manager or a bastion restricted to known source addresses for administration.",
    ),
)
_declare_port_check(
    "ec2_sg_no_rdp_open_to_internet", ("NET-02",), (3389,),
    Text("RDP (3389番ポート) がインターネットに公開されていない", "RDP (port 3389) is not open to the internet"),
    Text("RDP (3389番ポート)", "RDP (port 3389)"),
    Text(
        "運用アクセスには SSM Session Manager (Fleet Manager) または接続元 IP を限定した踏み台サーバーを"
        "使用してください。",
        "use SSM Session Manager (Fleet Manager) or a bastion restricted to known source addresses.",
    ),
)
_declare_port_check(
    "ec2_sg_no_db_ports_open_to_internet", ("NET-03",), DB_PORTS,
    Text(
        "データベースのポートがインターネットに公開されていない",
        "Database ports are not open to the internet",
    ),
    Text(
        "データベースのポート (3306, 5432, 1433, 1521, 6379, 11211, 27017, 9200, 5439)",
        "database ports (3306, 5432, 1433, 1521, 6379, 11211, 27017, 9200, 5439)",
    ),
    Text(
        "アプリケーションサーバーのセキュリティグループからのみ接続を許可してください。",
        "allow connections only from the application tier's security group.",
    ),
)


def _all_traffic(rule: Mapping[str, Any]) -> bool:
    protocol = str(rule.get("protocol")).lower()
    if protocol in ("-1", "all"):
        return True
    if protocol not in ("tcp", "udp", "6", "17"):
        return False
    low, high = rule.get("from_port"), rule.get("to_port")
    return low is None or high is None or (int(low) <= 0 and int(high) >= 65535)


def _what_rule_admits(rule: Mapping[str, Any]) -> Text:
    """"all traffic", or "all TCP ports" for a protocol-wide rule: the message must not overstate it."""
    protocol = str(rule.get("protocol")).lower()
    if protocol in ("-1", "all"):
        return Text("全トラフィック", "all traffic")
    name = {"6": "tcp", "17": "udp"}.get(protocol, protocol).upper()
    return Text(f"{name} の全ポート", f"all {name} ports")


@check(
    id="ec2_sg_no_all_traffic_open_to_internet",
    controls=("NET-09",),
    severity=Severity.CRITICAL,
    title=Text(
        "全プロトコル・全ポートをインターネットに公開するセキュリティグループがない",
        "No security group opens all protocols and ports to the internet",
    ),
    remediation=Text(
        ja="0.0.0.0/0 または ::/0 から全トラフィックを許可するインバウンドルールを削除し、"
        "必要なポートと接続元だけを許可してください。",
        en="Remove inbound rules that admit all traffic from 0.0.0.0/0 or ::/0; allow only the ports and "
        "sources the service needs.",
    ),
    needs=("aws.ec2.security_group",),
)
def _sg_all_traffic(inv: Inventory) -> Iterator[Outcome]:
    for sg in scoped(inv, "aws.ec2.security_group"):
        open_rules = [r for r in sg.attributes.get("ingress") or [] if _all_traffic(r) and _world_sources(r)]
        if open_rules:
            ja = sorted({f"{', '.join(_world_sources(r))} からの{_spaced(_what_rule_admits(r).ja)}".rstrip()
                         for r in open_rules})
            en = sorted({f"{_what_rule_admits(r).en} from {', '.join(_world_sources(r))}" for r in open_rules})
            yield Outcome.of(sg, False, Text(
                ja=f"セキュリティグループ {_sg_name(sg)} が {'、'.join(ja)}を許可しています。",
                en=f"Security group {_sg_name(sg)} admits {'; '.join(en)}.",
            ))
        else:
            yield Outcome.of(sg, True, Text(
                ja=f"セキュリティグループ {_sg_name(sg)} はインターネットからの全トラフィックを許可していません。",
                en=f"Security group {_sg_name(sg)} does not admit all traffic from the internet.",
            ))


@check(
    id="ec2_default_sg_restricts_all",
    controls=("NET-09",),
    severity=Severity.MEDIUM,
    title=Text(
        "デフォルトセキュリティグループがすべての通信を拒否している",
        "Default security groups allow no traffic",
    ),
    remediation=Text(
        ja="各 VPC のデフォルトセキュリティグループからインバウンド・アウトバウンドのルールをすべて削除し、"
        "用途ごとに作成したセキュリティグループを使用してください。",
        en="Remove every inbound and outbound rule from each VPC's default security group and use "
        "purpose-built security groups instead.",
    ),
    needs=("aws.ec2.security_group",),
)
def _default_sg(inv: Inventory) -> Iterator[Outcome]:
    for sg in scoped(inv, "aws.ec2.security_group"):
        if not sg.attributes.get("is_default"):
            continue
        inbound = len(sg.attributes.get("ingress") or [])
        outbound = len(sg.attributes.get("egress") or [])
        vpc = sg.attributes.get("vpc_id")
        if inbound or outbound:
            yield Outcome.of(sg, False, Text(
                ja=f"VPC {vpc} のデフォルトセキュリティグループ {sg.id} にインバウンド {inbound} 件、"
                f"アウトバウンド {outbound} 件のルールがあります。",
                en=f"Default security group {sg.id} of VPC {vpc} has {inbound} inbound and {outbound} outbound rules.",
            ))
        else:
            yield Outcome.of(sg, True, Text(
                ja=f"VPC {vpc} のデフォルトセキュリティグループ {sg.id} にはルールがありません。",
                en=f"Default security group {sg.id} of VPC {vpc} has no rules.",
            ))


def _vpcs_in_use(inv: Inventory) -> set[tuple[str, str, str]]:
    """(account, region, vpc) holding instances, databases or load balancers."""
    used = set()
    for resource_type in _WORKLOADS:
        for r in scoped(inv, resource_type):
            if r.attributes.get("state") not in _GONE and r.attributes.get("vpc_id"):
                used.add((r.account, r.region, str(r.attributes["vpc_id"])))
    return used


def _relevant_vpc(inv: Inventory) -> Callable[[str, str, str], bool]:
    """Non-default VPCs, and default VPCs only when something runs in them."""
    used = _vpcs_in_use(inv)
    default = {(v.account, v.region, v.id) for v in scoped(inv, "aws.ec2.vpc") if v.attributes.get("is_default")}
    return lambda account, region, vpc: (account, region, vpc) in used or (account, region, vpc) not in default


def _nacl_admits(entries: Sequence[Mapping[str, Any]], port: int, world: str, key: str) -> Mapping[str, Any] | None:
    """The entry that decides inbound TCP `port` from `world`, when that entry allows it (rules in order)."""
    matching = sorted(
        (
            e
            for e in entries
            if not e.get("egress")
            and e.get(key) == world
            and _covers(e.get("protocol"), e.get("from_port"), e.get("to_port"), port)
        ),
        key=lambda e: int(e.get("rule_number") or 0),
    )
    if matching and str(matching[0].get("action")).lower() == "allow":
        return matching[0]
    return None


@check(
    id="ec2_nacl_no_admin_ports_open_to_internet",
    controls=("NET-02",),
    severity=Severity.MEDIUM,
    title=Text(
        "ネットワーク ACL が管理用ポート (22, 3389) へのインターネットからの通信を許可していない",
        "Network ACLs do not admit administration ports (22, 3389) from the internet",
    ),
    remediation=Text(
        ja="使用中の VPC のネットワーク ACL に、0.0.0.0/0 と ::/0 から TCP 22 と 3389 への通信を拒否するルールを"
        "許可ルールより小さいルール番号で追加してください。",
        en="In the network ACLs of VPCs in use, add rules that deny TCP 22 and 3389 from 0.0.0.0/0 and ::/0 "
        "with lower rule numbers than any allow rule.",
    ),
    needs=("aws.ec2.network_acl", "aws.ec2.vpc", *_WORKLOADS),
)
def _nacl_admin_ports(inv: Inventory) -> Iterator[Outcome]:
    relevant = _relevant_vpc(inv)
    for acl in scoped(inv, "aws.ec2.network_acl"):
        vpc = str(acl.attributes.get("vpc_id"))
        if not relevant(acl.account, acl.region, vpc):
            continue
        entries = acl.attributes.get("entries") or []
        admitted = sorted(
            f"TCP {port} ← {world} (#{entry.get('rule_number')})"
            for port in ADMIN_PORTS
            for world, key in ((WORLD_V4, "cidr"), (WORLD_V6, "ipv6_cidr"))
            if (entry := _nacl_admits(entries, port, world, key)) is not None
        )
        if admitted:
            yield Outcome.of(acl, False, Text(
                ja=f"VPC {vpc} のネットワーク ACL {acl.id} がインターネットから管理用ポートへの通信を許可しています "
                f"({'; '.join(admitted)})。",
                en=f"Network ACL {acl.id} of VPC {vpc} admits administration ports from the internet "
                f"({'; '.join(admitted)}).",
            ))
        else:
            yield Outcome.of(acl, True, Text(
                ja=f"VPC {vpc} のネットワーク ACL {acl.id} はインターネットから TCP 22/3389 への"
                "通信を許可していません。",
                en=f"Network ACL {acl.id} of VPC {vpc} does not admit TCP 22 or 3389 from the internet.",
            ))


def _private_workloads(inv: Inventory, vpc: Resource) -> list[tuple[str, list[str]]]:
    """(workload, its subnet ids) for instances that are not declared entry points, and databases."""
    found: list[tuple[str, list[str]]] = []
    for i in scoped(inv, "aws.ec2.instance"):
        a = i.attributes
        here = (i.account, i.region, a.get("vpc_id")) == (vpc.account, vpc.region, vpc.id)
        if here and a.get("state") not in _GONE and not is_entry_point(i) and a.get("subnet_id"):
            found.append((i.id, [str(a["subnet_id"])]))
    for db in scoped(inv, "aws.rds.instance"):
        if (db.account, db.region, db.attributes.get("vpc_id")) == (vpc.account, vpc.region, vpc.id):
            found.append((f"rds:{db.id}", [str(s) for s in db.attributes.get("subnet_ids") or []]))
    return found


@check(
    id="vpc_public_private_subnets",
    controls=("NET-01",),
    severity=Severity.HIGH,
    title=Text(
        "使用中の VPC がパブリックサブネットとプライベートサブネットに分離されている",
        "VPCs in use separate public and private subnets",
    ),
    remediation=Text(
        ja="インターネットゲートウェイへの経路を持たないプライベートサブネットを作成し、アプリケーションサーバーと"
        "データベースをそこへ移してください。公開が必要な入口はロードバランサーまたは踏み台に限定し、"
        "踏み台には Role=bastion タグを付けてください。",
        en="Create private subnets with no route to an internet gateway and move application servers and "
        "databases into them; keep only load balancers and tagged bastions (Role=bastion) in public subnets.",
    ),
    needs=("aws.ec2.vpc", "aws.ec2.subnet", "aws.ec2.instance", "aws.rds.instance"),
)
def _vpc_subnets(inv: Inventory) -> Iterator[Outcome]:
    subnets: dict[tuple[str, str], Resource] = {(s.account, s.id): s for s in scoped(inv, "aws.ec2.subnet")}
    for vpc in scoped(inv, "aws.ec2.vpc"):
        workloads = _private_workloads(inv, vpc)
        if not workloads:
            continue
        mine = [s for s in subnets.values() if s.attributes.get("vpc_id") == vpc.id and s.account == vpc.account]
        private = [s.id for s in mine if not public_subnet(s)]
        exposed = [
            name
            for name, ids in workloads
            if any((sub := subnets.get((vpc.account, i))) is not None and public_subnet(sub) for i in ids)
        ]
        public_count = len(mine) - len(private)
        if not private:
            yield Outcome.of(vpc, False, Text(
                ja=f"VPC {vpc.id} にはプライベートサブネットがなく ({len(mine)} 個すべてがインターネット"
                f"ゲートウェイへの経路を持つか、起動時にパブリック IP を割り当てます)、"
                f"{len(workloads)} 件のワークロードがインターネットに面したサブネットにあります。",
                en=f"VPC {vpc.id} has no private subnet (all {len(mine)} route to an internet gateway or assign "
                f"public IPs on launch); {len(workloads)} workloads sit in internet-facing subnets.",
            ))
        elif exposed:
            yield Outcome.of(vpc, False, Text(
                ja=f"VPC {vpc.id} のワークロード {len(exposed)} 件がパブリックサブネットにあります: "
                f"{listing(exposed)}。",
                en=f"{len(exposed)} workloads of VPC {vpc.id} sit in public subnets: {listing(exposed)}.",
            ))
        else:
            yield Outcome.of(vpc, True, Text(
                ja=f"VPC {vpc.id} はパブリックサブネット {public_count} 個とプライベートサブネット {len(private)} 個に"
                f"分かれており、ワークロード {len(workloads)} 件はすべてプライベートサブネットにあります。",
                en=f"VPC {vpc.id} has {public_count} public and {len(private)} private subnets; all "
                f"{len(workloads)} workloads sit in private subnets.",
            ))


@check(
    id="vpc_flow_logs_enabled",
    controls=("NET-07",),
    severity=Severity.MEDIUM,
    title=Text("VPC フローログが有効になっている", "VPC flow logs are enabled"),
    remediation=Text(
        ja="各 VPC でトラフィックタイプ ALL (少なくとも REJECT) のフローログを作成し、CloudWatch Logs または "
        "S3 に保存してください。",
        en="Create a flow log with traffic type ALL (at least REJECT) for each VPC, delivered to CloudWatch "
        "Logs or S3.",
    ),
    needs=("aws.ec2.vpc", "aws.ec2.flow_log", *_WORKLOADS),
)
def _flow_logs(inv: Inventory) -> Iterator[Outcome]:
    relevant = _relevant_vpc(inv)
    logs = list(scoped(inv, "aws.ec2.flow_log"))
    for vpc in scoped(inv, "aws.ec2.vpc"):
        if not relevant(vpc.account, vpc.region, vpc.id):
            continue
        mine = [f for f in logs if f.account == vpc.account and f.attributes.get("resource_id") == vpc.id]
        good = [
            f
            for f in mine
            if str(f.attributes.get("status")).upper() == "ACTIVE"
            and str(f.attributes.get("traffic_type")).upper() in ("ALL", "REJECT")
        ]
        if good:
            f = good[0]
            yield Outcome.of(vpc, True, Text(
                ja=f"VPC {vpc.id} のフローログ {f.id} が有効です (トラフィック {f.attributes.get('traffic_type')}、"
                f"保存先 {f.attributes.get('destination_type')})。",
                en=f"VPC {vpc.id} has active flow log {f.id} (traffic {f.attributes.get('traffic_type')}, "
                f"destination {f.attributes.get('destination_type')}).",
            ))
        elif mine:
            states = listing(f"{f.id}: {f.attributes.get('status')}/{f.attributes.get('traffic_type')}" for f in mine)
            yield Outcome.of(vpc, False, Text(
                ja=f"VPC {vpc.id} のフローログは拒否された通信を記録していないか、有効ではありません ({states})。",
                en=f"VPC {vpc.id} has flow logs, but none is active and records rejected traffic ({states}).",
            ))
        else:
            yield Outcome.of(vpc, False, Text(
                ja=f"VPC {vpc.id} にフローログがありません。",
                en=f"VPC {vpc.id} has no flow log.",
            ))
