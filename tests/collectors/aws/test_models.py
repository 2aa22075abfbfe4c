"""Service models cut to the scan's operations: nothing a declared call needs is lost, the rest is gone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import UnknownServiceError
from botocore.model import ServiceModel

from checksheet.collectors import aws
from checksheet.collectors.aws import iam, models
from checksheet.collectors.aws.context import GLOBAL
from checksheet.collectors.aws.engine import run_task
from checksheet.collectors.aws.models import ScanLoader
from checksheet.collectors.aws.registry import Collector, Scope, iam_action, registry
from checksheet.model import Resource
from tests.collectors.aws.moto_server import ACCOUNT, MotoServer, aws_environment, environment
from tests.collectors.aws.seed import HOME, REGIONS, seed

FULL = botocore.session.get_session().get_component("data_loader")  # botocore's own loader, whole models


def _undocumented(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _undocumented(v) for k, v in value.items() if not (k == "documentation" and isinstance(v, str))}
    if isinstance(value, list):
        return [_undocumented(v) for v in value]
    return value


def _references(shape: dict[str, Any]) -> list[str]:
    found = [m["shape"] for m in shape.get("members", {}).values()]
    return found + [shape[k]["shape"] for k in ("member", "key", "value") if k in shape]


@pytest.mark.parametrize("service", ["ec2", "s3", "iam", "rds", "kms"])
def test_a_cut_model_keeps_exactly_the_declared_operations_and_what_they_reach(service: str) -> None:
    declared = set(aws.actions())
    full = _undocumented(FULL.load_service_model(service, "service-2"))
    cut = ScanLoader(declared).load_service_model(service, "service-2")
    wanted = {op for op in full["operations"] if iam_action(service, op) in declared}
    assert wanted and wanted <= set(cut["operations"])
    extra = set(cut["operations"]) - wanted
    assert extra <= {"HeadBucket", "CreateSession"}  # S3: botocore's own redirect and Express calls
    assert len(cut["shapes"]) < len(full["shapes"]) / 2
    for name, op in cut["operations"].items():
        assert op == full["operations"][name]  # same inputs, outputs, errors, endpoint settings
    for name, shape in cut["shapes"].items():
        assert shape == full["shapes"][name]
        assert set(_references(shape)) <= set(cut["shapes"]), name  # the closure is complete
    errors = {n for n, s in full["shapes"].items() if s.get("exception")}
    assert errors <= set(cut["shapes"])  # client.exceptions and error parsing unchanged


def test_responses_parse_the_same_with_a_cut_model() -> None:
    full = ServiceModel(FULL.load_service_model("ec2", "service-2"), "ec2")
    cut = ServiceModel(ScanLoader(aws.actions()).load_service_model("ec2", "service-2"), "ec2")

    def walk(shape: Any, depth: int = 0) -> Any:
        if depth > 12:
            return shape.name
        if shape.type_name == "structure":
            return {k: walk(v, depth + 1) for k, v in shape.members.items()}
        if shape.type_name == "list":
            return [walk(shape.member, depth + 1)]
        return (shape.type_name, shape.serialization)

    for operation in ("DescribeInstances", "DescribeSecurityGroups", "DescribeRegions"):
        assert walk(cut.operation_model(operation).output_shape) == walk(full.operation_model(operation).output_shape)


def test_services_the_scan_does_not_declare_stay_whole() -> None:
    loader = ScanLoader(aws.actions())
    for service in ("sts", "sso", "lambda"):  # credential providers; anything a user's hook may call
        assert set(loader.load_service_model(service, "service-2")["operations"]) == set(
            FULL.load_service_model(service, "service-2")["operations"])
    with pytest.raises(UnknownServiceError, match="Unknown service: 'no-such-service'"):
        loader.load_service_model("no-such-service", "service-2")


def test_cut_models_are_kept_between_scans_and_read_back_unchanged(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    first = ScanLoader(aws.actions(), cache_dir=tmp_path).load_service_model("ec2", "service-2")
    kept = list(tmp_path.glob("ec2-*.json"))
    assert len(kept) == 1 and kept[0].stat().st_size < 200_000  # botocore's EC2 model is 4 MB

    def no_parsing(*_: Any, **__: Any) -> Any:
        raise AssertionError("the botocore model was parsed again")

    monkeypatch.setattr(models, "_read_file", no_parsing)
    assert ScanLoader(aws.actions(), cache_dir=tmp_path).load_service_model("ec2", "service-2") == first


def test_another_action_set_or_a_damaged_cache_file_parses_the_model_again(tmp_path: Path) -> None:
    ScanLoader(aws.actions(), cache_dir=tmp_path).load_service_model("ec2", "service-2")
    fewer = [a for a in aws.actions() if a != "ec2:DescribeVolumes"]
    smaller = ScanLoader(fewer, cache_dir=tmp_path).load_service_model("ec2", "service-2")
    assert "DescribeVolumes" not in smaller["operations"] and len(list(tmp_path.glob("ec2-*.json"))) == 2
    for kept in tmp_path.glob("ec2-*.json"):
        kept.write_text('{"operations": ', encoding="utf-8")  # a half-written file from a crashed writer
    again = ScanLoader(aws.actions(), cache_dir=tmp_path).load_service_model("ec2", "service-2")
    assert "DescribeVolumes" in again["operations"]


def test_an_unwritable_cache_folder_is_skipped(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("", encoding="utf-8")
    model = ScanLoader(aws.actions(), cache_dir=blocked / "models").load_service_model("kms", "service-2")
    assert "DescribeKey" in model["operations"]


def test_documentation_is_dropped_but_a_member_named_documentation_is_not(tmp_path: Path) -> None:
    folder = tmp_path / "example" / "2024-01-01"
    folder.mkdir(parents=True)
    model = {
        "version": "2.0", "documentation": "<p>An example service.</p>",
        "metadata": {"protocol": "json", "serviceId": "Example", "endpointPrefix": "example",
                     "jsonVersion": "1.1", "signatureVersion": "v4", "targetPrefix": "Example"},
        "clientContextParams": {"Flag": {"type": "boolean", "documentation": "A flag."}},
        "operations": {"GetThing": {"name": "GetThing", "http": {"method": "POST", "requestUri": "/"},
                                    "output": {"shape": "Thing"}, "documentation": "<p>Gets it.</p>"}},
        "shapes": {"Thing": {"type": "structure", "documentation": "<p>A thing.</p>",
                             "members": {"documentation": {"shape": "Text", "documentation": "Its manual."}}},
                   "Text": {"type": "string"}},
    }
    (folder / "service-2.json").write_text(json.dumps(model), encoding="utf-8")
    loaded = ScanLoader(None, data_path=str(tmp_path)).load_service_model("example", "service-2")
    assert "documentation" not in loaded and "documentation" not in loaded["operations"]["GetThing"]
    assert loaded["shapes"]["Thing"] == {"type": "structure", "members": {"documentation": {"shape": "Text"}}}
    # the one documentation botocore reads by key is kept, empty
    assert ServiceModel(loaded, "example").client_context_parameters[0].documentation == ""


@pytest.fixture(scope="module")
def endpoint(moto: MotoServer) -> Iterator[str]:
    moto.seeded(seed)
    yield moto.url


_STRAY: list[Collector] = []


@registry(_STRAY)(name="test.stray", service="iam", scope=Scope.GLOBAL, yields=(iam.USER,),
                  actions=("iam:ListUsers",))
def _stray(ctx: Any) -> Iterator[Resource]:
    ctx.call("iam", "list_users")  # declared here, but not by any collector of the scan below
    yield from ()


def test_a_call_outside_the_cut_models_is_an_undeclared_call(endpoint: str) -> None:
    with environment(aws_environment(endpoint)):
        account = aws.Connector(aws.Access(), aws.actions()).caller
        ctx = run_task(account, _STRAY[0], GLOBAL, REGIONS)
    assert ctx.faults[0].message == ("internal error in the collector: UndeclaredCall: collector test.stray calls "
                                     "iam.list_users, which no collector of this scan declares")


def test_cut_models_collect_the_same_inventory_as_whole_ones(endpoint: str) -> None:
    with environment(aws_environment(endpoint)):
        whole = aws.collect(aws.Connector(aws.Access()), aws.ALL, (HOME,)).inventory
        cut = aws.collect(aws.Connector(aws.Access(), aws.actions()), aws.ALL, (HOME,)).inventory
    volatile = {"latest_delivery_time"}  # moto stamps the trail's last delivery with the time of the call

    def facts(inv: Any) -> list[Any]:
        return sorted(json.dumps([r.key, {k: v for k, v in r.attributes.items() if k not in volatile}],
                                 sort_keys=True, default=str) for r in inv)

    assert len(cut) > 50 and facts(cut) == facts(whole)
    assert [(f.resource_type, f.action, f.message) for f in cut.faults] == [
        (f.resource_type, f.action, f.message) for f in whole.faults]


def test_assumed_role_accounts_share_the_parsed_models(endpoint: str) -> None:
    with environment(aws_environment(endpoint)):
        connector = aws.Connector(aws.Access(role_arns=(f"arn:aws:iam::{ACCOUNT}:role/auditor",)), aws.actions())
        (target,) = connector.targets()
        member = connector.open(target)
        assert member is not connector.caller
        mine, theirs = (a.client("ec2", HOME).meta.service_model for a in (connector.caller, member))
    assert mine.operation_model("DescribeInstances").output_shape.members.keys() == {"NextToken", "Reservations"}
    assert theirs._service_description is mine._service_description  # parsed once, for every account
