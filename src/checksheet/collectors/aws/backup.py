"""AWS Backup: plans with their rules and selections, vaults with Vault Lock, recovery points."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from checksheet.collectors.aws.context import Ctx
from checksheet.collectors.aws.normalise import iso
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

PLAN = "aws.backup.plan"
VAULT = "aws.backup.vault"
RECOVERY_POINT = "aws.backup.recovery_point"


def _rule(r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "schedule": r.get("ScheduleExpression"),
        "vault": r.get("TargetBackupVaultName"),
        "delete_after_days": (r.get("Lifecycle") or {}).get("DeleteAfterDays"),
        "copy_to": [c["DestinationBackupVaultArn"] for c in r.get("CopyActions") or []
                    if c.get("DestinationBackupVaultArn")],
    }


def _conditions(s: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Tag conditions of both styles (ListOfTags and Conditions) as [{operator, key, value}]."""
    found = [{"operator": "StringEquals" if t.get("ConditionType") == "STRINGEQUALS" else t.get("ConditionType"),
              "key": t.get("ConditionKey"), "value": t.get("ConditionValue")} for t in s.get("ListOfTags") or []]
    for operator, items in (s.get("Conditions") or {}).items():
        found += [{"operator": operator, "key": c.get("ConditionKey"), "value": c.get("ConditionValue")}
                  for c in items or []]
    return found


def _selections(ctx: Ctx, plan_id: str) -> list[dict[str, Any]]:
    selections = []
    for listed in ctx.pages("backup", "list_backup_selections", "BackupSelectionsList", BackupPlanId=plan_id):
        answer = ctx.call("backup", "get_backup_selection", BackupPlanId=plan_id, SelectionId=listed["SelectionId"])
        s = (answer or {}).get("BackupSelection") or {}
        selections.append({
            "name": listed.get("SelectionName"),
            "resources": list(s.get("Resources") or ()),
            "not_resources": list(s.get("NotResources") or ()),
            "conditions": _conditions(s),
        })
    return selections


@collector(
    name="backup.plans",
    service="backup",
    scope=Scope.REGIONAL,
    yields=(PLAN,),
    actions=("backup:ListBackupPlans", "backup:GetBackupPlan", "backup:ListBackupSelections",
             "backup:GetBackupSelection"),
)
def plans(ctx: Ctx) -> Iterator[Resource]:
    listed = ctx.pages("backup", "list_backup_plans", "BackupPlansList")
    for p, attributes in zip(listed, ctx.each(lambda p: _plan(ctx, p), listed), strict=True):
        yield ctx.resource(PLAN, p["BackupPlanId"], attributes)


def _plan(ctx: Ctx, listed: Mapping[str, Any]) -> dict[str, Any]:
    plan_id = listed["BackupPlanId"]
    plan = (ctx.call("backup", "get_backup_plan", BackupPlanId=plan_id) or {}).get("BackupPlan") or {}
    return {
        "name": listed.get("BackupPlanName"),
        "rules": [_rule(r) for r in plan.get("Rules") or []],
        "selections": _selections(ctx, plan_id),
    }


def _points(ctx: Ctx, vault: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The newest recovery point per protected resource: what "backed up recently" and restores need."""
    if vault.get("NumberOfRecoveryPoints") == 0:
        return []
    newest: dict[str, dict[str, Any]] = {}
    for p in ctx.pages("backup", "list_recovery_points_by_backup_vault", "RecoveryPoints",
                       BackupVaultName=vault["BackupVaultName"]):
        key = p.get("ResourceArn") or p["RecoveryPointArn"]
        if key not in newest or (iso(p.get("CreationDate")) or "") > (iso(newest[key].get("CreationDate")) or ""):
            newest[key] = p
    return list(newest.values())


@collector(
    name="backup.vaults",
    service="backup",
    scope=Scope.REGIONAL,
    yields=(VAULT, RECOVERY_POINT),
    actions=("backup:ListBackupVaults", "backup:ListRecoveryPointsByBackupVault"),
    feeds={"backup:ListRecoveryPointsByBackupVault": (RECOVERY_POINT,)},
)
def vaults(ctx: Ctx) -> Iterator[Resource]:
    listed = ctx.pages("backup", "list_backup_vaults", "BackupVaultList")
    for v, points in zip(listed, ctx.each(lambda v: _points(ctx, v), listed), strict=True):
        name = v["BackupVaultName"]
        yield ctx.resource(VAULT, name, {
            "arn": v.get("BackupVaultArn"),
            "locked": bool(v.get("Locked")),
            "min_retention_days": v.get("MinRetentionDays"),
            "max_retention_days": v.get("MaxRetentionDays"),
            "recovery_points": v.get("NumberOfRecoveryPoints"),
        })
        for p in points:
            yield ctx.resource(RECOVERY_POINT, p["RecoveryPointArn"], {
                "resource_arn": p.get("ResourceArn"),
                "resource_type": p.get("ResourceType"),
                "created": iso(p.get("CreationDate")),
                "vault": name,
                "status": p.get("Status"),
            })
