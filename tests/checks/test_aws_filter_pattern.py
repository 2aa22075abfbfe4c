"""The CloudWatch filter-pattern normaliser: parse to DNF, compare by intent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checksheet.checks.aws_filter_pattern import Intent, Term, covers, parse

ROOT = Intent.of(
    '{ $.userIdentity.type = "Root" }',
    tolerated='{ $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
)
UNAUTHORIZED = Intent.of(
    '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    tolerated='{ $.sourceIPAddress != "delivery.logs.amazonaws.com" && $.eventName != "HeadBucket" }',
)
TRAIL = Intent.of(
    '{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) '
    "|| ($.eventName = StartLogging) || ($.eventName = StopLogging) }"
)


def test_terms_are_parsed_with_or_without_quotes_and_spaces() -> None:
    assert parse('{$.eventName="ConsoleLogin"}') == parse("{ ( $.eventName = ConsoleLogin ) }")
    assert parse("{ $.userIdentity.invokedBy NOT EXISTS }") == frozenset(
        {frozenset({Term("$.userIdentity.invokedBy", "NOT EXISTS", "")})}
    )


def test_and_binds_tighter_than_or() -> None:
    dnf = parse("{ $.a = 1 || $.b = 2 && $.c = 3 }")
    assert dnf == frozenset({
        frozenset({Term("$.a", "=", "1")}),
        frozenset({Term("$.b", "=", "2"), Term("$.c", "=", "3")}),
    })


def test_parentheses_distribute() -> None:
    dnf = parse("{ ($.a = 1 || $.b = 2) && $.c = 3 }")
    assert dnf == frozenset({
        frozenset({Term("$.a", "=", "1"), Term("$.c", "=", "3")}),
        frozenset({Term("$.b", "=", "2"), Term("$.c", "=", "3")}),
    })


@pytest.mark.parametrize(
    "pattern",
    ["ERROR", '"Failed authentication"', "{ $.a = 1", "{ $.a 1 }", "{ $.a = 1 } trailing", "", "{ }", "{ a = 1 }"],
)
def test_text_and_malformed_patterns_are_not_json_patterns(pattern: str) -> None:
    assert parse(pattern) is None
    assert not covers(pattern, ROOT)


@pytest.mark.parametrize(
    "pattern",
    [
        # CIS 1.x / Security Hub CloudWatch.1, CIS 3.0 4.3 and common rewrites of them
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
        '{$.eventType!="AwsServiceEvent"&&$.userIdentity.invokedBy NOT EXISTS&&$.userIdentity.type="Root"}',
        "{ ($.userIdentity.type = Root) }",
        '{ $.userIdentity.type = "Root" || $.userIdentity.type = "IAMUser" }',
    ],
)
def test_root_usage_filters_that_cover_the_intent(pattern: str) -> None:
    assert covers(pattern, ROOT)


@pytest.mark.parametrize(
    "pattern",
    [
        '{ $.userIdentity.type = "IAMUser" }',
        '{ $.userIdentity.type = "Root" && $.eventName = "ConsoleLogin" }',  # narrower: misses API use
        '{ $.userIdentity.type != "Root" }',
    ],
)
def test_root_usage_filters_that_miss_events(pattern: str) -> None:
    assert not covers(pattern, ROOT)


def test_unauthorized_calls_in_both_benchmark_versions() -> None:
    cis_1 = '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'
    cis_3 = (
        '{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && '
        '($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }'
    )
    assert covers(cis_1, UNAUTHORIZED)
    assert covers(cis_3, UNAUTHORIZED)
    assert not covers('{ $.errorCode = "AccessDenied*" }', UNAUTHORIZED)


def test_a_wildcard_value_covers_the_names_it_matches() -> None:
    assert covers("{ $.eventName = *Trail || $.eventName = *Logging }", TRAIL)
    assert not covers("{ $.eventName = *Trail }", TRAIL)


def test_an_event_list_must_name_every_event() -> None:
    missing_stop = (
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) "
        "|| ($.eventName = StartLogging) }"
    )
    assert not covers(missing_stop, TRAIL)


def test_intent_rejects_a_bad_pattern() -> None:
    with pytest.raises(ValueError, match="not a filter pattern"):
        Intent.of("{ $.a = }")


NAMES = ["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"]


@given(
    order=st.permutations(NAMES),
    quoted=st.lists(st.booleans(), min_size=5, max_size=5),
    spaces=st.lists(st.sampled_from(["", " ", "  ", "\n"]), min_size=5, max_size=5),
)
def test_order_quoting_and_whitespace_do_not_matter(order: list[str], quoted: list[bool], spaces: list[str]) -> None:
    terms = [
        f"({sp}$.eventName{sp}={sp}{chr(34) + n + chr(34) if q else n}{sp})"
        for n, q, sp in zip(order, quoted, spaces, strict=True)
    ]
    pattern = "{" + " || ".join(terms) + "}"
    assert parse(pattern) == TRAIL.clauses
    assert covers(pattern, TRAIL)
