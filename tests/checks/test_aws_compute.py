"""Instances, SSM, load balancers and certificates."""

from __future__ import annotations

from typing import Any

import pytest

from checksheet.model import Resource, Status
from tests.checks.aws_builders import ago, fault, inventory, later, only, res, run, verdicts

FAIL, PASS, ERROR, MANUAL = Status.FAIL, Status.PASS, Status.ERROR, Status.MANUAL


def instance(id_: str = "i-1", state: str = "running", public_ip: str | None = None,
             tags: dict[str, str] | None = None, imds_v2: bool = True) -> Resource:
    return res("aws.ec2.instance", id_, state=state, vpc_id="vpc-1", subnet_id="subnet-1", public_ip=public_ip,
               private_ip="10.0.1.5", tags=tags or {}, imds_v2_required=imds_v2, platform="linux")


@pytest.mark.parametrize(
    ("node", "expected", "words"),
    [
        (instance(public_ip=None), PASS, "no public IP"),
        (instance(public_ip="3.1.2.3"), FAIL, "3.1.2.3"),
        (instance(public_ip="3.1.2.3", tags={"Role": "bastion"}), PASS, "declared entry point"),
        (instance(public_ip="3.1.2.3", tags={"role": "BASTION"}), PASS, "declared entry point"),
        (instance(public_ip="3.1.2.3", tags={"checksheet:entry-point": "true"}), PASS, "declared entry point"),
        (instance(public_ip="3.1.2.3", tags={"checksheet:entry-point": "false"}), FAIL, "3.1.2.3"),
        (instance(public_ip="3.1.2.3", tags={"Role": "web"}), FAIL, "3.1.2.3"),
    ],
)
def test_public_ip(node: Resource, expected: Status, words: str) -> None:
    finding = only("ec2_instance_no_public_ip", inventory(node))
    assert finding.status is expected and words in finding.message.en


def test_stopped_instances_are_not_judged_for_public_ip() -> None:
    assert run("ec2_instance_no_public_ip", inventory(instance(state="stopped", public_ip="3.1.2.3"))) == []


def managed(id_: str = "i-1", ping: str = "Online") -> Resource:
    return res("aws.ssm.managed_instance", id_, ping_status=ping, platform="Linux", agent_version="3.3.0")


@pytest.mark.parametrize(
    ("resources", "expected"),
    [((managed(),), PASS), ((managed(ping="ConnectionLost"),), FAIL), ((), FAIL), ((managed("i-other"),), FAIL)],
)
def test_managed_by_ssm(resources: tuple[Resource, ...], expected: Status) -> None:
    assert verdicts("ec2_instance_managed_by_ssm", inventory(instance(), *resources)) == {"i-1": expected}


def test_fault_on_ssm_is_an_error_and_no_verdict_on_instances() -> None:
    inv = inventory(instance(), faults=(fault("aws.ssm.managed_instance"),))
    assert verdicts("ec2_instance_managed_by_ssm", inv) == {"error:us-east-1": ERROR}


def test_imdsv2() -> None:
    inv = inventory(instance("i-1"), instance("i-2", imds_v2=False), instance("i-3", state="terminated",
                                                                              imds_v2=False))
    assert verdicts("ec2_imdsv2_required", inv) == {"i-1": PASS, "i-2": FAIL}


def patch(id_: str = "i-1", compliant: bool = True, critical: int = 0, security: int = 0,
          scanned: str | None = None) -> Resource:
    return res("aws.ssm.patch_compliance", id_, compliant=compliant, critical_missing=critical,
               security_missing=security, last_scan=scanned if scanned is not None else ago(days=1))


@pytest.mark.parametrize(
    ("record", "expected", "words"),
    [
        (patch(), PASS, "scanned 1 days ago"),
        (patch(compliant=False, critical=2, security=5), FAIL, "2 critical and 5 security"),
        (patch(compliant=False), FAIL, "does not comply"),
        (patch(scanned=ago(days=45)), FAIL, "45 days ago"),
        (patch(scanned=""), FAIL, "not recorded"),
    ],
)
def test_patch_compliance(record: Resource, expected: Status, words: str) -> None:
    finding = only("ssm_managed_instance_patch_compliant", inventory(record))
    assert finding.status is expected and words in finding.message.en


def prefs(s3: str | None = None, logs: str | None = None, region: str = "us-east-1") -> Resource:
    return res("aws.ssm.session_preferences", region, region=region, s3_bucket=s3, cloudwatch_log_group=logs,
               kms_key_id=None)


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        ((prefs(s3="session-logs"),), PASS),
        ((prefs(logs="/ssm/sessions"),), PASS),
        ((prefs(),), FAIL),
        ((), FAIL),
    ],
)
def test_session_manager_logging(resources: tuple[Resource, ...], expected: Status) -> None:
    inv = inventory(managed(), *resources, regions=("us-east-1", "eu-west-1"))
    # eu-west-1 has no managed instance: Session Manager is not in use there.
    assert verdicts("ssm_session_manager_logging_enabled", inv) == {"us-east-1": expected}


def lb(*listeners: dict[str, Any], scheme: str = "internet-facing", lb_type: str = "application",
       waf: str | None = None, azs: tuple[str, ...] = ("us-east-1a", "us-east-1b")) -> Resource:
    return res("aws.elbv2.load_balancer", "arn:lb/1", name="web", scheme=scheme, lb_type=lb_type, vpc_id="vpc-1",
               azs=list(azs), security_group_ids=[], listeners=list(listeners), web_acl_arn=waf)


def listener(protocol: str, port: int = 443, policy: str | None = None, redirect: bool = False) -> dict[str, Any]:
    return {"port": port, "protocol": protocol, "ssl_policy": policy, "redirects_to_https": redirect}


GOOD = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@pytest.mark.parametrize(
    ("balancer", "expected"),
    [
        (lb(listener("HTTPS", policy=GOOD)), PASS),
        (lb(listener("HTTPS", policy=GOOD), listener("HTTP", 80, redirect=True)), PASS),
        (lb(listener("HTTPS", policy="ELBSecurityPolicy-FS-1-2-Res-2020-10")), PASS),
        (lb(listener("HTTPS", policy=GOOD), listener("HTTP", 80)), FAIL),
        (lb(listener("HTTPS", policy="ELBSecurityPolicy-2016-08")), FAIL),
        (lb(listener("HTTPS", policy="ELBSecurityPolicy-TLS13-1-0-2021-06")), FAIL),
        (lb(listener("TLS", policy="ELBSecurityPolicy-TLS-1-1-2017-01"), lb_type="network"), FAIL),
        (lb(listener("TLS", policy=GOOD), listener("TCP", 22), lb_type="network"), PASS),
    ],
)
def test_listener_tls(balancer: Resource, expected: Status) -> None:
    assert verdicts("elbv2_listener_tls", inventory(balancer)) == {"arn:lb/1": expected}


def test_listener_tls_skips_internal_and_passthrough_balancers() -> None:
    assert run("elbv2_listener_tls", inventory(lb(listener("HTTP", 80), scheme="internal"))) == []
    assert run("elbv2_listener_tls", inventory(lb(listener("TCP", 443), lb_type="network"))) == []


def test_listener_message_names_the_plain_listener() -> None:
    finding = only("elbv2_listener_tls", inventory(lb(listener("HTTP", 8080))))
    assert "HTTP 8080" in finding.message.en and "web" in finding.message.ja


@pytest.mark.parametrize(
    ("balancer", "expected"),
    [
        (lb(waf="arn:aws:wafv2:webacl/x"), {"arn:lb/1": PASS}),
        (lb(), {"arn:lb/1": FAIL}),
        (lb(scheme="internal"), {}),
        (lb(lb_type="network"), {}),
    ],
)
def test_waf(balancer: Resource, expected: dict[str, Status]) -> None:
    assert verdicts("elbv2_waf_associated", inventory(balancer)) == expected


def cert(not_after: str, in_use: bool = True, status: str = "ISSUED") -> Resource:
    return res("aws.acm.certificate", "arn:cert/1", domain="app.example.com", status=status, not_after=not_after,
               in_use_by=["arn:lb/1"] if in_use else [], cert_type="AMAZON_ISSUED")


@pytest.mark.parametrize(
    ("certificate", "expected", "words"),
    [
        (cert(later(90)), PASS, "expires in 90 days"),
        (cert(later(30.5)), PASS, "expires in 30 days"),
        (cert(later(29.5)), FAIL, "expires in 29 days"),
        (cert(later(-3)), FAIL, "expired on 2026-05-29"),
        (cert(later(60), status="EXPIRED"), FAIL, "expired"),
    ],
)
def test_acm_expiry(certificate: Resource, expected: Status, words: str) -> None:
    finding = only("acm_certificate_not_expiring_30_days", inventory(certificate))
    assert finding.status is expected and words in finding.message.en


def test_unused_certificates_are_not_judged() -> None:
    assert run("acm_certificate_not_expiring_30_days", inventory(cert(later(1), in_use=False))) == []
