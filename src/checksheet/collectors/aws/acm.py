"""ACM certificates: expiry and where they are in use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checksheet.collectors.aws.context import Ctx
from checksheet.collectors.aws.normalise import iso
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

CERTIFICATE = "aws.acm.certificate"
# ListCertificates returns RSA-2048 certificates only unless every key type is asked for.
_KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]


def _detail(ctx: Ctx, summary: dict[str, Any]) -> dict[str, Any]:
    if summary.get("InUse") is False:  # only certificates in use have users worth naming
        return {}
    answer = ctx.call("acm", "describe_certificate", CertificateArn=summary["CertificateArn"])
    detail: dict[str, Any] = (answer or {}).get("Certificate") or {}
    return detail


@collector(name="acm.certificates", service="acm", scope=Scope.REGIONAL, yields=(CERTIFICATE,),
           actions=("acm:ListCertificates", "acm:DescribeCertificate"))
def certificates(ctx: Ctx) -> Iterator[Resource]:
    listed = ctx.pages("acm", "list_certificates", "CertificateSummaryList", Includes={"keyTypes": _KEY_TYPES})
    for c, detail in zip(listed, ctx.each(lambda c: _detail(ctx, c), listed), strict=True):
        yield ctx.resource(CERTIFICATE, c["CertificateArn"], {
            "domain": c.get("DomainName") or detail.get("DomainName"),
            "status": c.get("Status") or detail.get("Status"),
            "not_after": iso(c.get("NotAfter") or detail.get("NotAfter")),
            "in_use_by": list(detail.get("InUseBy") or ()),
            "cert_type": c.get("Type") or detail.get("Type"),
        })
