"""Rank the catalog's controls for a question (bm25s over every phrasing), with a calibrated confidence.

Each control is indexed as several documents: a profile (title, requirement, keywords in
both languages), each of its question phrasings, and each reviewed question of the answer
library that was approved for it. A control's score mixes its best phrasing and its
profile, plus a little of the section heading the question sits under.

The confidence is a logistic function of five features of the ranking: how much of the
question (idf-weighted) one phrasing of the best control covers, how much the whole control
covers, the margin to the runner-up, the log of the score, and whether the phrasing and
profile rankings agree. Words no control knows (資本金, pricing) count against coverage, so
out-of-scope questions stay below the threshold. The weights are fitted by
`bench/questionnaire_eval.py --fit` on the calibration half of the evaluation set (even
positions); the benchmark reports the held-out half separately.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from checksheet.model import Control, Lang
from checksheet.questionnaire.tokens import detect_lang, tokens

PROFILE_WEIGHT = 2.0
SECTION_WEIGHT = 0.15
TOP_K = 5
#: A clause names a second control only when it matches that control confidently and the
#: best control scores less than this share of it on the clause.
SECOND_CONFIDENCE = 0.7
SECOND_RATIO = 0.6
#: Logistic weights for (phrasing coverage, control coverage, margin, log score, agreement) and the bias.
CALIBRATION: tuple[float, ...] = (-0.098, 5.217, 2.478, 2.746, 0.536, -10.265)
#: A question that asks two things ("ログを取得し、改ざん防止していますか") is split at these.
_CLAUSE_JA = re.compile(r"(?:し、|した上で、?|しており、|かつ、?|および|及び|並びに|ならびに|また、|。)")
_CLAUSE_EN = re.compile(r"(?:;|\.\s|,?\s+and\s+(?:are|is|do|does|have|has)\s|,\s*and\s)", re.I)


@dataclass(frozen=True, slots=True)
class Candidate:
    control_id: str
    score: float


@dataclass(frozen=True, slots=True)
class Match:
    control_ids: tuple[str, ...]  # the controls the answer rests on, best first; empty when nothing fits
    confidence: float  # 0..1, calibrated: the share of such matches that are right
    ranked: tuple[Candidate, ...]  # the best candidates, for review
    lang: Lang
    features: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class LibraryQuestion:
    """A reviewed question from the answer library, indexed as one more phrasing of its controls."""

    question: str
    control_ids: tuple[str, ...]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def confidence_of(features: Sequence[float], weights: Sequence[float] = CALIBRATION) -> float:
    if not features:
        return 0.0
    return _sigmoid(sum(w * f for w, f in zip(weights[:-1], features, strict=True)) + weights[-1])


def _profile(c: Control) -> list[str]:
    words = [*tokens(c.title.ja), *tokens(c.title.en)] * 2
    for k in (*c.keywords_ja, *c.keywords_en):
        words += tokens(k)
    return words + tokens(c.requirement.ja) + tokens(c.requirement.en)


class Matcher:
    """An index over the controls, built once; `match` is pure and fast (thousands of questions a second)."""

    def __init__(self, controls: Iterable[Control], library: Iterable[LibraryQuestion] = ()) -> None:
        import bm25s

        self.controls = tuple(controls)
        self._index = {c.id: i for i, c in enumerate(self.controls)}
        ids = [c.id for c in self.controls]
        position = {cid: i for i, cid in enumerate(ids)}
        docs: list[list[str]] = []
        owner: list[int] = []
        profiles: list[list[str]] = []
        for i, c in enumerate(self.controls):
            profiles.append(_profile(c))
            title = tokens(c.title.ja) + tokens(c.title.en)
            for q in (*c.questions_ja, *c.questions_en):
                docs.append(tokens(q) + title)
                owner.append(i)
        for entry in library:
            for cid in entry.control_ids:
                if cid in position:
                    docs.append(tokens(entry.question))
                    owner.append(position[cid])
        order = np.argsort(np.asarray(owner, dtype=np.int64), kind="stable")
        self._docs = [docs[j] for j in order]
        self._owner = np.asarray(owner, dtype=np.int64)[order]
        self._starts = np.searchsorted(self._owner, np.arange(len(self.controls)))
        self._phrasings = bm25s.BM25()
        self._phrasings.index(self._docs or [[""]], show_progress=False)
        self._profiles = bm25s.BM25()
        self._profiles.index(profiles or [[""]], show_progress=False)
        self._vocab: list[set[str]] = [set(p) for p in profiles]
        self._doc_sets = [set(d) for d in self._docs]
        for j, doc in enumerate(self._docs):
            self._vocab[int(self._owner[j])].update(doc)
        df: Counter[str] = Counter()
        for words in self._vocab:
            df.update(words)
        n = max(len(self.controls), 1)
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5)

    def _scores(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per control: the best phrasing's score and the profile's score."""
        known = [w for w in words if w in self._idf]
        if not known or not self.controls:
            return np.zeros(len(self.controls)), np.zeros(len(self.controls))
        phr = self._phrasings.get_scores(known)
        best = np.maximum.reduceat(phr, self._starts) if len(phr) else np.zeros(len(self.controls))
        # a control without phrasings would take its neighbour's slice; reduceat needs a guard
        empty = np.append(self._starts[1:], len(phr)) == self._starts
        best[empty] = 0.0
        return np.asarray(best), np.asarray(self._profiles.get_scores(known))

    def _features(
        self, words: list[str], parts: tuple[np.ndarray, np.ndarray], scores: np.ndarray, top: int, second: float
    ) -> tuple[float, ...]:
        weights = [self._idf.get(w, self._unknown_idf) for w in words]
        total = sum(weights) or 1.0
        start = int(self._starts[top])
        end = int(self._starts[top + 1]) if top + 1 < len(self._starts) else len(self._docs)
        # the share of the question that one phrasing of the control explains: generic words
        # spread over a whole control do not make an out-of-scope question look answered
        best_doc = max(
            (
                sum(wt for w, wt in zip(words, weights, strict=True) if w in self._doc_sets[j])
                for j in range(start, end)
            ),
            default=0.0,
        )
        covered = sum(wt for w, wt in zip(words, weights, strict=True) if w in self._vocab[top])
        s1 = float(scores[top])
        agree = (int(np.argmax(parts[0])) == top) + (int(np.argmax(parts[1])) == top)
        return (best_doc / total, covered / total, (s1 - second) / s1 if s1 > 0 else 0.0, math.log1p(s1), agree / 2)

    def _combined(self, words: list[str], section: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        phr, prof = self._scores(words)
        scores = phr + PROFILE_WEIGHT * prof
        if section:
            sec_phr, sec_prof = self._scores(tokens(section))
            scores = scores + SECTION_WEIGHT * (sec_phr + PROFILE_WEIGHT * sec_prof)
        return phr, prof, scores

    def rank(self, text: str, section: str = "") -> Match:
        """Candidates for one question (no clause splitting)."""
        words = tokens(text)
        lang = detect_lang(text)
        phr, prof, scores = self._combined(words, section)
        if not words or not len(scores) or float(scores.max()) <= 0.0:
            return Match((), 0.0, (), lang)
        order = np.argsort(-scores, kind="stable")[:TOP_K]
        top = int(order[0])
        second = float(scores[order[1]]) if len(order) > 1 else 0.0
        feats = self._features(words, (phr, prof), scores, top, second)
        ranked = tuple(Candidate(self.controls[int(i)].id, round(float(scores[i]), 4)) for i in order if scores[i] > 0)
        return Match((self.controls[top].id,), confidence_of(feats), ranked, lang, feats)

    def _second_topic(self, text: str, whole: Match, section: str) -> str | None:
        """A control that one clause asks about and the best control does not explain at all."""
        splitter = _CLAUSE_JA if whole.lang == "ja" else _CLAUSE_EN
        clauses = [c for c in splitter.split(text) if len(tokens(c)) >= 2]
        if len(clauses) < 2:
            return None
        primary = self._index[whole.control_ids[0]]
        for clause in clauses:
            part = self.rank(clause, section)
            if not part.control_ids or part.control_ids[0] in whole.control_ids or part.confidence < SECOND_CONFIDENCE:
                continue
            _, _, scores = self._combined(tokens(clause), "")
            other = self._index[part.control_ids[0]]
            if scores[primary] < SECOND_RATIO * scores[other]:
                return part.control_ids[0]
        return None

    def match(self, text: str, section: str = "") -> Match:
        """The best control(s) for a question; a second control when one clause asks about another topic."""
        whole = self.rank(text, section)
        if not whole.control_ids:
            return whole
        second = self._second_topic(text, whole, section)
        ids = (*whole.control_ids, second) if second else whole.control_ids
        return Match(ids, whole.confidence, whole.ranked, whole.lang, whole.features)
