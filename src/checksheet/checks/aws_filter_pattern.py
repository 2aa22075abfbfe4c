"""CloudWatch Logs JSON filter patterns, normalised so that two patterns can be compared by intent.

A pattern such as `{ ($.a = "x") && ($.b NOT EXISTS) || $.c != 1 }` becomes its disjunctive
normal form: a set of clauses, each a set of terms that must all hold. Whitespace, parentheses,
quoting and the order of terms no longer matter. `&&` binds tighter than `||`.
Syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Beyond this many clauses a pattern is not a CIS-style filter; refuse rather than blow up.
MAX_CLAUSES = 512

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<punct>\{|\}|\(|\)|&&|\|\|)
    | (?P<op>!=|<=|>=|=|<|>)
    | (?P<quoted>"(?:[^"\\]|\\.)*")
    | (?P<word>[^\s(){}&|"=!<>]+)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True, order=True)
class Term:
    """One condition: `$.selector op value`; op "NOT EXISTS" and "IS" take no operator sign."""

    selector: str
    op: str
    value: str


Clause = frozenset[Term]
Dnf = frozenset[Clause]


class _Syntax(Exception):
    """The pattern is not a JSON filter pattern this parser understands."""


def _tokens(pattern: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = pattern.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise _Syntax(text[pos:])
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _Syntax("unexpected end")
        self.pos += 1
        return token

    def expect(self, text: str) -> None:
        if self.take()[1] != text:
            raise _Syntax(f"expected {text}")

    def either(self) -> Dnf:
        result = self.both()
        while self.peek() == ("punct", "||"):
            self.take()
            result = result | self.both()
        return result

    def both(self) -> Dnf:
        result = self.atom()
        while self.peek() == ("punct", "&&"):
            self.take()
            right = self.atom()
            result = frozenset(a | b for a in result for b in right)
            if len(result) > MAX_CLAUSES:
                raise _Syntax("too many clauses")
        return result

    def atom(self) -> Dnf:
        if self.peek() == ("punct", "("):
            self.take()
            inner = self.either()
            self.expect(")")
            return inner
        return frozenset({frozenset({self.term()})})

    def term(self) -> Term:
        kind, selector = self.take()
        if kind != "word" or not selector.startswith("$"):
            raise _Syntax(f"expected a selector, got {selector}")
        kind, text = self.take()
        if kind == "op":
            return Term(selector, text, _value(self.take()))
        word = text.upper()
        if word == "NOT" and self.take()[1].upper() == "EXISTS":
            return Term(selector, "NOT EXISTS", "")
        if word == "IS":
            return Term(selector, "IS", self.take()[1].upper())
        raise _Syntax(f"unknown operator {text}")


def _value(token: tuple[str, str]) -> str:
    kind, text = token
    if kind == "quoted":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if kind == "word":
        return text
    raise _Syntax(f"expected a value, got {text}")


def parse(pattern: str) -> Dnf | None:
    """The pattern's DNF, or None when it is not a JSON filter pattern (e.g. a plain text term)."""
    try:
        parser = _Parser(_tokens(pattern))
        parser.expect("{")
        result = parser.either()
        parser.expect("}")
        if parser.peek() is not None:
            return None
        return result
    except _Syntax:
        return None


@dataclass(frozen=True, slots=True)
class Intent:
    """What a filter must catch, and the narrowing terms a filter may add without missing it.

    `tolerated` holds noise exclusions the benchmark itself adds in later versions, such as
    CIS 3.0's `$.eventName != "HeadBucket"` on unauthorized-call filters.
    """

    clauses: Dnf
    tolerated: frozenset[Term]

    @classmethod
    def of(cls, pattern: str, tolerated: str = "") -> Intent:
        clauses = parse(pattern)
        if clauses is None:
            raise ValueError(f"not a filter pattern: {pattern}")
        extra = parse(tolerated) if tolerated else frozenset()
        if extra is None:
            raise ValueError(f"not a filter pattern: {tolerated}")
        return cls(clauses, frozenset(t for clause in extra for t in clause))


def _glob(pattern: str, text: str) -> bool:
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, text) is not None


def _implies(required: Term, given: Term) -> bool:
    """Every event satisfying `required` satisfies `given` (wildcards in `given` widen it)."""
    if required == given:
        return True
    return (
        required.selector == given.selector
        and required.op == given.op == "="
        and "*" in given.value
        and _glob(given.value, required.value)
    )


def _clause_covers(given: Clause, required: Clause, tolerated: frozenset[Term]) -> bool:
    return all(t in tolerated or any(_implies(r, t) for r in required) for t in given)


def covers(pattern: str, intent: Intent) -> bool:
    """The pattern matches at least every event the intent describes."""
    dnf = parse(pattern)
    if dnf is None:
        return False
    return all(any(_clause_covers(g, r, intent.tolerated) for g in dnf) for r in intent.clauses)
