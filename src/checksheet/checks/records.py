"""Checks over the records checksheet keeps: drills, assessments, account reviews, patch SLAs,
attestations. Pure: "now" is the inventory's collected_at, intervals come as data.

Records arrive as resources `record.<kind>` (provider "records"); `run` adds one `record.policy`
resource carrying the configured intervals (POLICY_TYPE, `policy_resource`).

No records at all means no findings, so controls evidenced only by records read "needs
evidence". Once the project keeps any record (it has opted in to records), a missing kind of
record is a failure: no drill in the interval is "not met", not "unknown".

An expired attestation is reported as evidence that was true but is out of date: a passing
finding under STALE_PROVIDER, which `run` marks as observed long ago, so the control is "stale".
Incomplete records (written by hand or by an older version) count for nothing and, when they are
all there is, ask for a person (`manual`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from checksheet.checks.base import Check, Outcome, account_subject, registry
from checksheet.inventory import Inventory
from checksheet.model import Resource, Severity, Status, Text

CHECKS: list[Check] = []
check = registry(CHECKS)

PROVIDER = "records"
POLICY_TYPE = "record.policy"
#: Findings about expired evidence carry this provider; run marks it observed at STALE_SINCE.
STALE_PROVIDER = "records.stale"
STALE_SINCE = datetime(1970, 1, 1, tzinfo=UTC)
DRILL_TYPES = ("incident_response", "restore", "failover", "tabletop")
ASSESSMENT_TYPES = ("external_pentest", "platform", "web")
SERIOUS = ("critical", "high")


@dataclass(frozen=True, slots=True)
class Policy:
    drill_days: int = 92
    restore_drill_days: int = 92
    account_review_days: int = 92
    assessment_days: int = 365
    patch_lookback_days: int = 365


def policy_resource(policy: Policy) -> Resource:
    return Resource(PROVIDER, "local", "global", POLICY_TYPE, "policy", {
        "drill_interval_days": policy.drill_days,
        "restore_drill_interval_days": policy.restore_drill_days,
        "account_review_interval_days": policy.account_review_days,
        "assessment_interval_days": policy.assessment_days,
        "patch_lookback_days": policy.patch_lookback_days,
    })


def policy_of(inv: Inventory) -> Policy:
    found = inv.get(POLICY_TYPE, "policy")
    if found is None:
        return Policy()
    a = found.attributes
    return Policy(int(a["drill_interval_days"]), int(a["restore_drill_interval_days"]),
                  int(a["account_review_interval_days"]), int(a["assessment_interval_days"]),
                  int(a.get("patch_lookback_days", 365)))


def opted_in(inv: Inventory) -> bool:
    return any(t.startswith("record.") and t != POLICY_TYPE for t in inv.types())


def today(inv: Inventory) -> date:
    return inv.collected_at.astimezone(UTC).date()


def as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _project() -> Resource:
    return account_subject(PROVIDER, "local")


@dataclass(frozen=True, slots=True)
class Dated:
    resource: Resource
    on: date


def dated(inv: Inventory, resource_type: str, *, field: str = "occurred_on",
          require: Iterable[str] = ()) -> tuple[list[Dated], list[Resource]]:
    """Complete records up to today, oldest first, and the incomplete ones."""
    good, incomplete = [], []
    for r in inv.of(resource_type):
        on = as_date(r.attributes.get(field))
        if on is None or any(r.attributes.get(k) in (None, "", []) for k in require):
            incomplete.append(r)
        elif on <= today(inv):  # a planned drill is not evidence yet
            good.append(Dated(r, on))
    return sorted(good, key=lambda d: d.on), incomplete


def _incomplete(rs: list[Resource], what: Text) -> Iterator[Outcome]:
    for r in rs:
        yield Outcome(r, Status.MANUAL, Text(f"{what.ja}の記録が不完全なため、判断できません (記録 {r.id})",
                                             f"incomplete {what.en} record {r.id}: cannot be judged"))


def recent(
    inv: Inventory, records: list[Dated], days: int, what: Text, incomplete: list[Resource]
) -> Iterator[Outcome]:
    """Pass on the newest record when it is within `days`; else fail (when opted in to records)."""
    now = today(inv)
    if records:
        newest = records[-1]
        age = (now - newest.on).days
        yield Outcome.of(newest.resource, age <= days, Text(
            f"直近の{what.ja}は {newest.on.isoformat()} ({age} 日前) です。基準は {days} 日以内です",
            f"the latest {what.en} was on {newest.on.isoformat()} ({age} days ago); required every {days} days",
        ))
    elif incomplete:
        yield from _incomplete(incomplete, what)
    elif opted_in(inv):
        yield Outcome(_project(), Status.FAIL, Text(f"{what.ja}の記録がありません (基準は {days} 日以内)",
                                                    f"no {what.en} recorded (required every {days} days)"))


DRILL = Text("訓練", "drill")


@check(
    id="record_drill_within_92_days",
    controls=("IR-03",),
    severity=Severity.MEDIUM,
    title=Text("直近 92 日以内にインシデント対応訓練を実施している", "an incident-response drill in the last 92 days"),
    remediation=Text(
        "インシデント対応・フェイルオーバー・机上訓練のいずれかを実施し、`checksheet drills add` で記録してください。",
        "Run an incident-response, failover or tabletop drill and record it with `checksheet drills add`.",
    ),
    needs=("record.drill",),
)
def drill_within_interval(inv: Inventory) -> Iterator[Outcome]:
    drills, incomplete = dated(inv, "record.drill", require=("drill_type", "result"))
    yield from recent(inv, drills, policy_of(inv).drill_days, DRILL, incomplete)


@check(
    id="record_restore_drill_within_92_days",
    controls=("IR-05", "IR-07"),
    severity=Severity.HIGH,
    title=Text("直近 92 日以内にバックアップからのリストア訓練に成功している",
               "a restore-from-backup drill in the last 92 days"),
    remediation=Text(
        "バックアップから実際にリストアする訓練を行い、復旧時間と結果を `checksheet drills add --type restore` で"
        "記録してください。",
        "Restore from a real backup, time it, and record the result with `checksheet drills add --type restore`.",
    ),
    needs=("record.drill",),
)
def restore_drill_within_interval(inv: Inventory) -> Iterator[Outcome]:
    drills, incomplete = dated(inv, "record.drill", require=("drill_type", "result"))
    restores = [d for d in drills if d.resource.attributes.get("drill_type") == "restore"]
    days = policy_of(inv).restore_drill_days
    if restores and restores[-1].resource.attributes.get("result") == "failed":
        last = restores[-1]
        yield Outcome(last.resource, Status.FAIL, Text(
            f"直近のリストア訓練 ({last.on.isoformat()}) は失敗しています。"
            "バックアップから復旧できることを確認してください",
            f"the latest restore drill ({last.on.isoformat()}) failed: restoring from backup is not proven",
        ))
        return
    unknown = [] if restores else [r for r in incomplete if r.attributes.get("drill_type") in (None, "restore")]
    yield from recent(inv, restores, days, Text("リストア訓練", "restore drill"), unknown)


ASSESSMENT = Text("第三者による脆弱性診断", "third-party vulnerability assessment")


def assessments(inv: Inventory) -> tuple[list[Dated], list[Resource]]:
    """Assessments dated by the day they ended (the report's date)."""
    return dated(inv, "record.assessment", field="ended_on", require=("vendor", "assessment_type"))


@check(
    id="record_assessment_within_12_months",
    controls=("VULN-01", "VULN-03", "VULN-04"),
    severity=Severity.HIGH,
    title=Text("直近 12 か月以内に第三者による脆弱性診断を受けている",
               "a third-party vulnerability assessment in the last 12 months"),
    remediation=Text(
        "外部の専門会社による脆弱性診断(ペネトレーションテスト、プラットフォーム診断、Web アプリケーション診断)を"
        "受け、報告書とともに `checksheet assessments add` で記録してください。",
        "Commission an external penetration test, platform or web application assessment and record it, with its"
        " report, using `checksheet assessments add`.",
    ),
    needs=("record.assessment",),
)
def assessment_within_interval(inv: Inventory) -> Iterator[Outcome]:
    done, incomplete = assessments(inv)
    yield from recent(inv, done, policy_of(inv).assessment_days, ASSESSMENT, incomplete)


@check(
    id="record_assessment_two_vendors",
    controls=("VULN-02",),
    severity=Severity.LOW,
    title=Text("直近 24 か月に 2 社以上の診断会社から診断を受けている",
               "assessments by at least two vendors in 24 months"),
    remediation=Text(
        "診断会社ごとに得意分野が異なるため、直近 24 か月のうちに別の診断会社にも診断を依頼してください。",
        "Vendors see different things: have a second vendor assess the service within the 24 months.",
    ),
    needs=("record.assessment",),
)
def assessment_two_vendors(inv: Inventory) -> Iterator[Outcome]:
    done, _ = assessments(inv)
    window = 2 * policy_of(inv).assessment_days
    within = [d for d in done if (today(inv) - d.on).days <= window]
    vendors = sorted({" ".join(str(d.resource.attributes["vendor"]).split()).casefold() for d in within})
    if not done and not opted_in(inv):
        return
    subject = within[-1].resource if within else _project()
    yield Outcome.of(subject, len(vendors) >= 2, Text(
        f"直近 {window} 日間の診断会社は {len(vendors)} 社です ({', '.join(vendors) or 'なし'})。基準は 2 社以上です",
        f"{len(vendors)} vendor(s) in the last {window} days ({', '.join(vendors) or 'none'}); at least 2 required",
    ))


def overdue_findings(resource: Resource, now: date) -> list[Mapping[str, Any]]:
    """Critical and high findings still open after their due date (or with no due date at all)."""
    out = []
    for f in resource.attributes.get("findings") or []:
        if str(f.get("severity", "")).lower() not in SERIOUS or f.get("status", "open") != "open":
            continue
        due = as_date(f.get("due_on"))
        if due is None or due < now:
            out.append(f)
    return out


@check(
    id="record_assessment_findings_closed",
    controls=("PATCH-05", "VULN-05", "VULN-07"),
    severity=Severity.HIGH,
    title=Text("重大・高リスクの診断指摘が期限内に是正されている",
               "no high or critical assessment finding open past its due date"),
    remediation=Text(
        "期限を過ぎた重大・高リスクの指摘を是正し、`checksheet assessments close` で是正日を記録してください。"
        "是正できない場合はリスク受容として承認を記録してください。",
        "Fix the high and critical findings past their due date and record it with `checksheet assessments close`;"
        " record an approved risk acceptance for any that cannot be fixed.",
    ),
    needs=("record.assessment",),
)
def assessment_findings_closed(inv: Inventory) -> Iterator[Outcome]:
    done, _ = assessments(inv)
    for d in done:
        late = overdue_findings(d.resource, today(inv))
        names = ", ".join(f"{f.get('id', '?')} ({f.get('severity')}, {f.get('due_on') or 'no due date'})" for f in late)
        vendor = d.resource.attributes.get("vendor")
        yield Outcome.of(d.resource, not late, Text(
            f"{vendor} の診断 ({d.on.isoformat()}) で期限切れの重大・高リスク指摘: {names}" if late else
            f"{vendor} の診断 ({d.on.isoformat()}) に期限切れの重大・高リスク指摘はありません",
            f"{vendor} assessment ({d.on.isoformat()}): high/critical findings past due: {names}" if late else
            f"{vendor} assessment ({d.on.isoformat()}): no high/critical finding past its due date",
        ))


REVIEW = Text("アカウント棚卸し", "account review")


@check(
    id="record_account_review_quarterly",
    controls=("ACC-03",),
    severity=Severity.MEDIUM,
    title=Text("直近 92 日以内にアカウントの棚卸しを実施している", "an account inventory review in the last 92 days"),
    remediation=Text(
        "全システムのアカウントを人事の在籍情報と突き合わせる棚卸しを四半期ごとに実施し、記録してください"
        " (`checksheet accounts sync`)。",
        "Reconcile every system's accounts with the HR roster every quarter and record the review"
        " (`checksheet accounts sync`).",
    ),
    needs=("record.account_review",),
)
def account_review_quarterly(inv: Inventory) -> Iterator[Outcome]:
    reviews, incomplete = dated(inv, "record.account_review")
    yield from recent(inv, reviews, policy_of(inv).account_review_days, REVIEW, incomplete)


@check(
    id="record_account_leavers_removed",
    controls=("ACC-01", "ACC-02", "HR-04"),
    severity=Severity.HIGH,
    title=Text("退職者のアカウントが残っていない", "no account of a leaver remains active"),
    remediation=Text(
        "棚卸しで見つかった退職者のアカウントを無効化または削除し、作業ログを残してください。",
        "Disable or delete the leavers' accounts the review found, and keep the work log.",
    ),
    needs=("record.account_review",),
)
def account_leavers_removed(inv: Inventory) -> Iterator[Outcome]:
    reviews, _ = dated(inv, "record.account_review")
    newest: dict[str, Dated] = {}
    for d in reviews:  # oldest first: the newest review of each scope wins
        newest[str(d.resource.attributes.get("scope") or "all")] = d
    for scope, d in sorted(newest.items()):
        left = [str(a) for a in d.resource.attributes.get("leavers_active") or []]
        names, when = ", ".join(left[:10]), d.on.isoformat()
        yield Outcome.of(d.resource, not left, Text(
            f"{scope} の棚卸し ({when}) で退職者のアカウント {len(left)} 件が有効です: {names}"
            if left else f"{scope} の棚卸し ({when}) で退職者のアカウントは見つかりませんでした",
            f"{scope} review ({when}): {len(left)} leaver account(s) still active: {names}"
            if left else f"{scope} review ({when}): no leaver account remains active",
        ))


@check(
    id="record_patch_sla_met",
    controls=("PATCH-03", "PATCH-08"),
    severity=Severity.HIGH,
    title=Text("セキュリティ更新が緊急度ごとの期限内に適用されている",
               "security updates applied within their urgency class's SLA"),
    remediation=Text(
        "期限を過ぎたセキュリティ更新を適用し、適用日を記録してください。期限 (SLA) は緊急度ごとにパッチ適用方針で"
        "定めてください。",
        "Apply the overdue security updates and record when; set the SLA per urgency class in the patch policy.",
    ),
    needs=("record.patch_sla",),
)
def patch_sla_met(inv: Inventory) -> Iterator[Outcome]:
    now = today(inv)
    lookback = policy_of(inv).patch_lookback_days
    patches, incomplete = dated(inv, "record.patch_sla", field="detected_on", require=("sla_days",))
    for d in patches:
        a = d.resource.attributes
        applied, due = as_date(a.get("applied_on")), d.on + timedelta(days=int(a["sla_days"]))
        if applied is None and (now - d.on).days > lookback + int(a["sla_days"]):
            continue  # long gone from view: the lookback bounds how far back one late patch counts
        if applied is not None and (now - applied).days > lookback:
            continue
        name = f"{a.get('advisory') or d.resource.id} ({a.get('urgency', '?')})"
        if applied is not None:
            yield Outcome.of(d.resource, applied <= due, Text(f"{name} は {applied} に適用 (期限 {due})",
                                                              f"{name} applied on {applied} (due {due})"))
        else:
            yield Outcome.of(d.resource, now <= due, Text(f"{name} は未適用 (期限 {due})",
                                                          f"{name} not applied yet (due {due})"))
    if not patches:
        yield from _incomplete(incomplete, Text("パッチ適用", "patch"))


@check(
    id="record_attestation_current",
    controls=(
        "ACC-01", "ACC-07", "AVAIL-01", "AVAIL-02", "AVAIL-03", "CERT-01", "CERT-02", "CERT-03", "CRYPT-05",
        "CRYPT-08", "CRYPT-09", "DATA-01", "DATA-02", "DATA-03", "DATA-04", "DEV-01", "DEV-02", "DEV-03", "DEV-04",
        "DEV-05", "DEV-06", "END-01", "END-02", "END-03", "HR-01", "HR-02", "HR-03", "HR-04", "IR-01", "IR-02",
        "IR-08", "IR-09", "LOG-04", "LOG-08", "LOG-10", "MAL-01", "MAL-02", "NET-08", "ORG-01", "ORG-02", "ORG-03",
        "ORG-04", "PATCH-01", "PATCH-04", "PHYS-01", "PHYS-02", "PHYS-03", "PRIV-01", "PRIV-02", "PRIV-03", "PRIV-04",
        "SUP-01", "SUP-02", "SUP-03", "VULN-08",
    ),
    severity=Severity.MEDIUM,
    title=Text("コントロールの宣誓 (アテステーション) が有効期限内である",
               "the control's attestation is current (not expired)"),
    remediation=Text(
        "期限切れの宣誓を見直し、根拠資料を添えて `checksheet attestations add` で更新してください。",
        "Review the expired attestation and renew it, with its evidence, using `checksheet attestations add`.",
    ),
    needs=("record.attestation",),
)
def attestation_current(inv: Inventory) -> Iterator[Outcome]:
    now = today(inv)
    statements, incomplete = dated(inv, "record.attestation", require=("statement", "expires_on"))
    for d in statements:
        r, a = d.resource, d.resource.attributes
        controls = tuple(str(c) for c in a.get("control_ids") or ())
        expires = as_date(a["expires_on"])
        if expires is not None and expires >= now:
            yield Outcome(r, Status.PASS, Text(
                f"{a.get('owner') or '?'} が {d.on} に宣誓 (有効期限 {expires})",
                f"attested by {a.get('owner') or '?'} on {d.on} (valid until {expires})",
            ), control_ids=controls)
        else:
            stale = Resource(STALE_PROVIDER, r.account, r.region, r.type, r.id, r.attributes)
            yield Outcome(stale, Status.PASS, Text(
                f"{a.get('owner') or '?'} の宣誓 ({d.on}) は {expires} に期限切れです。見直してください",
                f"the attestation by {a.get('owner') or '?'} ({d.on}) expired on {expires}: review it",
            ), control_ids=controls)
    yield from _incomplete(incomplete, Text("宣誓", "attestation"))
